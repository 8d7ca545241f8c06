"""tfsim report: the business-case document, its sections, tables and figures, templates and failures."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys

import docx
import pytest
from helpers import ROOT, SCENARIOS
from docx.shared import RGBColor

from tfsim import cli, report
from tfsim.report import document as report_document

SEVENOAKS = SCENARIOS / "sevenoaks-2014.toml"
EXTRA_FIP = ROOT / "docs" / "examples" / "sevenoaks-2014-extra-fip.toml"
RUNS = "10"

SECTIONS = ["Summary", "What staffing does to it", "Charts", "Key figures", "Assumptions",
            "Notes at the top of the scenario file", "The model in brief", "What the model does not say",
            "Appendix A. STRESS-DES reporting checklist", "Appendix B. About this run",
            "Appendix C. What the figures mean"]


def headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]


def table_texts(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [c.text for row in table.rows for c in row.cells]
    return "\n".join(parts)


def find_table(document, first_header: str, contains: str | None = None):
    for table in document.tables:
        rows = table_texts(table)
        if rows and rows[0][0] == first_header and (contains is None or any(contains in c for r in rows for c in r)):
            return rows
    raise AssertionError(f"no table headed {first_header!r}")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    plain, compared = out / "plain.docx", out / "compared.docx"
    assert cli.main(["report", str(SEVENOAKS), "-n", RUNS, "--seed", "7", "--out", str(plain)]) == 0
    assert cli.main(["report", str(SEVENOAKS), "--baseline", str(EXTRA_FIP), "-n", RUNS, "--seed", "7",
                     "--out", str(compared)]) == 0
    return plain, compared


def test_report_reads_back_with_its_sections_in_order(made):
    document = docx.Document(str(made[0]))
    found = headings(document)
    assert [h for h in found if h in SECTIONS] == SECTIONS
    assert "Comparison with the baseline" not in found
    assert document.paragraphs[0].style.name == "Title"
    assert "Sevenoaks 2014" in document.paragraphs[0].text


def test_summary_says_target_expected_chance_shortfall_date_and_staffing(made):
    document = docx.Document(str(made[0]))
    summary = find_table(document, "", "Target")
    labels = [row[0] for row in summary]
    for label in ("Target", "Expected by the deadline", "Chance of meeting the target", "Shortfall at the deadline",
                  "Date the target is reached"):
        assert label in labels
    text = all_text(document)
    assert "101 claims by 31 March 2015" in text
    assert re.search(r"95% interval \d+% to \d+%", text)
    assert "one more full-time Family Intervention Practitioner (KCA) in post from the start" in text
    # the summary is the first page: a page break follows it
    breaks = [i for i, p in enumerate(document.paragraphs) if 'w:br w:type="page"' in p._p.xml]
    charts = next(i for i, p in enumerate(document.paragraphs) if p.text == "Charts")
    assert breaks and breaks[0] < charts


def test_every_chart_and_the_flow_diagram_is_an_image_with_a_caption(made):
    document = docx.Document(str(made[0]))
    assert len(document.inline_shapes) == 6  # five charts and the flow diagram
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption" and p.text.startswith("Figure")]
    assert len(captions) == 6
    for text in captions[:5]:
        assert "Scenario 'Sevenoaks 2014' (sevenoaks-2014.toml); 10 runs, seed 7; run " in text
    pictures = [i for i, p in enumerate(document.paragraphs) if p._p.xpath(".//pic:pic")]
    assert all(document.paragraphs[i + 1].style.name == "Caption" for i in pictures)


def test_key_figures_have_units_and_formatted_numbers(made):
    rows = find_table(docx.Document(str(made[0])), "Figure", "Families referred")
    assert rows[0] == ["Figure", "Average", "95% interval of the average", "9 runs in 10", "Unit"]
    by_name = {r[0]: r for r in rows}
    assert by_name["Families turned around"][4] == "families"
    assert by_name["Net cost"][1].startswith("£") and by_name["Net cost"][4] == "£"
    assert by_name["Vacancy rate"][1].endswith("%")
    assert not any("_" in r[0] for r in rows)  # plain names, never metric ids


def test_assumptions_table_carries_values_units_and_the_notes_in_the_file(made):
    rows = find_table(docx.Document(str(made[0])), "Input", "Refusal probability")
    by_label = {r[0]: r for r in rows if len(set(r)) > 1}
    assert by_label["Refusal probability"][1:5] == ["13%", "", "source", "13% refused support (Sevenoaks briefing 2014)"]
    assert by_label["Caseload cap"][2] == "families per FTE"
    assert by_label["Claim window"][3] == "FITTED"
    assert any(r[3] == "ASSUMPTION" for r in rows)
    assert any(r[3] == "not stated" for r in rows)  # marked for the author


def test_stress_des_appendix_has_the_20_items_and_marked_prompts(made):
    document = docx.Document(str(made[0]))
    rows = find_table(document, "Item", "Purpose of the model")
    numbers = [r[0] for r in rows if re.fullmatch(r"\d\.\d", r[0])]
    assert numbers == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "3.2", "3.3", "3.4", "4.1",
                       "4.2", "4.3", "5.1", "5.2", "5.3", "5.4", "6.1"]
    prompts = [p for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs
               if p.text.startswith("[For the author")]
    assert prompts and all(p.style.name == "Author Prompt" for p in prompts)
    text = all_text(document)
    assert "10 independent replications with seed 7" in text
    assert hashlib.sha256(SEVENOAKS.read_bytes()).hexdigest() in text


def test_baseline_comparison_has_paired_intervals_and_no_clear_difference(made):
    document = docx.Document(str(made[1]))
    found = headings(document)
    assert "Comparison with the baseline" in found
    assert "Against the baseline: Sevenoaks 2014, extra FIP from April 2013" in found
    paired = next(table_texts(t) for t in document.tables if table_texts(t)[0][:2] == ["Figure", "Baseline"])
    assert paired[0][4] == "95% interval of the difference"
    assert all(" to " in r[4] for r in paired[1:])
    assert any(r[6] == "no clear difference" for r in paired[1:])
    assert any(r[6] in ("better", "worse") for r in paired[1:])
    changes = find_table(document, "Input", "Staffing plan")
    assert ["Staffing plan: removed", "1 Apr 2013: start of 1 FTE Family Intervention Practitioner (KCA) (\u201cwhat-if: "
            "one more full-time FIP from April 2013\u201d)", "(none)"] in changes  # the row the baseline adds
    assert len(document.inline_shapes) == 7  # and the difference over time


def _restyled_template(path):
    template = report.load_template()
    heading = template.styles["Heading 1"]
    heading.font.name = "Georgia"
    heading.font.color.rgb = RGBColor(0x8B, 0x00, 0x00)
    template.sections[0].header.paragraphs[0].text = "Borough of Testshire"
    template.save(str(path))


def test_a_council_template_restyles_the_report(tmp_path):
    template = tmp_path / "council.docx"
    _restyled_template(template)
    out = tmp_path / "council-report.docx"
    assert cli.main(["report", str(SEVENOAKS), "-n", "4", "--template", str(template), "--out", str(out)]) == 0
    document = docx.Document(str(out))
    h1 = document.styles["Heading 1"]
    assert h1.font.name == "Georgia" and h1.font.color.rgb == RGBColor(0x8B, 0x00, 0x00)
    assert [p.style.name for p in document.paragraphs if p.text == "Summary"] == ["Heading 1"]
    assert document.sections[0].header.paragraphs[0].text == "Borough of Testshire"


def test_a_template_without_tfsim_styles_still_works(tmp_path):
    template = tmp_path / "plain.docx"
    docx.Document().save(str(template))  # python-docx's own: no Author Prompt, Table Text or tfsim Table
    out = tmp_path / "r.docx"
    assert cli.main(["report", str(SEVENOAKS), "-n", "3", "--template", str(template), "--out", str(out)]) == 0
    names = {s.name for s in docx.Document(str(out)).styles}
    assert {"Author Prompt", "Table Text", "tfsim Table", "Small Print"} <= names


@pytest.mark.parametrize("content, words", [(b"not a zip", "not a Word document"), (None, "no such file")])
def test_bad_template_exits_2_with_a_message(tmp_path, capsys, content, words):
    template = tmp_path / "bad.docx"
    if content is not None:
        template.write_bytes(content)
    out = tmp_path / "r.docx"
    assert cli.main(["report", str(SEVENOAKS), "-n", "3", "--template", str(template), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and str(template) in err
    assert not out.exists()


def test_bad_scenario_and_bad_out_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(SEVENOAKS.read_text().replace("refusal_probability = 0.13", "refusal_probability = 1.7"))
    assert cli.main(["report", str(bad), "-n", "3", "--out", str(tmp_path / "r.docx")]) == 2
    assert "engagement.refusal_probability" in capsys.readouterr().out
    assert cli.main(["report", str(SEVENOAKS), "-n", "3", "--out", str(tmp_path / "r.pdf")]) == 2
    assert ".docx" in capsys.readouterr().err


def test_a_failed_build_leaves_the_earlier_report_whole(tmp_path, monkeypatch):
    out = tmp_path / "r.docx"
    assert cli.main(["report", str(SEVENOAKS), "-n", "3", "--out", str(out)]) == 0
    before = out.read_bytes()

    def broken(*_args, **_kwargs):
        raise RuntimeError("chart failed")

    monkeypatch.setattr(report_document, "_charts", broken)
    assert cli.main(["report", str(SEVENOAKS), "-n", "3", "--out", str(out)]) == 1
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.docx"]  # no temporary file left


def test_the_shipped_template_is_what_the_script_makes(tmp_path):
    made = tmp_path / "template.docx"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_report_template.py"), str(made)], check=True,
                   capture_output=True)
    assert made.read_bytes() == report.default_template().read_bytes()
    styles = {s.name for s in docx.Document(str(made)).styles}
    assert set(report.STYLES.values()) <= styles


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_report_converts_to_pdf_with_a_one_page_summary(made, tmp_path):
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(made[0])],
                   check=True, capture_output=True, timeout=180)
    pdf = (tmp_path / "plain.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 12 <= pages <= 30, pages
