"""The official report (Báo cáo) and monthly summary: header settings, Vietnamese sentences, tables, PDF."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth

from danvan_desktop.domain import vocab as V
from danvan_desktop.domain.indicators import GROUPS, INDICATORS, SENSITIVE_KEYS
from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.vnformat import fmt_date, fmt_int, fmt_percent
from danvan_desktop.exchange.pdf_report import (
    FONT_FAMILY,
    Block,
    Heading,
    LayoutSettings,
    Para,
    ReportDocument,
    Table,
    register_fonts,
    render_pdf,
)
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.backup import check_output
from danvan_desktop.services.changes import Changes
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.settings import read_setting, save_settings
from danvan_desktop.services.summary import Figures, Summary, children_figures, summarize
from danvan_desktop.services.units import UnitInfo, home, unit_by_code
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import Unit

__all__ = [
    "REPORT_SETTING_KEY",
    "build_report",
    "default_report_settings",
    "export_report",
    "report_pdf_bytes",
    "report_settings",
    "save_report_settings",
]

REPORT_SETTING_KEY = "report"

# ---------------------------------------------------------------- settings

_LAYOUT_FIELDS = {f.name: f for f in dataclasses.fields(LayoutSettings)}
_TEXT_KEYS = frozenset({"superior_name", "organ_name", "number", "place", "signer_prefix", "signer_title",
                        "signer_name"})
_BOOL_KEYS = frozenset({"title_rule"})
# Every other key but layout and recipients is a size, margin or ratio (a number; None = the layout's default).
_RATIO_KEYS = frozenset({"organ_rule_ratio", "header_left_ratio"})

# Level words that start official unit names ("Thị trấn" before "Thị xã" is harmless: both need the space).
_LEVEL_PREFIXES = ("Thành phố", "Thị trấn", "Thị xã", "Đặc khu", "Tổ dân phố", "Khu phố", "Tỉnh", "Huyện",
                   "Quận", "Xã", "Phường", "Thôn", "Bản", "Ấp", "Làng", "Buôn", "Sóc", "Khối")


def _split_level(name: str) -> tuple[str, str]:
    """Split "Xã Bản Bo" into ("Xã", "Bản Bo"); ("", name) when no level word leads."""
    for prefix in _LEVEL_PREFIXES:
        if name.lower().startswith(prefix.lower() + " "):
            return name[: len(prefix)], name[len(prefix) + 1:].strip()
    return "", name


def prose_name(name: str) -> str:
    """A unit's name as written inside a sentence: "Xã Bản Bo" -> "xã Bản Bo"."""
    prefix, rest = _split_level(name)
    return f"{prefix.lower()} {rest}" if prefix else name


def _committee(name: str, level: str) -> str:
    """The Party committee of a province or district: "Tỉnh Lai Châu" -> "Tỉnh ủy Lai Châu"."""
    prefix, rest = _split_level(name)
    word = {"thành phố": "Thành ủy", "quận": "Quận ủy", "thị xã": "Thị ủy", "huyện": "Huyện ủy",
            "tỉnh": "Tỉnh ủy"}.get(prefix.lower())
    if word is None:
        word = "Tỉnh ủy" if level == "tinh" else "Huyện ủy"
    return f"{word} {rest}"


def _committee_word(name: str, level: str) -> str:
    """Just the committee word of a province or district ("Tỉnh ủy", "Thành ủy", "Huyện ủy"…)."""
    return _committee(name, level).split(" ")[0] + " ủy"


