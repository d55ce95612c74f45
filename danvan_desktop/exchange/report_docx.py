"""Write a ComposedReport as an editable Word file (.docx) in the Party or state layout (REPORT-LAYOUT.md).

python-docx for the document; PAGE fields, footnotes, repeated header rows and per-script fonts need a little
raw XML (PLATFORM-NOTES "Reading and writing office files").
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from danvan_desktop.domain.report_doc import AppendixTable, ComposedReport, paragraphs
from danvan_desktop.domain.vnformat import date_line

FONT = "Times New Roman"
PARTY_NATION = "ĐẢNG CỘNG SẢN VIỆT NAM"
STATE_NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
STATE_MOTTO = "Độc lập - Tự do - Hạnh phúc"
BLANK_DAY = "ngày … tháng … năm …"  # filled in by hand at signing

# Sizes of the two layouts when the office's settings leave them out (REPORT-LAYOUT.md).
_SIZES = {
    "party": {"superior_size": 14, "organ_size": 14, "number_size": 14, "nation_size": 15, "motto_size": 14,
              "date_size": 14, "doc_type_size": 16, "subtitle_size": 14, "recipients_label_size": 14,
              "recipients_size": 12, "signer_size": 14, "page_number_size": 14},
    "state": {"superior_size": 13, "organ_size": 13, "number_size": 13, "nation_size": 12, "motto_size": 13,
              "date_size": 14, "doc_type_size": 14, "subtitle_size": 14, "recipients_label_size": 12,
              "recipients_size": 11, "signer_size": 14, "page_number_size": 13},
}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _Layout:
    """The office's layout settings with each size resolved for its layout."""

    def __init__(self, values: Mapping[str, Any]):
        self.v = dict(values)
        self.kind = "state" if self.v.get("layout") == "state" else "party"

    def size(self, name: str) -> float:
        value = self.v.get(name)
        return float(value) if value is not None else float(_SIZES[self.kind][name])

    def num(self, name: str, default: float) -> float:
        value = self.v.get(name)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default

    def text(self, name: str) -> str:
        return _nfc(str(self.v.get(name) or "")).strip()


