"""Vietnamese formats for numbers, percentages, dates and the official date line."""

from __future__ import annotations

import operator
import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "LOCALE",
    "fmt_int",
    "fmt_number",
    "fmt_percent",
    "fmt_date",
    "parse_date_vn",
    "parse_int_vn",
    "parse_date_typed",
    "weekday_vn",
    "date_line",
    "fmt_change",
    "fmt_change_pct",
]

LOCALE = "vi_VN"


def format_decimal(number: object, format: str, locale: str) -> str:  # noqa: A002 - Babel's own names
    """Babel's format_decimal, imported on first use: the sign-in's date boxes need this module, not Babel."""
    from babel.numbers import format_decimal as babel_format

    return babel_format(number, format=format, locale=locale)  # type: ignore[arg-type]


# re.ASCII: \d must not accept other scripts' digits (e.g. Arabic-Indic) typed or pasted in.
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


def _round_half_up(x: float | int | Decimal, decimals: int) -> Decimal:
    """Round like people do on paper (12,25 -> 12,3); Babel alone rounds half-even."""
    # str() first so 0.395 is the decimal 0.395, not its binary approximation.
    return Decimal(str(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _pattern(decimals: int) -> str:
    """Return a Babel pattern with thousands groups and exactly `decimals` decimals."""
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def fmt_int(n: int) -> str:
    """Format an integer with dot thousands separators: 1858 -> "1.858"."""
    # operator.index refuses floats: silently truncating 3.7 people to 3 hides a bug upstream.
    return format_decimal(operator.index(n), format="#,##0", locale=LOCALE)


def fmt_number(x: float | int | Decimal, decimals: int = 1) -> str:
    """Format a number with a decimal comma: 39.44 -> "39,4", 1234.5 -> "1.234,5"."""
    return format_decimal(_round_half_up(x, decimals), format=_pattern(decimals), locale=LOCALE)


def fmt_percent(ratio: float | int | Decimal, decimals: int = 1) -> str:
    """Format a ratio as a percentage: 0.394 -> "39,4%"."""
    # Scale before rounding so the half-up rule applies to the digits shown.
    pct = _round_half_up(Decimal(str(ratio)) * 100, decimals)
    return format_decimal(pct, format=_pattern(decimals), locale=LOCALE) + "%"


def fmt_date(d: date) -> str:
    """Format a date as dd/mm/yyyy: "05/02/2026"."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def parse_date_vn(s: str) -> date:
    """Parse dd/mm/yyyy, d/m/yyyy or ISO yyyy-mm-dd; raise ValueError on anything else or impossible dates."""
    if not isinstance(s, str):
        raise ValueError(f"Ngày không hợp lệ: {s!r}")
    text = s.strip()
    if m := _DMY.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise ValueError(f"Ngày không hợp lệ: {s!r} (cần dạng dd/mm/yyyy)")
    try:
        return date(year, month, day)
    except ValueError as exc:  # 31/02, 00/01, 29/02 of a common year...
        raise ValueError(f"Ngày không tồn tại: {s!r}") from exc


# A whole number as people write it: plain digits, or groups of three after dots ("1.858") or spaces.
# re.ASCII for the same reason as dates. Commas are never accepted: "2,5" is a Vietnamese decimal.
_INT_VN = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+|\d{1,3}(?: \d{3})+)", re.ASCII)


def parse_int_vn(raw: object) -> int:
    """A whole number from a typed int, an integral float, or text like "1858" / "1.858"; ValueError otherwise.

    A fraction is refused rather than rounded or scaled: "2.5", "2,5" and 2.5 are not counts of people.
    """
    if isinstance(raw, bool):
        raise ValueError(f"Không phải số nguyên: {raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise ValueError(f"Không phải số nguyên: {raw!r}")
    if isinstance(raw, Decimal):
        if raw.is_finite() and raw == raw.to_integral_value():
            return int(raw)
        raise ValueError(f"Không phải số nguyên: {raw!r}")
    text = unicodedata.normalize("NFC", str(raw)).strip().replace("\u00a0", " ")
    if len(text) > 40 or not _INT_VN.fullmatch(text):  # 40: no count has that many digits; int() is costly
        raise ValueError(f"Không phải số nguyên: {raw!r}")
    return int(text.replace(".", "").replace(" ", ""))


# What a person types in a date box: 05/03/2025, 5/3/2025, 5-3-2025, 5.3.25, 05032025, 050325.
_TYPED_SEP = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})", re.ASCII)
_TYPED_RUN = re.compile(r"(\d{2})(\d{2})(\d{2}|\d{4})", re.ASCII)
_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def parse_date_typed(s: str) -> date:
    """A date typed by hand, day first: also 5-3-2025, 5.3.25 and 05032025 (ValueError in Vietnamese otherwise).

    Two-digit years are 2000–2069 or 1970–1999. Files keep the stricter parse_date_vn: there a short year
    is more likely a mistake than a shortcut.
    """
    text = s.strip()
    m = _TYPED_SEP.fullmatch(text) or _TYPED_RUN.fullmatch(text)
    if m is None:
        if _ISO.fullmatch(text):
            return parse_date_vn(text)
        raise ValueError(f"“{text}” chưa phải là ngày: hãy nhập ngày/tháng/năm, ví dụ 05/03/2025 hoặc 05032025")
    day, month, year = (int(g) for g in m.groups())
    if len(m.group(3)) == 2:
        year += 2000 if year < 70 else 1900
    if not 1 <= month <= 12:
        raise ValueError(f"không có tháng {month} (tháng từ 1 đến 12)")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"không có ngày {day} tháng {month} năm {year}") from None


def weekday_vn(d: date) -> str:
    """"Thứ Tư" for a Wednesday."""
    return _WEEKDAYS[d.weekday()]


def date_line(place: str, d: date) -> str:
    """Build the official date line "Bản Bo, ngày 05 tháng 02 năm 2026" (zero-pad days < 10, months 1-2)."""
    # The rule (Nghị định 30/2020, Hướng dẫn 36-HD/VPTW) pads days below 10 and
    # January/February, so "tháng 1" can't be extended to "tháng 11" by hand.
    day = f"{d.day:02d}"
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    tail = f"ngày {day} tháng {month} năm {d.year}"
    place = unicodedata.normalize("NFC", place).strip()
    return f"{place}, {tail}" if place else tail


def fmt_change(delta: int) -> str:
    """Describe a change in words: 28 -> "tăng 28", -3 -> "giảm 3", 0 -> "bằng"."""
    if delta > 0:
        return f"tăng {fmt_int(delta)}"
    if delta < 0:
        return f"giảm {fmt_int(-delta)}"
    return "bằng"


def fmt_change_pct(cur: float | int, prev: float | int) -> str:
    """Describe a relative change: (9, 8) -> "tăng 12,5%"; "bằng" if equal; "" when prev is 0."""
    # No base, no percentage: the sentence then states only the absolute change.
    if prev == 0:
        return ""
    if cur == prev:
        return "bằng"
    ratio = (Decimal(str(cur)) - Decimal(str(prev))) / abs(Decimal(str(prev)))
    word = "tăng" if ratio > 0 else "giảm"
    return f"{word} {fmt_percent(abs(ratio))}"