def _defaults(unit: Unit, parent: Unit | None, layout: str) -> dict[str, Any]:
    """Header texts, signer and recipients an office of this level would normally use."""
    name, level = unit.name, unit.level
    place = _split_level(name)[1]
    up = parent.name if parent else ""
    out: dict[str, Any] = {"layout": layout, "place": place, "signer_name": ""}
    if layout == "state":
        # Nghị định 30/2020: a People's Committee names itself without a superior authority.
        if level == "thon":
            organ, superior = name, f"UBND {up}" if up else ""
        else:
            # Two lines as in the decree's samples ("ỦY BAN NHÂN DÂN / XÃ BẢN BO").
            organ, superior = f"Ủy ban nhân dân\n{name}", ""
        out |= {"superior_name": superior, "organ_name": organ, "number": "/BC-UBND",
                "signer_prefix": "TM. ỦY BAN NHÂN DÂN", "signer_title": "CHỦ TỊCH"}
        above = (f"Ban Tuyên giáo và Dân vận {_committee_word(up, parent.level)}"
                 if parent is not None and parent.level == "tinh" else
                 f"Ban Dân vận {_committee_word(up, parent.level)}" if parent is not None else "")
        out["recipients"] = tuple(x for x in (above, "Lưu: VT") if x)
        return out
    if level == "tw":
        # The central office: since 2025 the Central Committee's "Ban Tuyên giáo và Dân vận Trung ương".
        out |= {"superior_name": "Ban Chấp hành Trung ương", "organ_name": "Ban Tuyên giáo và Dân vận",
                "place": "Hà Nội", "number": "-BC/BTGDVTW", "signer_prefix": "", "signer_title": "TRƯỞNG BAN",
                "recipients": ("Bộ Chính trị, Ban Bí thư", "Lưu Văn phòng")}
    elif level == "tinh":
        # Since 2025 the province's mass-mobilisation office is the Committee's "Ban Tuyên giáo và Dân vận".
        out |= {"superior_name": _committee(name, level), "organ_name": "Ban Tuyên giáo và Dân vận",
                "number": "-BC/BTGDVTU", "signer_prefix": "", "signer_title": "TRƯỞNG BAN",
                "recipients": ("Ban Tuyên giáo và Dân vận Trung ương", f"Thường trực {_committee_word(name, level)}",
                               "Lưu Văn phòng")}
    elif level == "huyen":
        out |= {"superior_name": _committee(name, level), "organ_name": "Ban Dân vận", "number": "-BC/BDV",
                "signer_prefix": "", "signer_title": "TRƯỞNG BAN",
                "recipients": tuple(x for x in (
                    f"Ban Dân vận {_committee_word(up, parent.level)}" if parent else "",
                    f"Thường trực {_committee_word(name, level)}", "Lưu Văn phòng") if x)}
    elif level == "thon":
        out |= {"superior_name": f"Đảng bộ {up}" if up else "", "organ_name": f"Chi bộ {name}", "number": "-BC/CB",
                "signer_prefix": "T/M CHI BỘ", "signer_title": "BÍ THƯ",
                "recipients": tuple(x for x in (f"Đảng ủy {prose_name(up)}" if up else "", "Lưu Chi bộ") if x)}
    else:  # xa: the commune's Party committee reports to the level above
        if parent is None:
            above = ""
        elif parent.level == "tinh":
            above = f"Ban Tuyên giáo và Dân vận {_committee_word(up, parent.level)}"
        else:
            above = f"Ban Dân vận {_committee_word(up, parent.level)}"
        out |= {"superior_name": f"Đảng bộ {up}" if up else "", "organ_name": f"Đảng ủy {name}",
                "number": "-BC/ĐU", "signer_prefix": "T/M ĐẢNG ỦY", "signer_title": "BÍ THƯ",
                "recipients": tuple(x for x in (above, "Lưu Văn phòng") if x)}
    return out


def _home_defaults(db: Database, layout: str) -> dict[str, Any]:
    """Defaults for the office's home unit."""
    with db.reader() as s:
        u = home(s)
        parent = s.get(Unit, u.parent_id) if u.parent_id else None
        return _defaults(u, parent, layout)


def _stored(db: Database) -> dict[str, Any]:
    """The saved report settings (only what an admin chose; the rest follows the defaults)."""
    value = read_setting(db, REPORT_SETTING_KEY, {})
    return dict(value) if isinstance(value, dict) else {}


def _make(values: Mapping[str, Any]) -> LayoutSettings:
    """Build LayoutSettings from plain values (recipients list -> tuple, unknown keys ignored)."""
    kwargs = {k: v for k, v in values.items() if k in _LAYOUT_FIELDS}
    if "recipients" in kwargs:
        kwargs["recipients"] = tuple(str(r) for r in kwargs["recipients"])
    return LayoutSettings(**kwargs)


def default_report_settings(db: Database, layout: str = "party") -> LayoutSettings:
    """The settings a report uses when an admin has chosen nothing, for the home unit and a layout."""
    if layout not in ("party", "state"):
        raise Refused(f"Mẫu trình bày “{layout}” không hợp lệ (chọn: party, state).")
    return _make(_home_defaults(db, layout))


def report_settings(db: Database) -> LayoutSettings:
    """The report header, signer, recipients and sizes: saved choices over defaults from the home unit."""
    stored = _stored(db)
    layout = "state" if stored.get("layout") == "state" else "party"
    values = _home_defaults(db, layout)
    for key, value in stored.items():
        try:
            checked = _check_value(key, value)
        except Refused:
            continue  # a damaged or hand-edited entry must not stop the clerk printing: keep its default
        if checked is not None:
            values[key] = checked
    return _make(values)


