"""Reporting periods (year, month, quarter, half, nine months, date range) and their Vietnamese labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

__all__ = ["KINDS", "MAX_YEAR", "MIN_YEAR", "Period", "PeriodError", "parse_period", "year_earlier"]

MIN_YEAR = 1900
MAX_YEAR = 2999
KINDS: tuple[str, ...] = ("year", "month", "quarter", "half", "nine_months", "range")

_ROMAN = ("I", "II", "III", "IV")

# [0-9] rather than \d: \d would also accept Arabic-Indic and other digits.
_YEAR_RE = re.compile(r"([0-9]{4})")
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_QUARTER_RE = re.compile(r"([0-9]{4})-[Qq]([0-9])")
_HALF_RE = re.compile(r"([0-9]{4})-[Hh]([0-9])")
_NINE_MONTHS_RE = re.compile(r"([0-9]{4})-9[Mm]")
_RANGE_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\s*\.\.\s*([0-9]{4}-[0-9]{2}-[0-9]{2})")


class PeriodError(ValueError):
    """A period text or value that is not a valid reporting period; the message is for the user."""

    def __init__(self, text: str) -> None:
        """Build the Vietnamese message naming the rejected text and showing the accepted forms."""
        self.text = text
        super().__init__(
            f"Kỳ báo cáo “{text}” không hợp lệ. "
            "Ví dụ: 2022, 2022-05, 2022-Q2, 2022-H1, 2022-9M, 2022-01-01..2022-06-15"
        )


def _check_year(y: int, text: str) -> None:
    """Reject years outside the supported span."""
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise PeriodError(text)


def _month_end(y: int, m: int) -> date:
    """Last day of a month."""
    first_of_next = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    return first_of_next - timedelta(days=1)


def _shift_year(d: date, years: int) -> date:
    """The same calendar day some years away; 29 February becomes 28 February."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def year_earlier(d: date) -> date:
    """The same calendar day one year earlier (29 February becomes 28 February): the comparison's cut."""
    return _shift_year(d, -1)


@dataclass(frozen=True)
class Period:
    """A reporting period; `end` is inclusive and `code` is the canonical text form."""

    code: str
    kind: str
    start: date
    end: date

    def __post_init__(self) -> None:
        """Refuse inconsistent periods built directly rather than through the constructors."""
        if self.kind not in KINDS or self.start > self.end:
            raise PeriodError(self.code)

    # -- constructors (used by the GUI's period picker and by parse_period) --

    @classmethod
    def year(cls, y: int) -> Period:
        """The calendar year y."""
        code = f"{y:04d}"
        _check_year(y, code)
        return cls(code, "year", date(y, 1, 1), date(y, 12, 31))

    @classmethod
    def month(cls, y: int, m: int) -> Period:
        """Month m (1-12) of year y."""
        code = f"{y:04d}-{m:02d}"
        _check_year(y, code)
        if not 1 <= m <= 12:
            raise PeriodError(code)
        return cls(code, "month", date(y, m, 1), _month_end(y, m))

    @classmethod
    def quarter(cls, y: int, q: int) -> Period:
        """Quarter q (1-4) of year y."""
        code = f"{y:04d}-Q{q}"
        _check_year(y, code)
        if not 1 <= q <= 4:
            raise PeriodError(code)
        return cls(code, "quarter", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))

    @classmethod
    def half(cls, y: int, h: int) -> Period:
        """Half-year h (1 = January-June, 2 = July-December) of year y."""
        code = f"{y:04d}-H{h}"
        _check_year(y, code)
        if h not in (1, 2):
            raise PeriodError(code)
        return cls(code, "half", date(y, 6 * h - 5, 1), _month_end(y, 6 * h))

    @classmethod
    def nine_months(cls, y: int) -> Period:
        """The first nine months (January-September) of year y."""
        code = f"{y:04d}-9M"
        _check_year(y, code)
        return cls(code, "nine_months", date(y, 1, 1), date(y, 9, 30))

    @classmethod
    def range(cls, start: date, end: date) -> Period:
        """The days from start to end, both included."""
        # datetime is a date subclass; keep only the day so comparisons work.
        start = start.date() if isinstance(start, datetime) else start
        end = end.date() if isinstance(end, datetime) else end
        code = f"{start.isoformat()}..{end.isoformat()}"
        _check_year(start.year, code)
        _check_year(end.year, code)
        if start > end:
            raise PeriodError(code)
        return cls(code, "range", start, end)

    # -- queries --

    def previous_year(self) -> Period:
        """The same period one year earlier, for the comparison columns of reports."""
        y = self.start.year - 1
        match self.kind:
            case "year":
                return Period.year(y)
            case "month":
                return Period.month(y, self.start.month)
            case "quarter":
                return Period.quarter(y, (self.start.month + 2) // 3)
            case "half":
                return Period.half(y, 1 if self.start.month == 1 else 2)
            case "nine_months":
                return Period.nine_months(y)
            case _:
                return Period.range(_shift_year(self.start, -1), _shift_year(self.end, -1))

    def contains(self, d: date) -> bool:
        """Tell whether a day falls in the period (both ends included)."""
        day = d.date() if isinstance(d, datetime) else d
        return self.start <= day <= self.end

    def months(self) -> list[tuple[int, int]]:
        """The (year, month) pairs the period touches, in order."""
        result: list[tuple[int, int]] = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            result.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return result

    @property
    def label_vi(self) -> str:
        """The period as written in a Vietnamese report, e.g. "quý II năm 2022"."""
        y = self.start.year
        match self.kind:
            case "year":
                return f"năm {y}"
            case "month":
                return f"tháng {self.start.month} năm {y}"
            case "quarter":
                return f"quý {_ROMAN[(self.start.month - 1) // 3]} năm {y}"
            case "half":
                return f"6 tháng {'đầu' if self.start.month == 1 else 'cuối'} năm {y}"
            case "nine_months":
                return f"9 tháng đầu năm {y}"
            case _:
                return f"từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"

    def __str__(self) -> str:
        """The canonical code, e.g. "2022-Q2"."""
        return self.code


def _parse_date(text: str, whole: str) -> date:
    """An ISO date inside a range, or PeriodError naming the whole input."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(whole) from None


def parse_period(text: str) -> Period:
    """Read a period written as 2022, 2022-05, 2022-Q2, 2022-H1, 2022-9M or 2022-01-01..2022-06-15."""
    s = text.strip()
    try:
        return _parse(s)
    except PeriodError:
        # Name what the user typed, not the canonical form built on the way.
        raise PeriodError(s) from None


def _parse(s: str) -> Period:
    """parse_period on stripped text; errors may name an intermediate form."""
    if m := _YEAR_RE.fullmatch(s):
        return Period.year(int(m[1]))
    if m := _NINE_MONTHS_RE.fullmatch(s):
        return Period.nine_months(int(m[1]))
    if m := _MONTH_RE.fullmatch(s):
        return Period.month(int(m[1]), int(m[2]))
    if m := _QUARTER_RE.fullmatch(s):
        return Period.quarter(int(m[1]), int(m[2]))
    if m := _HALF_RE.fullmatch(s):
        return Period.half(int(m[1]), int(m[2]))
    if m := _RANGE_RE.fullmatch(s):
        return Period.range(_parse_date(m[1], s), _parse_date(m[2], s))
    raise PeriodError(s)
