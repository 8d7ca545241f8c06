"""The editors of the scenario form, one per kind of key (see :class:`tfsim.scenario.introspect.Kind`)."""

from .base import Editor, tooltip_for
from .distribution import DistributionEditor
from .panels import PanelListEditor
from .scalar import ScalarEditor
from .section import SectionEditor, section_intro
from .table import TableEditor

__all__ = ["DistributionEditor", "Editor", "PanelListEditor", "ScalarEditor", "SectionEditor", "TableEditor",
           "section_intro", "tooltip_for"]