def _check_value(key: str, value: Any) -> Any:
    """One report setting checked and normalised; Refused with a Vietnamese message if wrong."""
    if key not in _LAYOUT_FIELDS:
        raise Refused(f"Cài đặt báo cáo không có mục “{key}”.")
    if value is None:
        return None  # back to the default
    if key == "layout":
        if value not in ("party", "state"):
            raise Refused("Mẫu trình bày phải là “party” (Đảng) hoặc “state” (Nhà nước).")
        return value
    if key in _TEXT_KEYS:
        if not isinstance(value, str):
            raise Refused(f"Mục “{key}” của cài đặt báo cáo phải là chữ.")
        return value.strip()
    if key == "recipients":
        if isinstance(value, str):
            value = value.splitlines()  # one recipient per line, as typed in a text box
        if not isinstance(value, (list, tuple)) or not all(isinstance(r, str) for r in value):
            raise Refused("Nơi nhận phải là danh sách, mỗi dòng một nơi nhận.")
        return [r.strip() for r in value if r.strip()]
    if key in _BOOL_KEYS:
        if not isinstance(value, bool):
            raise Refused(f"Mục “{key}” của cài đặt báo cáo phải là có/không.")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Refused(f"Mục “{key}” của cài đặt báo cáo phải là số.")
    number = float(value)
    if key in _RATIO_KEYS:
        if not 0.1 <= number <= 0.9:
            raise Refused(f"Mục “{key}” của cài đặt báo cáo phải từ 0,1 đến 0,9.")
    elif key.startswith("margin_"):
        if not 0 <= number <= 80:
            raise Refused(f"Lề “{key}” phải từ 0 đến 80 mm.")
    elif key == "line_spacing":
        if not 0.8 <= number <= 3:
            raise Refused("Giãn dòng phải từ 0,8 đến 3.")
    elif not 0 <= number <= 100:
        raise Refused(f"Mục “{key}” của cài đặt báo cáo phải từ 0 đến 100.")
    if key.endswith("_size") and number < 6:
        raise Refused(f"Cỡ chữ “{key}” phải từ 6 trở lên.")
    return number


def save_report_settings(db: Database, actor: Actor,
                         settings: Mapping[str, Any]) -> tuple[LayoutSettings, Changes]:
    """An admin changes report settings (merged over the saved ones; None = back to default).

    Returns the settings now in force and what changed (the setting, and so the composed reports' header).
    """
    actor.require(Action.ADMIN)
    changes = {k: _check_value(k, v) for k, v in settings.items()}
    merged = _stored(db)
    for k, v in changes.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    # Building the settings once more catches combinations the single checks cannot see.
    layout = merged.get("layout", "party")
    try:
        result = _make(_home_defaults(db, layout) | merged)
    except (TypeError, ValueError) as e:
        raise Refused(f"Cài đặt báo cáo không hợp lệ: {e}") from e
    changed = save_settings(db, actor, {REPORT_SETTING_KEY: merged})
    return result, changed | Changes(reports=True, audit=False)


# ---------------------------------------------------------------- sentences


NO_COMPARISON = "chưa có số liệu cùng kỳ để so sánh"


@dataclass(frozen=True)
class _Compare:
    """How the same period one year earlier is named in sentences: "năm 2025" or "cùng kỳ năm 2025"."""

    name: str
    comparable: bool = True  # False: the earlier span holds no data, so nothing rose or fell against it

    @classmethod
    def of(cls, period: Period, comparable: bool = True, cut: bool = False) -> _Compare:
        """Name the previous-year period of a report period (a year cut before its end is a "cùng kỳ")."""
        prev = period.previous_year()
        if period.kind == "year" and not cut:
            return cls(f"năm {prev.start.year}", comparable)
        if prev.start.year != prev.end.year:
            return cls("cùng kỳ năm trước", comparable)
        return cls(f"cùng kỳ năm {prev.start.year}", comparable)

    @classmethod
    def for_summary(cls, summary: Summary) -> _Compare:
        """How a summary's comparison is named, and whether one may be stated at all (SPEC §4)."""
        cur = summary.current
        return cls.of(cur.period, summary.comparable, cut=cur.until < cur.period.end)

    def versus(self) -> str:
        """Return "so với cùng kỳ năm 2025"."""
        return f"so với {self.name}"

    def same(self) -> str:
        """Return "bằng cùng kỳ năm 2025"."""
        return f"bằng {self.name}"

    def aside(self, text: str) -> str:
        """Return "(cùng kỳ năm 2025: 12 hội nghị)"."""
        return f"({self.name}: {text})"

    def change(self, *items: tuple[int, str]) -> str:
        """Describe (delta, noun) items: "tăng 28 tập thể và 45 cá nhân so với năm 2021"."""
        if not self.comparable:
            return NO_COMPARISON
        deltas = [d for d, _ in items]
        if all(d == 0 for d in deltas):
            return self.same()
        # An unchanged figure beside changed ones goes unsaid: "tăng 1 tập thể so với …".
        moved = [(d, noun) for d, noun in items if d]
        if all(d > 0 for d, _ in moved) or all(d < 0 for d, _ in moved):
            word = "tăng" if moved[0][0] > 0 else "giảm"
            amounts = " và ".join(f"{fmt_int(abs(d))} {noun}" for d, noun in moved)
            return f"{word} {amounts} {self.versus()}"
        parts = [f"{'tăng' if d > 0 else 'giảm'} {fmt_int(abs(d))} {noun}" for d, noun in moved]
        return f"{', '.join(parts)} {self.versus()}"


def _pair(a: int, b: int, noun_a: str = "tập thể", noun_b: str = "cá nhân") -> str:
    """Return "190 tập thể và 136 cá nhân", leaving out a zero side; "" if both are zero."""
    parts = [f"{fmt_int(n)} {noun}" for n, noun in ((a, noun_a), (b, noun_b)) if n]
    return " và ".join(parts)


def _first_upper(text: str) -> str:
    """Capitalise the first letter of a sentence."""
    return text[:1].upper() + text[1:]


