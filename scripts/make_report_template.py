"""Make tfsim's business-case template: tfsim/report/template.docx.

    python scripts/make_report_template.py [OUT.docx]

The template carries no text of the report, only what a council may restyle: A4 pages,
margins, a header and a footer with page numbers, and named styles.  ``tfsim report``
writes every part of the report in one of these styles, so a council that opens the
template in Word, changes the styles (fonts, colours, spacing), puts its logo in the
header and saves it as a .docx gets reports in its own house style (``--template``).

Styles: Title, Subtitle, Heading 1 to 3, Normal, List Bullet, Caption (figure and table
captions), Table Text, Table Heading (header rows) and Table Group (rows that head a
group) inside tables, Small Print (sources and
provenance), Author Prompt (what the author must still write) and the table style
"tfsim Table".  Running the script again gives the same file byte for byte.
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tfsim" / "report" / "template.docx"

FONT = "Arial"  # LibreOffice shows it as the metric-compatible Liberation Sans
NAVY = RGBColor(0x1F, 0x4E, 0x79)
GREY = RGBColor(0x40, 0x40, 0x40)
PROMPT = RGBColor(0x9C, 0x3D, 0x00)
FIXED_TIME = datetime(2024, 1, 1)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _font(style, size=None, bold=None, italic=None, colour=None, name=FONT):
    font = style.font
    font.name = name
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(f"{W}rFonts")
    if fonts is not None:  # a theme font would win over the named one
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(f"{W}{attr}", None)
    for spacing in rpr.findall(f"{W}spacing"):
        rpr.remove(spacing)  # python-docx's Subtitle is letter-spaced
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    if colour is not None:
        font.color.rgb = colour


def _spacing(style, before=0, after=6, keep_next=None, line=None):
    pf = style.paragraph_format
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if keep_next is not None:
        pf.keep_with_next = keep_next
    if line is not None:
        pf.line_spacing = line


def _paragraph_style(doc, name, base="Normal"):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles[base]
    style.quick_style = True
    return style


TABLE_STYLE = f"""
<w:style {nsdecls('w')} w:type="table" w:customStyle="1" w:styleId="tfsimTable">
  <w:name w:val="tfsim Table"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="59"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="18"/></w:rPr>
  <w:tblPr>
    <w:tblBorders>
      <w:top w:val="single" w:sz="4" w:space="0" w:color="8EA9C1"/>
      <w:left w:val="single" w:sz="4" w:space="0" w:color="8EA9C1"/>
      <w:bottom w:val="single" w:sz="4" w:space="0" w:color="8EA9C1"/>
      <w:right w:val="single" w:sz="4" w:space="0" w:color="8EA9C1"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="8EA9C1"/>
      <w:insideV w:val="single" w:sz="4" w:space="0" w:color="8EA9C1"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="40" w:type="dxa"/><w:left w:w="80" w:type="dxa"/>
      <w:bottom w:w="40" w:type="dxa"/><w:right w:w="80" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/><w:color w:val="FFFFFF"/></w:rPr>
    <w:tblPr/>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="1F4E79"/></w:tcPr>
  </w:tblStylePr>
  <w:tblStylePr w:type="band1Horz">
    <w:tblPr/>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="EEF3F8"/></w:tcPr>
  </w:tblStylePr>
</w:style>
"""


def _field(paragraph, code: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES) with a cached result."""
    run = paragraph.add_run()
    run._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="begin"/>'))
    run = paragraph.add_run()
    run._r.append(parse_xml(f'<w:instrText {nsdecls("w")} xml:space="preserve"> {code} </w:instrText>'))
    run = paragraph.add_run()
    run._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="separate"/>'))
    paragraph.add_run(shown)
    run = paragraph.add_run()
    run._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>'))


def build() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    section.header_distance = section.footer_distance = Cm(1.0)

    styles = doc.styles
    normal = styles["Normal"]
    _font(normal, 10.5, colour=RGBColor(0, 0, 0))
    _spacing(normal, 0, 6, line=1.1)
    for name, size, before, after in (("Heading 1", 16, 14, 6), ("Heading 2", 12.5, 10, 4), ("Heading 3", 11, 8, 3)):
        style = styles[name]
        _font(style, size, bold=True, italic=False, colour=NAVY)
        _spacing(style, before, after, keep_next=True)
    _font(styles["Title"], 22, bold=True, colour=NAVY)
    _spacing(styles["Title"], 0, 4)
    title_ppr = styles["Title"].element.get_or_add_pPr()
    for border in title_ppr.findall(f"{W}pBdr"):
        title_ppr.remove(border)  # python-docx's default Title has a rule under it
    _font(styles["Subtitle"], 12, italic=False, colour=GREY)
    _spacing(styles["Subtitle"], 0, 8)
    _font(styles["Caption"], 9, bold=False, italic=True, colour=GREY)
    _spacing(styles["Caption"], 2, 10)
    _font(styles["List Bullet"], 10.5)
    _spacing(styles["List Bullet"], 0, 3)

    table_text = _paragraph_style(doc, "Table Text")
    _font(table_text, 9)
    _spacing(table_text, 0, 0, line=1.0)
    table_heading = _paragraph_style(doc, "Table Heading", "Table Text")
    _font(table_heading, 9, bold=True, colour=RGBColor(0xFF, 0xFF, 0xFF))  # on the header row's navy
    table_group = _paragraph_style(doc, "Table Group", "Table Text")
    _font(table_group, 9, bold=True, colour=NAVY)
    small = _paragraph_style(doc, "Small Print")
    _font(small, 8, colour=GREY)
    _spacing(small, 0, 3, line=1.0)
    prompt = _paragraph_style(doc, "Author Prompt")
    _font(prompt, italic=True, colour=PROMPT)
    prompt.element.get_or_add_pPr().append(parse_xml(
        f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="FFF2CC"/>'))
    lead = _paragraph_style(doc, "Summary Lead")
    _font(lead, 12, colour=NAVY)
    _spacing(lead, 0, 8, line=1.15)

    styles.element.append(parse_xml(TABLE_STYLE))

    header = section.header.paragraphs[0]
    header.text = "Business case"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.style = styles["Header"]
    _font(styles["Header"], 8, colour=GREY)
    footer = section.footer.paragraphs[0]
    footer.style = styles["Footer"]
    _font(styles["Footer"], 8, colour=GREY)
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")

    body = doc.element.body
    for child in list(body):
        if child.tag.endswith("}p") or child.tag.endswith("}tbl"):
            body.remove(child)

    props = doc.core_properties
    props.title = "Business case (tfsim template)"
    props.author = props.last_modified_by = "tfsim"
    props.comments = "Restyle the named styles and the header to make tfsim reports in your house style."
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    return doc


def reproducible(data: bytes) -> bytes:
    """The .docx with fixed times on its zip entries, so the same styles give the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda i: (i.filename != "[Content_Types].xml", i.filename)):
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    buffer = io.BytesIO()
    build().save(buffer)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(reproducible(buffer.getvalue()))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
