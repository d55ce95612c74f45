"""Render official Vietnamese reports (Party or State layout) to A4 PDF with reportlab."""

from __future__ import annotations

import dataclasses
import io
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    LongTable,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as _RLTable  # our public block is also called Table

from danvan_desktop.domain.vnformat import date_line
from danvan_desktop.paths import resource_path

__all__ = [
    "FONT_FAMILY",
    "LayoutSettings",
    "Para",
    "Heading",
    "Table",
    "ReportDocument",
    "register_fonts",
    "render_pdf",
    "with_layout",
]

FONT_FAMILY = "LiberationSerif"
_FONT_REGULAR = "LiberationSerif"
_FONT_BOLD = "LiberationSerif-Bold"
_FONT_ITALIC = "LiberationSerif-Italic"
_FONT_BOLD_ITALIC = "LiberationSerif-BoldItalic"
_FONT_FILES = {
    _FONT_REGULAR: "LiberationSerif-Regular.ttf",
    _FONT_BOLD: "LiberationSerif-Bold.ttf",
    _FONT_ITALIC: "LiberationSerif-Italic.ttf",
    _FONT_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}
_font_lock = threading.Lock()

PARTY_NATION = "ĐẢNG CỘNG SẢN VIỆT NAM"
STATE_NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
STATE_MOTTO = "Độc lập - Tự do - Hạnh phúc"

# Sizes that differ between the two layouts (REPORT-LAYOUT.md). A LayoutSettings
# field left at None takes the value for its layout.
_LAYOUT_DEFAULTS: dict[str, dict[str, float]] = {
    "party": {
        "superior_size": 14,
        "organ_size": 14,
        "number_size": 14,
        "nation_size": 15,
        "motto_size": 14,  # unused by the Party layout
        "date_size": 14,
        "doc_type_size": 16,
        "subtitle_size": 14,
        # 36-HD/VPTW: "Nơi nhận" 14 pt underlined, the list 12 pt.
        "recipients_label_size": 14,
        "recipients_size": 12,
        "signer_size": 14,
        "page_number_size": 14,
    },
    "state": {
        "superior_size": 13,
        "organ_size": 13,
        "number_size": 13,
        "nation_size": 12,
        "motto_size": 13,
        "date_size": 14,
        "doc_type_size": 14,
        "subtitle_size": 14,
        "recipients_label_size": 12,
        "recipients_size": 11,
        "signer_size": 14,
        "page_number_size": 13,
    },
}


@dataclass(frozen=True)
class LayoutSettings:
    """Header texts, signer and every size/margin of a report; None sizes take the layout's default."""

    layout: str = "party"  # "party" (Đảng) or "state" (Nhà nước)
    superior_name: str = ""  # "ĐẢNG BỘ TỈNH LAI CHÂU" / "UBND TỈNH LAI CHÂU"
    organ_name: str = ""  # "ĐẢNG ỦY XÃ BẢN BO"
    number: str = ""  # party "03-BC/ĐU" -> "Số 03-BC/ĐU"; state "12/BC-UBND" -> "Số: 12/BC-UBND"
    place: str = ""  # for the date line
    signer_prefix: str = "T/M ĐẢNG ỦY"  # state e.g. "TM. ỦY BAN NHÂN DÂN"; "\n" for more lines
    signer_title: str = "BÍ THƯ"
    signer_name: str = ""
    recipients: tuple[str, ...] = ()  # each rendered "- …"; the last conventionally "Lưu …"
    margin_top_mm: float = 20
    margin_bottom_mm: float = 20
    margin_left_mm: float = 30
    margin_right_mm: float = 15
    body_size: float = 14
    line_spacing: float = 1.2  # leading = size × this (single to 1.5 lines allowed)
    paragraph_space_pt: float = 6  # space after each body paragraph
    first_line_indent_mm: float = 10
    table_size: float = 12
    table_padding_pt: float = 3
    signature_space_mm: float = 25  # room for the signature and the seal
    title_rule: bool = True  # "-----" (party) / short solid rule (state) under the summary line
    organ_rule_ratio: float = 0.4  # state: rule under the organ, 1/3–1/2 of its text width
    header_left_ratio: float | None = None  # share of the width for the left header column; None = fit
    superior_size: float | None = None
    organ_size: float | None = None
    number_size: float | None = None
    nation_size: float | None = None  # "ĐẢNG CỘNG SẢN VIỆT NAM" / "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto_size: float | None = None  # "Độc lập - Tự do - Hạnh phúc" (state)
    date_size: float | None = None
    doc_type_size: float | None = None
    subtitle_size: float | None = None
    recipients_label_size: float | None = None
    recipients_size: float | None = None
    signer_size: float | None = None
    page_number_size: float | None = None

    def __post_init__(self) -> None:
        """Check the layout and fill sizes left at None with the layout's defaults."""
        if self.layout not in _LAYOUT_DEFAULTS:
            raise ValueError(f"layout must be 'party' or 'state', not {self.layout!r}")
        for name, value in _LAYOUT_DEFAULTS[self.layout].items():
            if getattr(self, name) is None:
                # Frozen dataclass: __post_init__ is the one place allowed to set fields.
                object.__setattr__(self, name, float(value))

    def size(self, name: str) -> float:
        """Return a resolved size field as a float (never None after construction)."""
        value = getattr(self, name)
        assert value is not None
        return float(value)