def _lower_first(label: str) -> str:
    """A label used inside a sentence: "Tiếp xúc cử tri" -> "tiếp xúc cử tri" (other capitals kept)."""
    return label[:1].lower() + label[1:]


def _share(part: int, whole: int) -> str:
    """Part of a whole as "39,4%"."""
    return fmt_percent(part / whole)


# Measure words for meetings of each kind; the kind names themselves come from the vocabulary.
_MEETING_MEASURE = {"tiep_xuc_cu_tri": "cuộc", "doi_thoai": "cuộc", "tuyen_truyen": "hội nghị",
                    "tap_huan": "lớp", "phan_bien": "hội nghị", "giao_ban": "hội nghị",
                    "tiep_cong_dan": "buổi", "khac": "hoạt động"}
_MONITORING_MEASURE = {"giam_sat": "cuộc", "kiem_tra": "cuộc", "khao_sat": "cuộc", "nam_tinh_hinh": "đợt"}


class _Writer:
    """Turns one Summary into the report's sentences (the figures are never recomputed here)."""

    def __init__(self, summary: Summary):
        """Keep the figures of both periods and how the earlier one is named."""
        self.summary = summary
        self.cur = summary.current.indicators
        self.prev = summary.previous.indicators
        self.period = summary.current.period
        self.cmp = _Compare.for_summary(summary)

    def d(self, key: str) -> int:
        """Change of one indicator against the previous year."""
        return self.cur[key] - self.prev[key]

    def meetings(self) -> list[Block]:
        """I. Conferences, contacts with voters, dialogues."""
        c, p = self.cur, self.prev
        out: list[Block] = [Heading("I. Hội nghị, tiếp xúc, đối thoại")]
        total = c["meetings.total"]
        if total == 0:
            aside = f" {self.cmp.aside(fmt_int(p['meetings.total']) + ' hội nghị')}" if p["meetings.total"] else ""
            out.append(Para(f"Trong kỳ, các cấp ủy, chính quyền, Mặt trận Tổ quốc và các đoàn thể chưa tổ chức "
                            f"hội nghị, tiếp xúc, đối thoại nào{aside}."))
            return out
        sentence = (f"Các cấp ủy, chính quyền, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội đã tổ chức "
                    f"{fmt_int(total)} hội nghị, tiếp xúc, đối thoại")
        people = c["meetings.participants"]
        if people:
            shares = [f"nữ chiếm {_share(c['meetings.women'], people)}"]
            if c["meetings.ethnic_minority"]:
                shares.append(f"người dân tộc thiểu số chiếm {_share(c['meetings.ethnic_minority'], people)}")
            sentence += f", thu hút {fmt_int(people)} lượt người tham dự ({', '.join(shares)})"
            change = self.cmp.change((self.d("meetings.total"), "hội nghị"),
                                     (self.d("meetings.participants"), "lượt người tham dự"))
        else:
            change = self.cmp.change((self.d("meetings.total"), "hội nghị"))
        sentence += f"; {change}."
        out.append(Para(sentence))
        kinds = [f"{fmt_int(c[f'meetings.by_kind.{k}'])} {_MEETING_MEASURE.get(k, 'hội nghị')} {_lower_first(label)}"
                 for k, label in V.MEETING_KIND.items if c[f"meetings.by_kind.{k}"]]
        if kinds:
            out.append(Para(f"Trong đó: {'; '.join(kinds)}."))
        return out

    def petitions(self) -> list[Block]:
        """II. Receiving and settling the people's opinions and petitions."""
        c, p = self.cur, self.prev
        out: list[Block] = [Heading("II. Tiếp nhận, giải quyết ý kiến, kiến nghị")]
        total = c["petitions.total"]
        if total == 0:
            aside = (f" {self.cmp.aside(fmt_int(p['petitions.total']) + ' ý kiến, kiến nghị')}"
                     if p["petitions.total"] else "")
            out.append(Para(f"Trong kỳ không tiếp nhận ý kiến, kiến nghị nào của Nhân dân{aside}."))
        else:
            types = _pair(c["petitions.by_type.y_kien"], c["petitions.by_type.kien_nghi"], "ý kiến", "kiến nghị")
            change = self.cmp.change((self.d("petitions.total"), "ý kiến, kiến nghị"))
            out.append(Para(f"Tiếp nhận {fmt_int(total)} ý kiến, kiến nghị của Nhân dân ({types}), {change}."))
            fields = sorted(((c[f"petitions.by_field.{k}"], i, label) for i, (k, label)
                             in enumerate(V.PETITION_FIELD.items) if c[f"petitions.by_field.{k}"]),
                            key=lambda x: (-x[0], x[1]))
            if fields:
                listed = "; ".join(f"{_lower_first(label)} ({fmt_int(n)})" for n, _, label in fields)
                out.append(Para(f"Nội dung ý kiến, kiến nghị thuộc các lĩnh vực: {listed}."))
            out.append(Para(self._settled(total)))
        out.append(Para(self._overdue()))
        return out

    def _settled(self, total: int) -> str:
        """How many petitions received in the period have been answered, with the rate."""
        c, p = self.cur, self.prev
        done = c["petitions.by_status.da_giai_quyet"]
        if done:
            rate = f"đạt tỷ lệ {_share(done, total)}"
            if p["petitions.total"]:
                rate += " " + self.cmp.aside(_share(p["petitions.by_status.da_giai_quyet"], p["petitions.total"]))
            first = f"Đến nay đã giải quyết, trả lời {fmt_int(done)} ý kiến, kiến nghị, {rate}"
        else:
            first = "Đến nay chưa có ý kiến, kiến nghị nào được giải quyết, trả lời"
        rest = [f"{fmt_int(n)} {text}" for n, text in (
            (c["petitions.by_status.giai_trinh"], "đã được giải trình, làm rõ"),
            (c["petitions.by_status.tiep_thu"], "đang tiếp thu, xử lý"),
            (c["petitions.by_status.moi"], "mới tiếp nhận, chưa xử lý"),
        ) if n]
        return first + ("; " + "; ".join(rest) if rest else "") + "."

    def _overdue(self) -> str:
        """The backlog of kiến nghị past their deadline at the as-of day."""
        n, before = self.cur["petitions.overdue"], self.prev["petitions.overdue"]
        when = f"Tính đến ngày {fmt_date(self.summary.current.as_of)}"
        if n == 0:
            return f"{when}, không có kiến nghị quá hạn chưa được giải quyết."
        if not self.cmp.comparable:
            return f"{when}, còn {fmt_int(n)} kiến nghị quá hạn chưa được giải quyết ({NO_COMPARISON})."
        # The backlog is a stock at a date, not a flow: compare with the same date a year earlier.
        prev_day = fmt_date(self.summary.previous.as_of)
        change = ("bằng" if n == before else f"{'tăng' if n > before else 'giảm'} {fmt_int(abs(n - before))}")
        return f"{when}, còn {fmt_int(n)} kiến nghị quá hạn chưa được giải quyết ({change} so với ngày {prev_day})."

    def monitoring(self) -> list[Block]:
        """III. Supervision, inspection, surveys."""
        c, p = self.cur, self.prev
        out: list[Block] = [Heading("III. Giám sát, kiểm tra")]
        total = c["monitoring.total"]
        if total == 0:
            aside = f" {self.cmp.aside(fmt_int(p['monitoring.total']) + ' cuộc')}" if p["monitoring.total"] else ""
            out.append(Para(f"Trong kỳ không tổ chức cuộc giám sát, kiểm tra, khảo sát nào{aside}."))
            return out
        kinds = [f"{fmt_int(c[f'monitoring.by_kind.{k}'])} {_MONITORING_MEASURE.get(k, 'cuộc')} {_lower_first(label)}"
                 for k, label in V.MONITORING_KIND.items if c[f"monitoring.by_kind.{k}"]]
        change = self.cmp.change((self.d("monitoring.total"), "cuộc"))
        out.append(Para(f"Tổ chức {fmt_int(total)} cuộc giám sát, kiểm tra, khảo sát, nắm tình hình Nhân dân "
                        f"({', '.join(kinds)}), {change}."))
        follow = [f"{fmt_int(n)} cuộc {text}" for n, text in (
            (c["monitoring.by_follow_up.da"], "có kiến nghị đã được khắc phục"),
            (c["monitoring.by_follow_up.dang"], "đang khắc phục"),
            (c["monitoring.by_follow_up.chua"], "chưa khắc phục"),
            (c["monitoring.by_follow_up.khong_co"], "không có kiến nghị"),
        ) if n]
        if follow:
            out.append(Para(f"Sau giám sát, kiểm tra: {'; '.join(follow)}."))
        return out

    def religion(self) -> list[Block]:
        """IV. Religious affairs: the registry as it stands and the checks of the period (counts only)."""
        c, p = self.cur, self.prev
        out: list[Block] = [Heading("IV. Công tác tôn giáo")]
        if not self.cur.keys() >= SENSITIVE_KEYS:  # withheld from this account (SPEC §7): say so, show nothing
            out.append(Para("Số liệu công tác tôn giáo không được hiển thị: tài khoản lập báo cáo không có quyền xem "
                            "dữ liệu tôn giáo."))
            return out
        sites = c["religious_sites.total"]
        if sites:
            parts = [f"{fmt_int(n)} {text}" for n, text in (
                (c["religious_sites.by_registration.duoc_cong_nhan"], "tổ chức được công nhận"),
                (c["religious_sites.by_registration.da_dang_ky"], "điểm nhóm đã đăng ký sinh hoạt tập trung"),
                (c["religious_sites.by_registration.chua_dang_ky"], "điểm nhóm chưa đăng ký"),
            ) if n]
            followers = c["religious_sites.followers"]
            with_followers = f" với {fmt_int(followers)} tín đồ" if followers else ""
            out.append(Para(f"Trên địa bàn hiện có {fmt_int(sites)} điểm nhóm, cơ sở tôn giáo{with_followers}; "
                            f"trong đó {', '.join(parts)}."))
        else:
            out.append(Para("Trên địa bàn không có điểm nhóm, cơ sở tôn giáo."))
        checks = c["religious_checks.total"]
        if checks:
            change = self.cmp.change((self.d("religious_checks.total"), "cuộc"))
            results = [f"{fmt_int(c[f'religious_checks.by_result.{k}'])} cuộc {_lower_first(label)}"
                       for k, label in V.CHECK_RESULT.items if c[f"religious_checks.by_result.{k}"]]
            out.append(Para(f"Trong kỳ đã tổ chức {fmt_int(checks)} cuộc kiểm tra, nắm tình hình hoạt động tôn giáo, "
                            f"{change}; kết quả: {', '.join(results)}."))
        else:
            before = p["religious_checks.total"]
            aside = f" {self.cmp.aside(fmt_int(before) + ' cuộc')}" if before else ""
            out.append(Para(f"Trong kỳ không tổ chức kiểm tra hoạt động tôn giáo{aside}."))
        return out

    def models(self) -> list[Block]:
        """V. The "Dân vận khéo" emulation movement."""
        c, p = self.cur, self.prev
        out: list[Block] = [Heading("V. Phong trào thi đua “Dân vận khéo”")]
        tt, cn = c["models.registered.tap_the"], c["models.registered.ca_nhan"]
        if tt or cn:
            change = self.cmp.change((self.d("models.registered.tap_the"), "tập thể"),
                                     (self.d("models.registered.ca_nhan"), "cá nhân"))
            out.append(Para(f"Trong kỳ có {_pair(tt, cn)} đăng ký thực hiện mô hình “Dân vận khéo”, {change}."))
            fields = [f"{_lower_first(label)} ({fmt_int(c[f'models.by_field.{k}'])})"
                      for k, label in V.MODEL_FIELD.items if c[f"models.by_field.{k}"]]
            if fields:
                out.append(Para(f"Các mô hình thuộc lĩnh vực: {'; '.join(fields)}."))
        else:
            before = _pair(p["models.registered.tap_the"], p["models.registered.ca_nhan"])
            aside = f" {self.cmp.aside(before)}" if before else ""
            out.append(Para(f"Trong kỳ không có tập thể, cá nhân đăng ký mới mô hình “Dân vận khéo”{aside}."))
        recognized = _pair(c["models.recognized.tap_the"], c["models.recognized.ca_nhan"])
        awarded = _pair(c["models.awarded.tap_the"], c["models.awarded.ca_nhan"])
        if recognized:
            first = f"Trong số mô hình đăng ký trong kỳ, có {recognized} được công nhận điển hình “Dân vận khéo”"
        else:
            first = "Trong số mô hình đăng ký trong kỳ, chưa có mô hình được công nhận điển hình"
        if awarded:
            change = self.cmp.change((self.d("models.awarded.tap_the"), "tập thể"),
                                     (self.d("models.awarded.ca_nhan"), "cá nhân"))
            second = f"trong kỳ có {awarded} được khen thưởng, {change}"
        else:
            second = "trong kỳ chưa có tập thể, cá nhân được khen thưởng"
        out.append(Para(f"{first}; {second}."))
        return out


