"""The composed report as a document (SPEC §5.1): header fields, sections, Phụ lục tables, stale figures.

Plain data and pure rules only: services store it, exchange/ writes it as .docx and PDF, ui/ edits it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from danvan_desktop.domain.vnformat import fmt_int

# ---------------------------------------------------------------- header fields

# The fields of SPEC §8 `report --set FIELD=VALUE`, with the label the window and messages use.
FIELD_LABELS: dict[str, str] = {
    "number": "Số văn bản",
    "place": "Địa danh",
    "date": "Ngày ban hành",
    "title": "Trích yếu (dòng dưới chữ BÁO CÁO)",
    "cutoff": "Số liệu tính đến ngày",
    "signer_prefix": "Quyền hạn ký (T/M, K/T…)",
    "signer_title": "Chức vụ người ký",
    "signer_name": "Họ tên người ký",
    "recipients": "Nơi nhận (mỗi dòng một nơi)",
}
FIELD_KEYS: tuple[str, ...] = tuple(FIELD_LABELS)
_DATE_FIELDS = frozenset({"date", "cutoff"})
_MAX_FIELD = 2000
MAX_SECTION_TEXT = 200_000  # a whole seed report is ~63.000 characters


class ReportInputError(ValueError):
    """Bad input for a report: the Vietnamese message names what is wrong and where."""


def unknown_field_message(name: str) -> str:
    """The refusal for a field that does not exist, listing the valid ones."""
    return f"Không có trường “{name}” trong báo cáo. Các trường hợp lệ: {', '.join(FIELD_KEYS)}."


def unknown_section_message(key: str, valid: Sequence[str]) -> str:
    """The refusal for a section key that does not exist, listing the valid ones."""
    return f"Không có mục “{key}” trong báo cáo. Các mục hợp lệ: {', '.join(valid)}."


def _parse_day(name: str, text: str) -> date | None:
    """A header date as typed: YYYY-MM-DD or dd/mm/yyyy; empty = blank day."""
    text = text.strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        pass
    raise ReportInputError(f"{FIELD_LABELS[name]}: “{text}” không phải là ngày (viết YYYY-MM-DD hoặc dd/mm/yyyy).")


def check_field(name: str, value: Any) -> Any:
    """One header field checked and normalised to its stored form (dates as ISO text, recipients a list)."""
    if name not in FIELD_LABELS:
        raise ReportInputError(unknown_field_message(name))
    if name == "recipients":
        lines = value.splitlines() if isinstance(value, str) else list(value or ())
        if not all(isinstance(x, str) for x in lines):
            raise ReportInputError("Nơi nhận phải là chữ, mỗi dòng một nơi nhận.")
        out = [x.strip().lstrip("-").strip() for x in lines if x.strip().lstrip("-").strip()]
        if sum(len(x) for x in out) > _MAX_FIELD:
            raise ReportInputError(f"{FIELD_LABELS[name]} dài quá {fmt_int(_MAX_FIELD)} ký tự.")
        return out
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ReportInputError(f"{FIELD_LABELS[name]} phải là chữ.")
    if name in _DATE_FIELDS:
        d = _parse_day(name, value)
        return d.isoformat() if d else ""
    if len(value) > _MAX_FIELD:
        raise ReportInputError(f"{FIELD_LABELS[name]} dài quá {fmt_int(_MAX_FIELD)} ký tự.")
    return value.strip()


@dataclass(frozen=True)
class HeaderFields:
    """What the clerk sets in the header and closing of one report."""

    number: str = ""
    place: str = ""
    date: dt.date | None = None  # None: "ngày … tháng … năm …", filled in at signing
    title: str = ""
    cutoff: dt.date | None = None  # the as-of date of the figures (SPEC §4); None = period end or today
    signer_prefix: str = ""
    signer_title: str = ""
    signer_name: str = ""
    recipients: tuple[str, ...] = ()

    @classmethod
    def from_stored(cls, values: Mapping[str, Any]) -> HeaderFields:
        """Build from the stored JSON form (dates as ISO text)."""
        def day(key: str) -> dt.date | None:
            text = values.get(key) or ""
            return date.fromisoformat(text) if text else None
        return cls(number=str(values.get("number", "")), place=str(values.get("place", "")), date=day("date"),
                   title=str(values.get("title", "")), cutoff=day("cutoff"),
                   signer_prefix=str(values.get("signer_prefix", "")),
                   signer_title=str(values.get("signer_title", "")),
                   signer_name=str(values.get("signer_name", "")),
                   recipients=tuple(str(r) for r in values.get("recipients", ())))

    def stored(self) -> dict[str, Any]:
        """The JSON form (dates as ISO text, "" for a blank day)."""
        return {"number": self.number, "place": self.place, "date": self.date.isoformat() if self.date else "",
                "title": self.title, "cutoff": self.cutoff.isoformat() if self.cutoff else "",
                "signer_prefix": self.signer_prefix, "signer_title": self.signer_title,
                "signer_name": self.signer_name, "recipients": list(self.recipients)}


# ---------------------------------------------------------------- structure


@dataclass(frozen=True)
class SectionDef:
    """One heading of the report: its key, heading template, depth and whether text goes under it.

    Headings may hold "{ky}" (this period, "năm 2022") and "{ky_sau}" (the next, "năm 2023").
    level 0 = a part ("Phần thứ nhất"), 1 = I., II., 2 = 1., 2.
    """

    key: str
    heading: str
    level: int = 1
    writable: bool = True
    actor: str = ""  # the actor of SPEC §4 whose figures the generated paragraphs state


_FULL: tuple[SectionDef, ...] = (
    SectionDef("phan_thu_nhat", "Phần thứ nhất\nKẾT QUẢ CÔNG TÁC DÂN VẬN {KY}", 0, False),
    SectionDef("tinh_hinh", "I. ĐẶC ĐIỂM TÌNH HÌNH", 1, False),
    SectionDef("thuan_loi", "1. Thuận lợi", 2),
    SectionDef("kho_khan", "2. Khó khăn", 2),
    SectionDef("he_thong_chinh_tri", "II. KẾT QUẢ CÔNG TÁC DÂN VẬN CỦA HỆ THỐNG CHÍNH TRỊ", 1, actor="tong_quat"),
    SectionDef("cap_uy", "1. Công tác dân vận của cấp ủy", 2, actor="cap_uy"),
    SectionDef("chinh_quyen", "2. Công tác dân vận của chính quyền", 2, actor="chinh_quyen"),
    SectionDef("mttq_doan_the", "3. Công tác dân vận của Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội", 2,
               actor="mttq_doan_the"),
    SectionDef("luc_luong_vu_trang", "4. Công tác dân vận của lực lượng vũ trang", 2, actor="luc_luong_vu_trang"),
    SectionDef("dan_toc", "5. Công tác dân tộc", 2, actor="dan_toc"),
    SectionDef("ton_giao", "6. Công tác tôn giáo", 2, actor="ton_giao"),
    SectionDef("dan_van_kheo", "III. PHONG TRÀO THI ĐUA “DÂN VẬN KHÉO”", 1, actor="dan_van_kheo"),
    SectionDef("ban_dan_van", "IV. KẾT QUẢ HOẠT ĐỘNG CỦA BAN DÂN VẬN", 1, actor="ban_dan_van"),
    SectionDef("xay_dung_nganh", "V. XÂY DỰNG NGÀNH", 1),
    SectionDef("danh_gia", "VI. ĐÁNH GIÁ CHUNG", 1, False),
    SectionDef("uu_diem", "1. Ưu điểm", 2),
    SectionDef("han_che", "2. Hạn chế", 2),
    SectionDef("nguyen_nhan", "3. Nguyên nhân", 2),
    SectionDef("nhiem_vu", "Phần thứ hai\nPHƯƠNG HƯỚNG, NHIỆM VỤ {KY_SAU}", 0),
)

_SHORT: tuple[SectionDef, ...] = (
    SectionDef("ket_qua", "I. KẾT QUẢ CÔNG TÁC DÂN VẬN {KY}", 1, actor="tong_quat"),
    SectionDef("cap_uy", "1. Công tác dân vận của cấp ủy", 2, actor="cap_uy"),
    SectionDef("chinh_quyen", "2. Công tác dân vận của chính quyền", 2, actor="chinh_quyen"),
    SectionDef("mttq_doan_the", "3. Công tác dân vận của Mặt trận Tổ quốc và các đoàn thể", 2,
               actor="mttq_doan_the"),
    SectionDef("luc_luong_vu_trang", "4. Công tác dân vận của lực lượng vũ trang", 2, actor="luc_luong_vu_trang"),
    SectionDef("ton_giao", "5. Công tác dân tộc, tôn giáo", 2, actor="ton_giao"),
    SectionDef("dan_van_kheo", "6. Phong trào thi đua “Dân vận khéo”", 2, actor="dan_van_kheo"),
    SectionDef("ton_tai", "II. TỒN TẠI, HẠN CHẾ", 1),
    SectionDef("nhiem_vu", "III. NHIỆM VỤ {KY_SAU}", 1),
)


# Sections that speak of religious affairs: only accounts with the religion right see or write them (SPEC §7).
RELIGION_SECTIONS = frozenset({"ton_giao"})


def structure_form(period_kind: str) -> str:
    """Which form a period's report takes: "full" (year, half-year, nine months) or "short" (month, quarter)."""
    return "full" if period_kind in ("year", "half", "nine_months") else "short"