@dataclass(frozen=True)
class Para:
    """A body paragraph; align is "justify", "left", "center" or "right"."""

    text: str
    bold: bool = False
    italic: bool = False
    indent: bool = True
    align: str = "justify"


@dataclass(frozen=True)
class Heading:
    """A bold section heading such as "I. KẾT QUẢ CÔNG TÁC DÂN VẬN"."""

    text: str


@dataclass(frozen=True)
class Table:
    """A grid table; header row repeated on each page, numeric columns right-aligned."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    col_widths: tuple[float, ...] | None = None  # relative widths, scaled to the text width
    numeric_cols: tuple[int, ...] = ()
    total_row: bool = False  # last row bold
    title: str = ""


Block = Para | Heading | Table


@dataclass(frozen=True)
class ReportDocument:
    """A whole report: layout settings, issue date, type, summary line and body blocks."""

    settings: LayoutSettings
    issued_on: date
    doc_type: str = "BÁO CÁO"
    subtitle: str = ""
    blocks: tuple[Block, ...] = ()
    date_text: str = ""  # the date line as written (a blank day "ngày … tháng … năm …"); "" = from issued_on
    appendix: tuple[Block, ...] = ()  # Phụ lục: after the signature, from a new page (as in the Word file)


# ---------------------------------------------------------------- fonts


def register_fonts() -> None:
    """Register the bundled Liberation Serif family with reportlab (once; thread-safe)."""
    with _font_lock:
        registered = set(pdfmetrics.getRegisteredFontNames())
        for name, filename in _FONT_FILES.items():
            if name in registered:
                continue
            path = resource_path("fonts", filename)
            if not path.is_file():
                # No silent fallback: Helvetica cannot show Vietnamese.
                raise FileNotFoundError(f"Thiếu phông chữ {filename} ({path})")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        # Lets <b>/<i> inside a paragraph pick the right face of the family.
        pdfmetrics.registerFontFamily(
            FONT_FAMILY,
            normal=_FONT_REGULAR,
            bold=_FONT_BOLD,
            italic=_FONT_ITALIC,
            boldItalic=_FONT_BOLD_ITALIC,
        )


def _face(bold: bool = False, italic: bool = False) -> str:
    """Return the registered font name for a bold/italic combination."""
    if bold and italic:
        return _FONT_BOLD_ITALIC
    if bold:
        return _FONT_BOLD
    if italic:
        return _FONT_ITALIC
    return _FONT_REGULAR


# ---------------------------------------------------------------- text helpers


def _nfc(text: str) -> str:
    """Return text in NFC: reportlab misplaces the marks of decomposed (NFD) text."""
    return unicodedata.normalize("NFC", text)


def _markup(text: str) -> str:
    """Turn plain user text into safe Paragraph markup (escape &<>, keep line breaks)."""
    return escape(_nfc(text)).replace("\r\n", "\n").replace("\n", "<br/>")


_ALIGNS = {
    "justify": TA_JUSTIFY,
    "left": TA_LEFT,
    "center": TA_CENTER,
    "centre": TA_CENTER,
    "right": TA_RIGHT,
}


def _style(
    name: str,
    size: float,
    *,
    bold: bool = False,
    italic: bool = False,
    align: int = TA_CENTER,
    spacing: float = 1.2,
    **extra: Any,
) -> ParagraphStyle:
    """Build a ParagraphStyle that always names a Liberation Serif face (never the Helvetica default)."""
    return ParagraphStyle(
        name,
        fontName=_face(bold, italic),
        fontSize=size,
        leading=size * spacing,
        alignment=align,
        textColor="black",
        **extra,
    )


def _text_width(text: str, size: float, bold: bool = False, italic: bool = False) -> float:
    """Width in points of a single line of text in the given face."""
    return pdfmetrics.stringWidth(_nfc(text), _face(bold, italic), size)


# Words that start the name of an administrative level: a header name that must wrap
# breaks before one of these ("ỦY BAN NHÂN DÂN / XÃ BẢN BO"), never leaving "BO" alone.
_LEVEL_WORDS = (
    ("THỊ", "TRẤN"),
    ("THỊ", "XÃ"),
    ("THÀNH", "PHỐ"),
    ("ĐẶC", "KHU"),
    ("XÃ",),
    ("PHƯỜNG",),
    ("HUYỆN",),
    ("QUẬN",),
    ("TỈNH",),
    ("TP.",),
    ("THÀNH", "ỦY"),
    ("QUẬN", "ỦY"),
    ("ĐẢNG", "ỦY"),
)
# Never split a multi-word level name ("THÀNH / PHỐ") when balancing two lines.
_INSEPARABLE = {w for w in _LEVEL_WORDS if len(w) == 2}


def _break_name(text: str, size: float, bold: bool, width: float) -> str:
    """Insert a line break into a header name too wide for its column, at a sensible place."""
    if "\n" in text or _text_width(text, size, bold) <= width:
        return text  # fits, or the user chose the breaks
    words = text.split()

    def fits(i: int) -> bool:
        return all(_text_width(" ".join(part), size, bold) <= width for part in (words[:i], words[i:]))

    def inseparable(i: int) -> bool:  # the break would fall inside "THÀNH PHỐ", "THỊ XÃ", ...
        return tuple(words[i - 1 : i + 1]) in _INSEPARABLE

    starts = [
        i
        for i in range(1, len(words))
        if any(tuple(words[i : i + len(w)]) == w for w in _LEVEL_WORDS) and not inseparable(i)
    ]
    for i in reversed(starts):
        if fits(i):
            return " ".join(words[:i]) + "\n" + " ".join(words[i:])
    # Otherwise two lines of balanced width; if even that fails the paragraph wraps on its own.
    candidates = [i for i in range(1, len(words)) if fits(i) and not inseparable(i)]
    if not candidates:
        return text

    def widest(i: int) -> float:
        return max(_text_width(" ".join(p), size, bold) for p in (words[:i], words[i:]))

    best = min(candidates, key=widest)
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


_DATE_GAP = 12.0  # least room between the number and a date line reaching into the left column


class _DateLine(Flowable):
    """One italic line centred in its column that, if wider, stays on one line by reaching leftwards."""

    # Long places ("Thành phố Hồ Chí Minh, ngày …") outgrow the right header column; the
    # number on the left is short, so the line borrows room from it instead of wrapping.

    def __init__(self, text: str, size: float, spare_left: float):
        super().__init__()
        self.text = _nfc(text)
        self.size = size
        self.spare_left = spare_left
        self.text_width = _text_width(self.text, size, italic=True)
        self._avail = 0.0

    def fits(self, width: float) -> bool:
        """Whether the line fits in `width` plus the room it may borrow on the left."""
        return self.text_width <= width + self.spare_left

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self._avail = availWidth
        return availWidth, self.size * 1.2

    def draw(self) -> None:
        x = (self._avail - self.text_width) / 2
        if x < 0:  # wider than the column: end at its right edge
            x = self._avail - self.text_width
        self.canv.saveState()
        self.canv.setFont(_FONT_ITALIC, self.size)
        # Same baseline as a one-line Paragraph of this size: one em below the top of the box.
        self.canv.drawString(x, self.size * 1.2 - self.size, self.text)
        self.canv.restoreState()


class _Rule(Flowable):
    """A solid horizontal rule of a given width, centred in the space it is given."""

    def __init__(self, width: float, thickness: float = 0.6, space_before: float = 4, space_after: float = 2):
        super().__init__()
        self.rule_width = width
        self.thickness = thickness
        self.space_before = space_before
        self.space_after = space_after
        self._avail = width

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self._avail = availWidth
        return availWidth, self.space_before + self.thickness + self.space_after

    def draw(self) -> None:
        width = min(self.rule_width, self._avail)
        x0 = (self._avail - width) / 2
        y = self.space_after + self.thickness / 2
        self.canv.saveState()
        self.canv.setLineWidth(self.thickness)
        self.canv.line(x0, y, x0 + width, y)
        self.canv.restoreState()


# ---------------------------------------------------------------- building blocks

# Layout tables (header, closing): no padding, and a font set on every cell because
# reportlab's Table selects each cell's font while drawing, Helvetica by default.
_NO_CELL_PADDING: tuple[tuple[Any, ...], ...] = (
    ("FONTNAME", (0, 0), (-1, -1), _FONT_REGULAR),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
)


class _Builder:
    """Turns a ReportDocument into platypus flowables for one text width."""

    def __init__(self, doc: ReportDocument, width: float):
        self.doc = doc
        self.s = doc.settings
        self.width = width
        s = self.s
        indent = s.first_line_indent_mm * mm
        self.body = _style(
            "body",
            s.body_size,
            align=TA_JUSTIFY,
            spacing=s.line_spacing,
            firstLineIndent=indent,
            spaceAfter=s.paragraph_space_pt,
            allowWidows=0,
            allowOrphans=0,
        )
        self.heading = _style(
            "heading",
            s.body_size,
            bold=True,
            align=TA_JUSTIFY,
            spacing=s.line_spacing,
            firstLineIndent=indent,
            spaceBefore=s.paragraph_space_pt,
            spaceAfter=s.paragraph_space_pt,
            keepWithNext=1,
        )

    # -- small helpers
    def p(self, text: str, style: ParagraphStyle) -> Paragraph:
        """A paragraph of plain text in a style."""
        return Paragraph(_markup(text), style)

    def centred(self, text: str, size: float, *, bold: bool = False, italic: bool = False) -> Paragraph:
        """A centred single-style paragraph (header lines)."""
        return self.p(text, _style(f"c{size}{bold}{italic}", size, bold=bold, italic=italic))

    # -- header
    def _number_text(self) -> str:
        """Return "Số 03-BC/ĐU" (party) or "Số: 12/BC-UBND" (state); blanks to fill by hand if no number."""
        number = _nfc(self.s.number).strip()
        if number.lower().startswith("số"):  # already written out in full
            return number
        label = "Số" if self.s.layout == "party" else "Số:"
        if not number:
            # A draft: leave room for the clerk to write the number in.
            return label + "\u00a0" * 12
        return f"{label} {number}"

    def _left_ratio(
        self, right_lines: Sequence[tuple[str, float, bool, bool]], number: str, dl: str
    ) -> float:
        """Left column share: the setting, or all the room the right column's lines leave."""
        if self.s.header_left_ratio is not None:
            return self.s.header_left_ratio
        need = max(_text_width(t, sz, b, i) for t, sz, b, i in right_lines) + 6
        left = self.width - need
        # The date line may reach left past its column up to the centred number (see _DateLine):
        # it fits while date <= width - left/2 - number/2 - gap.
        number_w = _text_width(number, self.s.size("number_size"))
        date_w = _text_width(dl, self.s.size("date_size"), italic=True)
        left = min(left, 2 * (self.width - number_w / 2 - _DATE_GAP - date_w))
        # Organ names are long ("ỦY BAN NHÂN DÂN XÃ …"): give the left what the right can spare,
        # between a third and a half of the width.
        return max(0.34, min(0.5, left / self.width))

    def header(self) -> list[Flowable]:
        """The two header columns: issuing organ, number | national name, date line."""
        s = self.s
        dl = self.doc.date_text or date_line(s.place, self.doc.issued_on)
        superior = _nfc(s.superior_name).strip().upper()
        organ = _nfc(s.organ_name).strip().upper()
        if s.layout == "party":
            nation_size = s.size("nation_size")
            right_top: list[Flowable] = [
                self.centred(PARTY_NATION, nation_size, bold=True),
                _Rule(_text_width(PARTY_NATION, nation_size, bold=True)),
            ]
            right_lines = [(PARTY_NATION, nation_size, True, False)]
        else:
            motto_size = s.size("motto_size")
            right_top = [
                self.centred(STATE_NATION, s.size("nation_size"), bold=True),
                self.centred(STATE_MOTTO, motto_size, bold=True),
                _Rule(_text_width(STATE_MOTTO, motto_size, bold=True)),
            ]
            right_lines = [
                (STATE_NATION, s.size("nation_size"), True, False),
                (STATE_MOTTO, motto_size, True, False),
            ]
        number = self._number_text()
        left_w = self.width * self._left_ratio(right_lines, number, dl)
        gutter = 10.0  # keep the left names visibly apart from the right column
        left_top: list[Flowable] = []
        if superior:
            text = _break_name(superior, s.size("superior_size"), False, left_w - gutter)
            left_top.append(self.centred(text, s.size("superior_size")))
        if organ:
            text = _break_name(organ, s.size("organ_size"), True, left_w - gutter)
            left_top.append(self.centred(text, s.size("organ_size"), bold=True))
        if s.layout == "party":
            # A single star under the organ (not a rule) in Party documents.
            left_top.append(self.centred("*", s.size("organ_size")))
        elif organ:
            lines = _break_name(organ, s.size("organ_size"), True, left_w - gutter).split("\n")
            longest = max(_text_width(x, s.size("organ_size"), bold=True) for x in lines)
            left_top.append(_Rule(min(longest, left_w) * s.organ_rule_ratio))
        left_bottom = [self.centred(number, s.size("number_size"))]
        # Room left of the date line: from the end of the centred number, less a gap.
        spare = (left_w - _text_width(number, s.size("number_size"))) / 2 - _DATE_GAP
        date_flow = _DateLine(dl, s.size("date_size"), max(spare, 0))
        right_bottom: list[Flowable] = [
            date_flow
            if date_flow.fits(self.width - left_w)
            else self.centred(dl, s.size("date_size"), italic=True)
        ]
        table = _RLTable(
            [[left_top, right_top], [left_bottom, right_bottom]],
            colWidths=[left_w, self.width - left_w],
            hAlign="CENTER",
        )
        table.setStyle(
            TableStyle(
                [
                    *_NO_CELL_PADDING,
                    ("VALIGN", (0, 0), (-1, 0), "TOP"),
                    # Number and date sit on one line: align the bottoms so differing sizes share a baseline.
                    ("VALIGN", (0, 1), (-1, 1), "BOTTOM"),
                    ("TOPPADDING", (0, 1), (-1, 1), 4),
                ]
            )
        )
        return [table]

    def title(self) -> list[Flowable]:
        """Document type ("BÁO CÁO"), the summary line and the short mark under it."""
        s = self.s
        out: list[Flowable] = [Spacer(1, 18)]
        doc_type = _nfc(self.doc.doc_type).strip().upper()
        if doc_type:
            out.append(self.centred(doc_type, s.size("doc_type_size"), bold=True))
        subtitle = _nfc(self.doc.subtitle).strip()
        if subtitle:
            out.append(self.centred(subtitle, s.size("subtitle_size"), bold=True))
        if s.title_rule and (doc_type or subtitle):
            if s.layout == "party":
                # Party documents mark the end of the title with five hyphens.
                out.append(self.centred("-----", s.size("subtitle_size")))
            else:
                ref = subtitle or doc_type
                line_w = min(_text_width(ref, s.size("subtitle_size"), bold=True), self.width)
                out.append(_Rule(max(line_w / 3, 40), space_before=3))
        out.append(Spacer(1, 12))
        return out

    # -- body
    def para(self, block: Para) -> Paragraph:
        """A body paragraph with its own emphasis and alignment."""
        if block.align not in _ALIGNS:
            raise ValueError(f"align must be one of {sorted(_ALIGNS)}, not {block.align!r}")
        style = ParagraphStyle(
            f"body-{block.bold}{block.italic}{block.indent}{block.align}",
            parent=self.body,
            fontName=_face(block.bold, block.italic),
            alignment=_ALIGNS[block.align],
            firstLineIndent=self.body.firstLineIndent if block.indent else 0,
        )
        return self.p(block.text, style)

    def table(self, block: Table) -> list[Flowable]:
        """A grid table of wrapped Paragraph cells whose header row repeats on every page."""
        s = self.s
        ncols = len(block.headers)
        if ncols == 0:
            raise ValueError("a table needs at least one column")
        for i, row in enumerate(block.rows):
            if len(row) != ncols:
                raise ValueError(f"table row {i} has {len(row)} cells, expected {ncols}")
        rel = block.col_widths or (1.0,) * ncols
        if len(rel) != ncols or any(w <= 0 for w in rel):
            raise ValueError("col_widths must give one positive width per column")
        total = float(sum(rel))
        widths = [self.width * w / total for w in rel]
        numeric = set(block.numeric_cols)
        size = s.table_size
        head = _style("th", size, bold=True, align=TA_CENTER, spacing=1.15)
        cell = _style("td", size, align=TA_LEFT, spacing=1.15)
        cell_num = _style("tdn", size, align=TA_RIGHT, spacing=1.15)
        cell_b = _style("tdb", size, bold=True, align=TA_LEFT, spacing=1.15)
        cell_num_b = _style("tdnb", size, bold=True, align=TA_RIGHT, spacing=1.15)
        data: list[list[Paragraph]] = [[self.p(h, head) for h in block.headers]]
        last = len(block.rows) - 1
        for r, row in enumerate(block.rows):
            bold = block.total_row and r == last
            styles = (cell_num_b, cell_b) if bold else (cell_num, cell)
            data.append([self.p(str(v), styles[0] if c in numeric else styles[1]) for c, v in enumerate(row)])
        pad = s.table_padding_pt
        # LongTable: reportlab's faster splitting for tables that run over many pages.
        table = LongTable(data, colWidths=widths, repeatRows=1, hAlign="CENTER")
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                    ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
                    ("VALIGN", (0, 1), (-1, -1), "TOP"),
                    # Table sets each cell's font even for Paragraph cells; its default is Helvetica.
                    ("FONTNAME", (0, 0), (-1, -1), _FONT_REGULAR),
                    ("LEFTPADDING", (0, 0), (-1, -1), pad),
                    ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                    ("TOPPADDING", (0, 0), (-1, -1), pad),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
                ]
            )
        )
        out: list[Flowable] = []
        if block.title.strip():
            title = self.p(
                block.title,
                _style(
                    "table-title",
                    s.body_size,
                    bold=True,
                    spacing=s.line_spacing,
                    spaceBefore=s.paragraph_space_pt,
                    spaceAfter=4,
                ),
            )
            # Room for the title, a two-line header and two rows, else a new page. keepWithNext would
            # wrap the whole table in a KeepTogether and push any table longer than the rest of the page
            # to a fresh one.
            row_h = 2 * size * 1.15 + 2 * pad
            title_h = title.wrap(self.width, 10**6)[1] + s.paragraph_space_pt + 4
            out.append(CondPageBreak(title_h + 3 * row_h))
            out.append(title)
        out.append(table)
        out.append(Spacer(1, s.paragraph_space_pt))
        return out

    def body_flowables(self) -> list[Flowable]:
        """All body blocks in order."""
        return self.flowables(self.doc.blocks)

    def flowables(self, blocks: Sequence[Block]) -> list[Flowable]:
        """Blocks as flowables."""
        out: list[Flowable] = []
        for block in blocks:
            if isinstance(block, Para):
                out.append(self.para(block))
            elif isinstance(block, Heading):
                out.append(self.p(block.text, self.heading))
            elif isinstance(block, Table):
                out.extend(self.table(block))
            else:
                raise TypeError(f"unknown report block: {type(block).__name__}")
        return out

    # -- closing
    def closing(self) -> Flowable:
        """Place "Nơi nhận" on the left and the signature block on the right, side by side."""
        s = self.s
        label_size = s.size("recipients_label_size")
        if s.layout == "party":
            label = Paragraph("<u>Nơi nhận:</u>", _style("rl", label_size, align=TA_LEFT))
        else:
            label = Paragraph("Nơi nhận:", _style("rl", label_size, bold=True, italic=True, align=TA_LEFT))
        item = _style("ri", s.size("recipients_size"), align=TA_LEFT, spacing=1.15)
        left: list[Flowable] = [label]
        for r in s.recipients:
            text = _nfc(r).strip()
            if not text:
                continue
            if not text.startswith("-"):
                text = "- " + text
            left.append(self.p(text, item))
        sign_size = s.size("signer_size")
        right: list[Flowable] = []
        for line in _nfc(s.signer_prefix).upper().splitlines() + _nfc(s.signer_title).upper().splitlines():
            if line.strip():
                right.append(self.centred(line.strip(), sign_size, bold=True))
        right.append(Spacer(1, s.signature_space_mm * mm))
        if s.signer_name.strip():
            right.append(self.centred(s.signer_name.strip(), sign_size, bold=True))
        table = _RLTable([[left, right]], colWidths=[self.width * 0.5, self.width * 0.5], hAlign="CENTER")
        table.setStyle(TableStyle([*_NO_CELL_PADDING, ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return table

    def story(self) -> list[Flowable]:
        """The whole document as flowables."""
        body = self.body_flowables()
        closing: list[Flowable] = [Spacer(1, 12), self.closing()]
        # Never leave the signature alone on a page: take the last paragraph along with it.
        if body and isinstance(body[-1], Paragraph):
            closing = [body.pop(), *closing]
        story = [*self.header(), *self.title(), *body, KeepTogether(closing)]
        if self.doc.appendix:
            story.append(PageBreak())
            story += self.flowables(self.doc.appendix)
        return story


# ---------------------------------------------------------------- rendering

_NO_PADDING = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}


def render_pdf(doc: ReportDocument, out: Path | BinaryIO) -> int:
    """Render the report as an A4 PDF to a path or a binary file object; return the page count."""
    register_fonts()
    s = doc.settings
    page_w, page_h = A4
    left, right = s.margin_left_mm * mm, s.margin_right_mm * mm
    top, bottom = s.margin_top_mm * mm, s.margin_bottom_mm * mm
    frame_w = page_w - left - right
    pages = 0

    def on_page(canvas: Any, _doc: Any) -> None:
        nonlocal pages
        pages += 1
        if pages == 1:
            return  # no page number on the first page
        size = s.size("page_number_size")
        canvas.saveState()
        canvas.setFont(_FONT_REGULAR, size)
        # Centred over the text width, in the middle of the top margin.
        canvas.drawCentredString(left + frame_w / 2, page_h - top / 2 - size / 3, str(pages))
        canvas.restoreState()

    title = " ".join(x for x in (_nfc(doc.doc_type).strip(), _nfc(doc.subtitle).strip()) if x)
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=title,
        author=_nfc(s.organ_name).strip(),
        creator="Dân vận Desktop",
        lang="vi",
        # The canvas starts every page with a font selected; the default would put Helvetica in the file.
        initialFontName=_FONT_REGULAR,
        initialFontSize=s.body_size,
        initialLeading=s.body_size * s.line_spacing,
    )
    # Zero frame padding so the margins are exactly the settings.
    frame = Frame(left, bottom, frame_w, page_h - top - bottom, id="body", **_NO_PADDING)
    template.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    template.build(_Builder(doc, frame_w).story())
    data = buffer.getvalue()
    if isinstance(out, (str, Path)):
        # Render fully first, then write: a failed render never leaves a half-written file.
        Path(out).write_bytes(data)
    else:
        out.write(data)
    return pages


def with_layout(settings: LayoutSettings, layout: str) -> LayoutSettings:
    """Return settings switched to another layout, its sizes reset to that layout's defaults."""
    # dataclasses.replace would carry over sizes already resolved for the old layout.
    reset: dict[str, Any] = {name: None for name in _LAYOUT_DEFAULTS.get(layout, {})}
    return dataclasses.replace(settings, layout=layout, **reset)