# ---------------------------------------------------------------- tables

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
# The registry counts stand for today whatever the period: a previous-year column would only repeat them.
_NO_COMPARISON_GROUPS = frozenset({"religious_sites"})


def _signed(n: int) -> str:
    """A change with its sign: "+28", "-3", "0"."""
    return f"+{fmt_int(n)}" if n > 0 else (f"-{fmt_int(-n)}" if n < 0 else "0")


def _period_heading(period: Period) -> str:
    """A column heading for a period: "Tháng 5 năm 2026"."""
    return _first_upper(period.label_vi)


def _indicator_table(summary: Summary, cmp: _Compare, settings: LayoutSettings) -> Table:
    """Every indicator of SPEC §4: this period, the same period a year before, and the change."""
    cur, prev = summary.current.indicators, summary.previous.indicators
    rows: list[tuple[str, ...]] = []
    group_no = 0
    item_no = 0
    current_group = ""
    current_prefix = ""
    for ind in INDICATORS:
        if ind.key not in cur:  # withheld from this account (religious figures without the right)
            continue
        if ind.group != current_group:
            current_group, current_prefix, item_no = ind.group, "", 0
            rows.append((_ROMAN[group_no], GROUPS[ind.group], "", "", ""))
            group_no += 1
        prefix, sep, item = ind.label.partition(": ")
        compare = ind.group not in _NO_COMPARISON_GROUPS and cmp.comparable
        figures = (fmt_int(cur[ind.key]),
                   fmt_int(prev[ind.key]) if compare else "",
                   _signed(cur[ind.key] - prev[ind.key]) if compare else "")
        if sep:
            if prefix != current_prefix:
                current_prefix = prefix
                item_no += 1
                rows.append((str(item_no), f"{prefix}:", "", "", ""))
            rows.append(("", f"- {item}", *figures))
        else:
            current_prefix = ""
            item_no += 1
            rows.append((str(item_no), ind.label, *figures))
    headers = ("TT", "Chỉ tiêu", _period_heading(summary.current.period), _first_upper(cmp.name),
               "Tăng (+), giảm (-)")
    return Table(
        headers=headers,
        rows=tuple(rows),
        col_widths=_fit_widths(settings, headers, rows, (1.1, 7.0, 2.3, 2.3, 2.3), flexible=1),
        numeric_cols=(2, 3, 4),
        title=f"Biểu 1. Số liệu công tác dân vận {summary.current.period.label_vi} "
              + (cmp.versus() if cmp.comparable else f"({NO_COMPARISON})"),
    )