def default_structure(period_kind: str) -> tuple[SectionDef, ...]:
    """The sections of a real report of this kind of period (an office may store its own)."""
    return _FULL if structure_form(period_kind) == "full" else _SHORT


def structure_from_data(items: Sequence[Mapping[str, Any]]) -> tuple[SectionDef, ...]:
    """An office's own structure from stored data; ReportInputError naming the bad item if it is wrong."""
    out: list[SectionDef] = []
    seen: set[str] = set()
    for i, item in enumerate(items, 1):
        key, heading = str(item.get("key", "")).strip(), str(item.get("heading", "")).strip()
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", key) or not heading:
            raise ReportInputError(f"Cấu trúc báo cáo, mục thứ {i}: cần khóa (chữ thường không dấu) và đề mục.")
        if key in seen:
            raise ReportInputError(f"Cấu trúc báo cáo: khóa “{key}” lặp lại.")
        seen.add(key)
        out.append(SectionDef(key, heading, int(item.get("level", 1)), bool(item.get("writable", True)),
                              str(item.get("actor", ""))))
    return tuple(out)


def heading_text(template: str, period_label: str, next_label: str) -> str:
    """Fill a heading template: {ky}/{KY} -> "năm 2022"/"NĂM 2022", {ky_sau}/{KY_SAU} the next period."""
    return (template.replace("{ky}", period_label).replace("{KY}", period_label.upper())
            .replace("{ky_sau}", next_label).replace("{KY_SAU}", next_label.upper()))


