"""The business-case report: one Word document from a run, on a template a council can restyle.

``tfsim report`` and the app's *File ▸ Export business case...* both make it with
:func:`write_report` from the :class:`ReportRuns` of :func:`prepare` (the CLI: the
scenario, a baseline and the staffing check) or :func:`prepare_from` (the app: the results
on screen, plus the staffing check), so the same run gives the same document.
"""

from .document import CHART_CAPTIONS, STYLES, TemplateError, build_document, default_template, load_template, \
    write_report
from .runs import ReportRuns, StaffingCheck, prepare, prepare_from

__all__ = ["CHART_CAPTIONS", "ReportRuns", "STYLES", "StaffingCheck", "TemplateError", "build_document",
           "default_template", "load_template", "prepare", "prepare_from", "write_report"]