# Key figures of the per-unit table: (indicator keys summed into the column, column heading).
UNIT_COLUMNS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("meetings.total",), "Hội nghị"),
    (("meetings.participants",), "Lượt người dự"),
    (("petitions.total",), "Ý kiến, kiến nghị"),
    (("petitions.by_status.da_giai_quyet",), "Đã giải quyết"),
    (("petitions.overdue",), "Quá hạn"),
    (("monitoring.total",), "Giám sát, kiểm tra"),
    (("models.registered.tap_the",), "Mô hình: tập thể"),
    (("models.registered.ca_nhan",), "Mô hình: cá nhân"),
)


def _unit_values(f: Mapping[str, int]) -> list[int]:
    """The per-unit table's figures of one unit."""
    return [sum(f[k] for k in keys) for keys, _ in UNIT_COLUMNS]


def _own_level_label(unit: UnitInfo) -> str:
    """Name of the row for a unit's own records, not held by any unit below: "Cấp xã", "Cấp tỉnh"."""
    prefix, _ = _split_level(unit.name)
    word = prefix.lower() if prefix else {"tinh": "tỉnh", "huyen": "huyện", "xa": "xã"}.get(unit.level, "đơn vị")
    return f"Cấp {word}"


_A4_WIDTH_PT = 210 / 25.4 * 72