def _fonts(rpr: BaseOxmlElement) -> None:
    """Name Times New Roman for every script (ascii, hAnsi, cs, eastAsia) on a run-properties element."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)


class DocxWriter:
    """Builds the Word document of one composed report."""

    def __init__(self, doc: ComposedReport):
        self.r = doc
        self.lay = _Layout(doc.layout)
        self.d = Document()
        self.notes: list[str] = []
        self.text_width = Mm(210 - self.lay.num("margin_left_mm", 30) - self.lay.num("margin_right_mm", 15))

    # -- page, styles
    def page(self) -> None:
        """A4, the layout's margins, page number in the header from page 2 on."""
        sec = self.d.sections[0]
        sec.page_width, sec.page_height = Mm(210), Mm(297)
        sec.top_margin = Mm(self.lay.num("margin_top_mm", 20))
        sec.bottom_margin = Mm(self.lay.num("margin_bottom_mm", 20))
        sec.left_margin = Mm(self.lay.num("margin_left_mm", 30))
        sec.right_margin = Mm(self.lay.num("margin_right_mm", 15))
        sec.header_distance = Mm(8)
        sec.different_first_page_header_footer = True  # no number on page 1
        p = sec.header.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._field(p, "PAGE", self.lay.size("page_number_size"))

    def styles(self) -> None:
        """Times New Roman on the defaults and on every style used, sizes and spacing from the settings."""
        st = self.d.styles
        defaults = self.d.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr is not None:
                _fonts(rpr)
        body_size = self.lay.num("body_size", 14)
        spacing = self.lay.num("line_spacing", 1.2)
        normal = st["Normal"]
        normal.font.name, normal.font.size = FONT, Pt(body_size)
        _fonts(normal.element.get_or_add_rPr())
        pf = normal.paragraph_format
        pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(0), 1.0
        body = st.add_style("DV Body", WD_STYLE_TYPE.PARAGRAPH)
        body.base_style = normal
        body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        body.paragraph_format.first_line_indent = Mm(self.lay.num("first_line_indent_mm", 12.7))
        body.paragraph_format.space_after = Pt(self.lay.num("paragraph_space_pt", 6))
        body.paragraph_format.line_spacing = spacing
        body.paragraph_format.widow_control = True
        for name, bold, italic, centre in (("DV Part", True, False, True), ("DV Heading 1", True, False, False),
                                           ("DV Heading 2", True, True, False)):
            h = st.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            h.base_style = body
            h.font.bold, h.font.italic = bold, italic
            h.paragraph_format.keep_with_next = True
            if centre:
                h.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
                h.paragraph_format.first_line_indent = Mm(0)
                h.paragraph_format.space_before = Pt(6)
        cell = st.add_style("DV Table", WD_STYLE_TYPE.PARAGRAPH)
        cell.base_style = normal
        cell.font.size = Pt(self.lay.num("table_size", 12))
        note = st.add_style("Footnote Text", WD_STYLE_TYPE.PARAGRAPH)
        note.base_style = normal
        note.font.size = Pt(11)
        note.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        ref = st.add_style("Footnote Reference", WD_STYLE_TYPE.CHARACTER)
        ref.font.superscript = True
        for s in st:
            if s.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE):
                _fonts(s.element.get_or_add_rPr())

    # -- small builders
    def _run(self, p: Paragraph, text: str, size: float | None = None, bold: bool = False, italic: bool = False,
             underline: bool = False) -> None:
        lines = _nfc(text).split("\n")
        for i, line in enumerate(lines):
            run = p.add_run(line)
            run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
            if size:
                run.font.size = Pt(size)
            if i < len(lines) - 1:
                run.add_break()

    def _line(self, container: Any, text: str, size: float, bold: bool = False, italic: bool = False,
              underline: bool = False, align: Any = WD_ALIGN_PARAGRAPH.CENTER) -> Paragraph:
        p = container.add_paragraph()
        p.alignment = align
        self._run(p, text, size, bold, italic, underline)
        return p

    def _field(self, p: Paragraph, code: str, size: float) -> None:
        """A Word field (PAGE) as begin / instruction / separate / result / end runs."""
        def run_xml(inner: str) -> BaseOxmlElement:
            return parse_xml(f"<w:r {nsdecls('w')}><w:rPr><w:rFonts w:ascii='{FONT}' w:hAnsi='{FONT}' "
                             f"w:cs='{FONT}' w:eastAsia='{FONT}'/><w:sz w:val='{int(size * 2)}'/></w:rPr>{inner}</w:r>")
        for inner in ("<w:fldChar w:fldCharType='begin'/>", f"<w:instrText xml:space='preserve'> {code} </w:instrText>",
                      "<w:fldChar w:fldCharType='separate'/>", "<w:t>2</w:t>", "<w:fldChar w:fldCharType='end'/>"):
            p._p.append(run_xml(inner))

    def _borderless(self, table: DocxTable) -> None:
        borders = parse_xml(f"<w:tblBorders {nsdecls('w')}>" + "".join(
            f"<w:{b} w:val='nil'/>" for b in ("top", "left", "bottom", "right", "insideH", "insideV"))
            + "</w:tblBorders>")
        table._tbl.tblPr.append(borders)

    def _short_rule(self, cell: Any, ratio: float) -> None:
        """A short solid rule under the organ (state layout): an empty paragraph with a bottom border, indented."""
        p = cell.add_paragraph()
        indent = Mm((1 - ratio) / 2 * 80)
        p.paragraph_format.left_indent = p.paragraph_format.right_indent = indent
        p.paragraph_format.space_after = Pt(2)
        ppr = p._p.get_or_add_pPr()
        ppr.append(parse_xml(f"<w:pBdr {nsdecls('w')}><w:top w:val='single' w:sz='6' w:space='1' "
                             "w:color='000000'/></w:pBdr>"))
        run = p.add_run("")
        run.font.size = Pt(2)

    # -- the header block
    def header(self) -> None:
        """Left: superior and issuing organisations, "*" or a short rule, the number; right: national line, date."""
        lay = self.lay
        table = self.d.add_table(rows=2, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        self._borderless(table)
        left_w = int(self.text_width * self._left_ratio())
        table.columns[0].width, table.columns[1].width = left_w, int(self.text_width) - left_w
        for row in table.rows:
            row.cells[0].width, row.cells[1].width = left_w, int(self.text_width) - left_w
        left, right = table.rows[0].cells
        left.paragraphs[0].text = ""
        first = left.paragraphs[0]
        first.alignment = WD_ALIGN_PARAGRAPH.CENTER
        superior, organ = lay.text("superior_name").upper(), lay.text("organ_name").upper()
        if superior:
            self._run(first, superior, lay.size("superior_size"))
            organ_p = self._line(left, organ, lay.size("organ_size"), bold=True) if organ else None
        else:
            self._run(first, organ, lay.size("organ_size"), bold=True)
            organ_p = first
        if lay.kind == "party":
            self._line(left, "*", lay.size("organ_size"))
        elif organ_p is not None:
            self._short_rule(left, lay.num("organ_rule_ratio", 0.4))
        rp = right.paragraphs[0]
        rp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if lay.kind == "party":
            self._run(rp, PARTY_NATION, lay.size("nation_size"), bold=True, underline=True)
        else:
            self._run(rp, STATE_NATION, lay.size("nation_size"), bold=True)
            self._line(right, STATE_MOTTO, lay.size("motto_size"), bold=True, underline=True)
        nleft, nright = table.rows[1].cells
        np_ = nleft.paragraphs[0]
        np_.alignment = WD_ALIGN_PARAGRAPH.CENTER
        np_.paragraph_format.space_before = Pt(4)
        self._run(np_, self.number_text(), lay.size("number_size"))
        dp = nright.paragraphs[0]
        dp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        dp.paragraph_format.space_before = Pt(4)
        self._run(dp, self.date_text(), lay.size("date_size"), italic=True)

    def _left_ratio(self) -> float:
        """The left header column's share: the setting, else what the national line and date leave."""
        if isinstance(self.lay.v.get("header_left_ratio"), (int, float)):
            return float(self.lay.v["header_left_ratio"])
        from reportlab.pdfbase.pdfmetrics import stringWidth

        from danvan_desktop.exchange.pdf_report import register_fonts

        register_fonts()  # Liberation Serif has the metrics of Times New Roman
        lay = self.lay
        lines = [(PARTY_NATION if lay.kind == "party" else STATE_NATION, "LiberationSerif-Bold", "nation_size"),
                 (self.date_text(), "LiberationSerif-Italic", "date_size")]
        if lay.kind == "state":
            lines.append((STATE_MOTTO, "LiberationSerif-Bold", "motto_size"))
        need = max(stringWidth(t, face, lay.size(size)) for t, face, size in lines) + 14  # points, with padding
        width_pt = self.text_width / 12700
        return max(0.34, min(0.55, 1 - need / width_pt))

    def number_text(self) -> str:
        """Return "Số 03-BC/ĐU" (party) or "Số: 12/BC-UBND" (state); a bare "-BC/ĐU" leaves room for the serial."""
        number = _nfc(self.r.fields.number).strip()
        label = "Số" if self.lay.kind == "party" else "Số:"
        if number.lower().startswith("số"):
            return number
        if not number or number[:1] in "-/":
            return f"{label}{chr(0xA0) * 8}{number}"
        return f"{label} {number}"

    def date_text(self) -> str:
        """The place and date line, or a blank day ("ngày … tháng … năm …") to be filled in at signing."""
        f = self.r.fields
        if f.date is not None:
            return date_line(f.place, f.date)
        place = _nfc(f.place).strip()
        return f"{place}, {BLANK_DAY}" if place else BLANK_DAY

    def title(self) -> None:
        """BÁO CÁO, the summary line, and the mark under it."""
        lay = self.lay
        p = self._line(self.d, "BÁO CÁO", lay.size("doc_type_size"), bold=True)
        p.paragraph_format.space_before = Pt(18)
        if self.r.fields.title.strip():
            self._line(self.d, self.r.fields.title.strip(), lay.size("subtitle_size"), bold=True)
        if lay.v.get("title_rule", True):
            self._line(self.d, "-----" if lay.kind == "party" else "_____", lay.size("subtitle_size"))
        self.d.add_paragraph().paragraph_format.space_after = Pt(6)

    # -- body
    def text(self, text: str, style: str = "DV Body") -> None:
        """Paragraphs of a section's text, footnotes ("[[…]]") at the foot of the page."""
        for runs in paragraphs(text):
            p = self.d.add_paragraph(style=style)
            for run in runs:
                if run.footnote:
                    self.notes.append(run.text)
                    p._p.append(parse_xml(
                        f"<w:r {nsdecls('w')}><w:rPr><w:rStyle w:val='FootnoteReference'/></w:rPr>"
                        f"<w:footnoteReference w:id='{len(self.notes)}'/></w:r>"))
                else:
                    p.add_run(_nfc(run.text))

    def body(self) -> None:
        """Each section: heading, generated text, the office's own text."""
        style = {0: "DV Part", 1: "DV Heading 1"}
        for sec in self.r.sections:
            p = self.d.add_paragraph(style=style.get(sec.level, "DV Heading 2"))
            self._run(p, sec.heading)
            if sec.generated.strip():
                self.text(sec.generated)
            if sec.own.strip():
                self.text(sec.own)
        closing = f"Trên đây là báo cáo {self.r.fields.title.strip() or 'công tác dân vận'}./."
        self.text(closing[:1].upper() + closing[1:] if self.lay.kind == "state" else closing)
        self.d.paragraphs[-1].paragraph_format.keep_with_next = True  # never the signature alone on a page

    # -- closing
    def closing(self) -> None:
        """Nơi nhận on the left, the signature block on the right (a borderless table)."""
        lay, f = self.lay, self.r.fields
        table = self.d.add_table(rows=1, cols=2)
        table.autofit = False
        self._borderless(table)
        table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
        left, right = table.rows[0].cells
        half = int(self.text_width) // 2
        left.width = right.width = half
        table.columns[0].width = table.columns[1].width = half
        lp = left.paragraphs[0]
        if lay.kind == "party":
            self._run(lp, "Nơi nhận:", lay.size("recipients_label_size"), underline=True)
        else:
            self._run(lp, "Nơi nhận:", lay.size("recipients_label_size"), bold=True, italic=True)
        for i, r in enumerate(f.recipients):
            end = "." if i == len(f.recipients) - 1 else ","
            self._line(left, f"- {r.rstrip(',.')}{end}", lay.size("recipients_size"), align=WD_ALIGN_PARAGRAPH.LEFT)
        rp = right.paragraphs[0]
        rp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        lines = [x.strip().upper() for x in (f.signer_prefix + "\n" + f.signer_title).split("\n") if x.strip()]
        self._run(rp, "\n".join(lines), lay.size("signer_size"), bold=True)
        space = right.add_paragraph()
        space.paragraph_format.space_after = Mm(lay.num("signature_space_mm", 25))
        if f.signer_name.strip():
            self._line(right, f.signer_name.strip(), lay.size("signer_size"), bold=True)

    # -- Phụ lục
    def appendices(self) -> None:
        """Each Phụ lục table on a new page: real Word tables, header row repeated, numbers right-aligned."""
        for i, t in enumerate(self.r.appendices):
            p = self.d.add_paragraph()
            if i == 0:
                p.add_run().add_break(WD_BREAK.PAGE)
            self._run(p, t.title, self.lay.num("body_size", 14), bold=True)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.keep_with_next = True
            self.table(t)
            self.d.add_paragraph()

    def table(self, t: AppendixTable) -> None:
        """One table of figures."""
        ncols = len(t.headers)
        table = self.d.add_table(rows=1 + len(t.rows), cols=ncols)
        table.style = self.d.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        rel = t.widths if len(t.widths) == ncols else (1.0,) * ncols
        widths = [int(self.text_width * w / sum(rel)) for w in rel]
        for c, w in enumerate(widths):  # LibreOffice lays a table out by its grid columns
            table.columns[c].width = w
        header = table.rows[0]
        header._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))  # repeat on each page
        numeric = set(t.numeric_cols)
        last = len(t.rows) - 1
        table_style = self.d.styles["DV Table"]
        for r, (row, values) in enumerate(zip(table.rows, [t.headers, *t.rows], strict=True)):
            row._tr.get_or_add_trPr().append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
            bold = r == 0 or (t.total_row and r - 1 == last) or (r > 0 and not values[0] and not values[2])
            cells = row.cells  # python-docx rebuilds this list on each access
            for c, value in enumerate(values):
                cell = cells[c]
                cell.width = widths[c]
                p = cell.paragraphs[0]
                p.style = table_style
                p.alignment = (WD_ALIGN_PARAGRAPH.CENTER if r == 0 else
                               WD_ALIGN_PARAGRAPH.RIGHT if c in numeric else WD_ALIGN_PARAGRAPH.LEFT)
                self._run(p, str(value), bold=bold)

    # -- footnotes part
    def footnotes(self) -> None:
        """Add word/footnotes.xml with the separators Word expects and one footnote per "[[…]]"."""
        if not self.notes:
            return
        from xml.sax.saxutils import escape

        w = nsdecls("w")
        items = [
            "<w:footnote w:type='separator' w:id='-1'><w:p><w:r><w:separator/></w:r></w:p></w:footnote>",
            "<w:footnote w:type='continuationSeparator' w:id='0'><w:p><w:r><w:continuationSeparator/></w:r>"
            "</w:p></w:footnote>",
        ]
        for i, note in enumerate(self.notes, 1):
            items.append(
                f"<w:footnote w:id='{i}'><w:p><w:pPr><w:pStyle w:val='FootnoteText'/></w:pPr>"
                "<w:r><w:rPr><w:rStyle w:val='FootnoteReference'/></w:rPr><w:footnoteRef/></w:r>"
                f"<w:r><w:t xml:space='preserve'> {escape(_nfc(note))}</w:t></w:r></w:p></w:footnote>")
        xml = ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
               f"<w:footnotes {w}>{''.join(items)}</w:footnotes>")
        part = Part(PackURI("/word/footnotes.xml"),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
                    xml.encode("utf-8"), self.d.part.package)
        self.d.part.relate_to(part, RT.FOOTNOTES)

    def build(self) -> bytes:
        """The whole document as .docx bytes."""
        self.styles()
        self.page()
        self.header()
        self.title()
        self.body()
        self.closing()
        if self.r.appendices:
            self.appendices()
        self._style_ids()
        self.footnotes()
        core = self.d.core_properties
        core.title = f"Báo cáo {self.r.fields.title}".strip()
        core.author = self.lay.text("organ_name").replace("\n", " ")
        core.language = "vi-VN"
        buf = io.BytesIO()
        self.d.save(buf)
        return buf.getvalue()

    def _style_ids(self) -> None:
        """Footnote styles are referred to by id in raw XML: make their ids the plain ones."""
        for name, sid in (("Footnote Text", "FootnoteText"), ("Footnote Reference", "FootnoteReference")):
            self.d.styles[name].element.set(qn("w:styleId"), sid)


def docx_bytes(doc: ComposedReport) -> bytes:
    """The report as .docx bytes."""
    return DocxWriter(doc).build()