# ---------------------------------------------------------------- text with footnotes

_NOTE = re.compile(r"\[\[(.+?)\]\]", re.S)


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph; a footnote's text is put at the foot of the page, its mark in the text."""

    text: str
    footnote: bool = False


def paragraphs(text: str) -> list[list[Run]]:
    """Split a section's text into paragraphs (one per line) of runs; "[[…]]" is a footnote."""
    out: list[list[Run]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        runs: list[Run] = []
        pos = 0
        for m in _NOTE.finditer(line):
            if m.start() > pos:
                runs.append(Run(line[pos:m.start()]))
            runs.append(Run(m.group(1).strip(), footnote=True))
            pos = m.end()
        if pos < len(line):
            runs.append(Run(line[pos:]))
        out.append(runs)
    return out


def plain_text(text: str) -> str:
    """The words of a section's text as read, footnotes after their paragraph in brackets."""
    return "\n".join("".join(r.text if not r.footnote else "" for r in p).strip() for p in paragraphs(text))


# ---------------------------------------------------------------- stale figures


@dataclass(frozen=True)
class Stale:
    """A figure stated in a section that no longer matches the records."""

    key: str
    label: str
    stated: int
    now: int

    def as_json(self) -> dict[str, Any]:
        """The form `report --json` prints."""
        return {"key": self.key, "label": self.label, "stated": self.stated, "now": self.now}

    def describe(self) -> str:
        """A sentence for the window: "Hội nghị: 12 trong văn bản, nay 14"."""
        return f"{self.label}: {fmt_int(self.stated)} trong văn bản, nay là {fmt_int(self.now)}"


def stale_figures(stated: Mapping[str, int], now: Mapping[str, int], labels: Mapping[str, str]) -> tuple[Stale, ...]:
    """The stated figures whose value differs now (a key no longer computed counts as 0)."""
    return tuple(Stale(k, labels.get(k, k), int(v), int(now.get(k, 0)))
                 for k, v in stated.items() if int(now.get(k, 0)) != int(v))


# ---------------------------------------------------------------- the document


@dataclass(frozen=True)
class Section:
    """One section of a composed report: the generated text (maybe edited) and the office's own text."""

    key: str
    heading: str  # filled in ("Phần thứ nhất\nKẾT QUẢ … NĂM 2022")
    level: int
    writable: bool
    generated: str = ""
    edited: bool = False  # the clerk changed the generated text: regeneration leaves it alone
    own: str = ""
    figures: Mapping[str, int] = field(default_factory=dict)  # what the generated text stated
    stale: tuple[Stale, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The form `report --json` prints (SPEC §8)."""
        return {"key": self.key, "heading": self.heading, "level": self.level, "writable": self.writable,
                "generated": self.generated, "edited": self.edited, "own": self.own,
                "stale": [s.as_json() for s in self.stale]}


@dataclass(frozen=True)
class AppendixTable:
    """A Phụ lục table: header row repeated on each page, numbers right-aligned, the last row maybe a total."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric_cols: tuple[int, ...] = ()
    total_row: bool = False
    widths: tuple[float, ...] = ()  # relative column widths

    def as_json(self) -> dict[str, Any]:
        """Plain data for storing an issued copy."""
        return {"title": self.title, "headers": list(self.headers), "rows": [list(r) for r in self.rows],
                "numeric_cols": list(self.numeric_cols), "total_row": self.total_row, "widths": list(self.widths)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AppendixTable:
        """Back from plain data."""
        return cls(d["title"], tuple(d["headers"]), tuple(tuple(r) for r in d["rows"]), tuple(d["numeric_cols"]),
                   bool(d["total_row"]), tuple(d.get("widths", ())))


@dataclass(frozen=True)
class ComposedReport:
    """A whole report of a unit for a period: what the .docx and the PDF are both written from."""

    unit_code: str
    unit_name: str
    period: str  # code, e.g. "2022"
    period_label: str  # "năm 2022"
    layout: Mapping[str, Any]  # the office's layout settings (organisations, sizes, margins) as plain values
    fields: HeaderFields
    sections: tuple[Section, ...]
    appendices: tuple[AppendixTable, ...] = ()
    as_of: date | None = None
    issue_no: int = 0  # 0 = a draft; 1, 2… the issue it was fixed as
    revision: int = 0

    def section(self, key: str) -> Section:
        """One section by key (KeyError if absent)."""
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def as_json(self) -> dict[str, Any]:
        """The object `report --json` prints: unit, period, fields, sections (SPEC §8)."""
        return {"unit": self.unit_code, "period": self.period, "fields": self.fields.stored(),
                "sections": [s.as_json() for s in self.sections],
                "as_of": self.as_of.isoformat() if self.as_of else None, "issue": self.issue_no or None}

    def frozen_json(self) -> dict[str, Any]:
        """Everything needed to write the issued copy again, word for word."""
        return {"unit": self.unit_code, "unit_name": self.unit_name, "period": self.period,
                "period_label": self.period_label, "layout": dict(self.layout), "fields": self.fields.stored(),
                "sections": [{"key": s.key, "heading": s.heading, "level": s.level, "writable": s.writable,
                              "generated": s.generated, "edited": s.edited, "own": s.own,
                              "figures": dict(s.figures)} for s in self.sections],
                "appendices": [a.as_json() for a in self.appendices],
                "as_of": self.as_of.isoformat() if self.as_of else None, "issue_no": self.issue_no}

    @classmethod
    def from_frozen(cls, d: Mapping[str, Any]) -> ComposedReport:
        """An issued copy back from its stored form."""
        return cls(d["unit"], d["unit_name"], d["period"], d["period_label"], dict(d["layout"]),
                   HeaderFields.from_stored(d["fields"]),
                   tuple(Section(s["key"], s["heading"], s["level"], s["writable"], s["generated"], s["edited"],
                                 s["own"], dict(s["figures"])) for s in d["sections"]),
                   tuple(AppendixTable.from_json(a) for a in d["appendices"]),
                   date.fromisoformat(d["as_of"]) if d.get("as_of") else None, int(d.get("issue_no", 0)))