def _fit_widths(settings: LayoutSettings, headers: Sequence[str], rows: Sequence[Sequence[str]],
                design: Sequence[float], flexible: int) -> tuple[float, ...]:
    """Column widths in points: the designed proportions, adjusted so no figure or name has to wrap."""
    # Paragraph cells wrap only between words, so "4.795.039" in a narrow column would break mid-number.
    # A column too narrow for its widest figure (the name column: its longest name) grows, paid for by
    # columns with room to spare.
    register_fonts()
    bold = f"{FONT_FAMILY}-Bold"  # totals and headers are bold: measure everything in the widest face
    size, pad = settings.table_size, settings.table_padding_pt
    text_w = _A4_WIDTH_PT - (settings.margin_left_mm + settings.margin_right_mm) / 25.4 * 72
    widths = [w * text_w / sum(design) for w in design]
    need: list[float] = []
    for c in range(len(design)):
        cells = [row[c] for row in rows if row[c]]
        if c == flexible:
            # A name may wrap if it must, but not take more than 45% of the width from the figures.
            longest = max((stringWidth(x, bold, size) for x in cells), default=0.0)
            need.append(min(longest + 2 * pad + 2, text_w * 0.45))
        else:
            words = [*headers[c].split(), *cells]
            need.append(max((stringWidth(w, bold, size) for w in words), default=0.0) + 2 * pad + 2)
    grow = sum(max(0.0, n - w) for n, w in zip(need, widths, strict=True))
    widths = [max(w, n) for n, w in zip(need, widths, strict=True)]
    slack = [w - n for n, w in zip(need, widths, strict=True)]
    if grow and sum(slack):
        take = min(grow, sum(slack))
        total = sum(slack)
        widths = [w - sl / total * take for w, sl in zip(widths, slack, strict=True)]
    # If the slack was not enough, the renderer scales every column to the text width and some cells wrap.
    return tuple(widths)


def _children_table(summary: Summary, children: Sequence[tuple[UnitInfo, Figures]],
                    settings: LayoutSettings) -> Table:
    """One row per unit directly below, a row for the unit's own records if any, and the bold total."""
    total = _unit_values(summary.current.indicators)
    rows: list[tuple[str, ...]] = []
    sums = [0] * len(total)
    for i, (info, fig) in enumerate(children, start=1):
        values = _unit_values(fig.indicators)
        sums = [a + b for a, b in zip(sums, values, strict=True)]
        rows.append((str(i), info.name, *(fmt_int(v) for v in values)))
    # Records kept on the unit itself belong to no row above; the summary of the whole subtree is the
    # one authority, so they are its difference from the rows (every column is an additive count).
    own = [t - s for t, s in zip(total, sums, strict=True)]
    if any(own):
        rows.insert(0, ("", _own_level_label(summary.unit), *(fmt_int(v) for v in own)))
    rows.append(("", "Tổng cộng", *(fmt_int(v) for v in total)))
    ncols = len(UNIT_COLUMNS)
    headers = ("TT", "Đơn vị", *(label for _, label in UNIT_COLUMNS))
    return Table(
        headers=headers,
        rows=tuple(rows),
        col_widths=_fit_widths(settings, headers, rows, (0.9, 4.4, 1.6, 2.0, 1.7, 1.7, 1.6, 1.7, 1.7, 1.7),
                               flexible=1),
        numeric_cols=tuple(range(2, 2 + ncols)),
        total_row=True,
        title=f"Biểu 2. Kết quả chủ yếu theo đơn vị, {summary.current.period.label_vi}",
    )


# ---------------------------------------------------------------- the document

_NBSP = "\u00a0"


def _printable(settings: LayoutSettings) -> LayoutSettings:
    """Settings as printed: a number without its serial ("-BC/ĐU") leaves room for the clerk to write it."""
    number = settings.number.strip()
    if number[:1] in ("-", "/"):
        label = "Số" if settings.layout == "party" else "Số:"
        # The renderer keeps a number that already starts with "Số" as it is.
        return dataclasses.replace(settings, number=f"{label}{_NBSP * 10}{number}")
    return settings


def _subtitle(period: Period, unit: UnitInfo, home_code: str, layout: str) -> str:
    """The summary line "kết quả công tác dân vận tháng 5 năm 2026" (+ "trên địa bàn …" for another unit)."""
    text = f"kết quả công tác dân vận {period.label_vi}"
    if unit.code != home_code:
        text += f" trên địa bàn {prose_name(unit.name)}"
    # Party documents continue "BÁO CÁO" in lower case; state documents start the summary with a capital.
    return _first_upper(text) if layout == "state" else text


def _build(db: Database, actor: Actor, period: Period, unit_code: str | None,
           issued_on: date | None) -> tuple[ReportDocument, Summary]:
    """The report and the summary it states."""
    actor.require(Action.REPORT)
    summary = summarize(db, actor, period, unit_code)
    children = children_figures(db, actor, period, unit_code)
    settings = report_settings(db)
    with db.reader() as s:
        home_code = home(s).code
        unit_by_code(s, summary.unit.code)  # the unit still exists (NotFound otherwise)
    writer = _Writer(summary)
    label = period.label_vi
    blocks: list[Block] = [
        Para(f"Kết quả công tác dân vận {label} trên địa bàn {prose_name(summary.unit.name)} như sau:"),
        *writer.meetings(),
        *writer.petitions(),
        *writer.monitoring(),
        *writer.religion(),
        *writer.models(),
        _indicator_table(summary, writer.cmp, settings),
    ]
    if children:
        blocks.append(_children_table(summary, children, settings))
    blocks.append(Para(f"Trên đây là báo cáo kết quả công tác dân vận {label} trên địa bàn "
                       f"{prose_name(summary.unit.name)}./."))
    doc = ReportDocument(
        settings=_printable(settings),
        issued_on=issued_on or date.today(),
        doc_type="BÁO CÁO",
        subtitle=_subtitle(period, summary.unit, home_code, settings.layout),
        blocks=tuple(blocks),
    )
    return doc, summary


def build_report(db: Database, actor: Actor, period: Period, unit_code: str | None = None,
                 issued_on: date | None = None) -> ReportDocument:
    """The report of a unit's subtree (default: the office) for a period, ready to render."""
    return _build(db, actor, period, unit_code, issued_on)[0]


def report_pdf_bytes(db: Database, actor: Actor, period: Period, unit_code: str | None = None,
                     issued_on: date | None = None) -> bytes:
    """The report as PDF bytes (for the window's print preview)."""
    doc = build_report(db, actor, period, unit_code, issued_on)
    buffer = io.BytesIO()
    render_pdf(doc, buffer)
    return buffer.getvalue()


def _write_atomically(data: bytes, out: Path) -> Path:
    """Write data to a temporary file beside out and return it (the caller moves it into place)."""
    if not out.parent.is_dir():
        raise Refused(f"Thư mục “{out.parent}” không tồn tại.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".tmp", dir=out.parent)
    except OSError as e:
        raise Refused(f"Không ghi được vào thư mục “{out.parent}”: {e.strerror}.") from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # on disk before it replaces anything
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise Refused(f"Không ghi được tệp “{out.name}”: {e.strerror}.") from e
    return Path(tmp)


def export_report(db: Database, actor: Actor, period: Period, out: Path, unit_code: str | None = None) -> int:
    """Write the report as a PDF file (atomically, audited) and return its page count."""
    actor.require(Action.REPORT)
    out = check_output(db, Path(out))  # never over the live database or a backup (issue 11 item 4)
    doc, summary = _build(db, actor, period, unit_code, None)
    buffer = io.BytesIO()
    pages = render_pdf(doc, buffer)
    data = buffer.getvalue()
    tmp = _write_atomically(data, out)
    try:
        with db.transaction() as s:
            write_audit(s, actor.username, "export", "report", summary.unit.code, {
                "format": "pdf", "period": period.code, "unit": summary.unit.code, "file": out.name,
                "pages": pages, "sha256": hashlib.sha256(data).hexdigest()})
            try:
                os.replace(tmp, out)  # inside the transaction: no file, no audit entry
            except OSError as e:
                # Windows refuses to replace a file a PDF viewer holds open.
                raise Refused(f"Không ghi được tệp “{out.name}” (tệp có đang mở trong chương trình khác?): "
                              f"{e.strerror}.") from e
    finally:
        tmp.unlink(missing_ok=True)
    return pages
