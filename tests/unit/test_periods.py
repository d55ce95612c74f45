"""Tests for reporting periods: parsing, comparison period, months and Vietnamese labels."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from danvan_desktop.domain.periods import Period, PeriodError, parse_period

# ---------------------------------------------------------------------------
# Parsing every form
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "kind", "start", "end"),
    [
        ("2022", "2022", "year", date(2022, 1, 1), date(2022, 12, 31)),
        ("2022-05", "2022-05", "month", date(2022, 5, 1), date(2022, 5, 31)),
        ("2024-02", "2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", "2023-02", "month", date(2023, 2, 1), date(2023, 2, 28)),
        ("2022-12", "2022-12", "month", date(2022, 12, 1), date(2022, 12, 31)),
        ("2022-Q1", "2022-Q1", "quarter", date(2022, 1, 1), date(2022, 3, 31)),
        ("2022-Q2", "2022-Q2", "quarter", date(2022, 4, 1), date(2022, 6, 30)),
        ("2022-q3", "2022-Q3", "quarter", date(2022, 7, 1), date(2022, 9, 30)),
        ("2022-Q4", "2022-Q4", "quarter", date(2022, 10, 1), date(2022, 12, 31)),
        ("2022-H1", "2022-H1", "half", date(2022, 1, 1), date(2022, 6, 30)),
        ("2022-H2", "2022-H2", "half", date(2022, 7, 1), date(2022, 12, 31)),
        ("2022-9M", "2022-9M", "nine_months", date(2022, 1, 1), date(2022, 9, 30)),
        (
            "2022-01-01..2022-06-15",
            "2022-01-01..2022-06-15",
            "range",
            date(2022, 1, 1),
            date(2022, 6, 15),
        ),
        ("2022-03-08..2022-03-08", "2022-03-08..2022-03-08", "range", date(2022, 3, 8), date(2022, 3, 8)),
        ("  2022-Q2 \t", "2022-Q2", "quarter", date(2022, 4, 1), date(2022, 6, 30)),
    ],
)
def test_parse_every_form(text: str, code: str, kind: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.code, period.kind, period.start, period.end) == (code, kind, start, end)
    assert str(period) == code
    # The canonical code reads back as the same period.
    assert parse_period(period.code) == period


@pytest.mark.parametrize(
    "text",
    [
        "2022-13",
        "2022-00",
        "2022-Q5",
        "2022-Q0",
        "2022-H3",
        "2022-6M",
        "abc",
        "",
        "22",
        "1899",
        "3000",
        "2022-06-15..2022-01-01",
        "2022-02-30..2022-03-01",
        "2022-01-01..",
        "2022 Q2",
        "٢٠٢٢",  # Arabic-Indic digits are not a year
    ],
)
def test_bad_periods_are_refused_with_the_vietnamese_message(text: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert str(caught.value) == (
        f"Kỳ báo cáo “{text.strip()}” không hợp lệ. "
        "Ví dụ: 2022, 2022-05, 2022-Q2, 2022-H1, 2022-9M, 2022-01-01..2022-06-15"
    )


def test_period_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_period("2022-13")


def test_message_names_what_the_user_typed() -> None:
    with pytest.raises(PeriodError, match="“2022-q5”"):
        parse_period(" 2022-q5 ")


# ---------------------------------------------------------------------------
# Constructors used by the period picker
# ---------------------------------------------------------------------------


def test_constructors_equal_parsed_periods() -> None:
    assert Period.year(2022) == parse_period("2022")
    assert Period.month(2022, 5) == parse_period("2022-05")
    assert Period.quarter(2022, 2) == parse_period("2022-Q2")
    assert Period.half(2022, 1) == parse_period("2022-H1")
    assert Period.half(2022, 2) == parse_period("2022-H2")
    assert Period.nine_months(2022) == parse_period("2022-9M")
    assert Period.range(date(2022, 1, 1), date(2022, 6, 15)) == parse_period("2022-01-01..2022-06-15")


@pytest.mark.parametrize(
    "build",
    [
        lambda: Period.month(2022, 13),
        lambda: Period.quarter(2022, 5),
        lambda: Period.half(2022, 0),
        lambda: Period.year(1899),
        lambda: Period.nine_months(3000),
        lambda: Period.range(date(2022, 6, 15), date(2022, 1, 1)),
    ],
)
def test_constructors_refuse_bad_values(build: object) -> None:
    with pytest.raises(PeriodError):
        build()  # type: ignore[operator]


def test_periods_are_immutable_and_hashable() -> None:
    period = Period.quarter(2022, 2)
    with pytest.raises(AttributeError):
        period.code = "2022-Q3"  # type: ignore[misc]
    assert len({period, parse_period("2022-q2")}) == 1


# ---------------------------------------------------------------------------
# previous_year
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "previous"),
    [
        ("2022", "2021"),
        ("2022-05", "2021-05"),
        ("2024-02", "2023-02"),
        ("2022-Q2", "2021-Q2"),
        ("2022-Q4", "2021-Q4"),
        ("2022-H1", "2021-H1"),
        ("2022-H2", "2021-H2"),
        ("2022-9M", "2021-9M"),
        ("2022-01-01..2022-06-15", "2021-01-01..2021-06-15"),
        ("2024-02-29..2024-03-31", "2023-02-28..2023-03-31"),
        ("2023-03-01..2024-02-29", "2022-03-01..2023-02-28"),
    ],
)
def test_previous_year(code: str, previous: str) -> None:
    assert parse_period(code).previous_year() == parse_period(previous)


def test_previous_year_of_a_leap_february_month_ends_on_the_28th() -> None:
    assert Period.month(2024, 2).previous_year().end == date(2023, 2, 28)


# ---------------------------------------------------------------------------
# contains and months
# ---------------------------------------------------------------------------


def test_contains_includes_both_ends() -> None:
    period = parse_period("2022-Q2")
    assert period.contains(date(2022, 4, 1))
    assert period.contains(date(2022, 6, 30))
    assert not period.contains(date(2022, 3, 31))
    assert not period.contains(date(2022, 7, 1))


def test_contains_accepts_a_datetime() -> None:
    assert parse_period("2022-06").contains(datetime(2022, 6, 30, 23, 59))


@pytest.mark.parametrize(
    ("code", "months"),
    [
        ("2022-05", [(2022, 5)]),
        ("2022-Q3", [(2022, 7), (2022, 8), (2022, 9)]),
        ("2022-H2", [(2022, m) for m in range(7, 13)]),
        ("2022-9M", [(2022, m) for m in range(1, 10)]),
        ("2022", [(2022, m) for m in range(1, 13)]),
        ("2022-03-31..2022-04-01", [(2022, 3), (2022, 4)]),
        ("2022-11-15..2023-02-01", [(2022, 11), (2022, 12), (2023, 1), (2023, 2)]),
        ("2022-06-10..2022-06-12", [(2022, 6)]),
    ],
)
def test_months(code: str, months: list[tuple[int, int]]) -> None:
    assert parse_period(code).months() == months


# ---------------------------------------------------------------------------
# Vietnamese labels
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("2022-05", "tháng 5 năm 2022"),
        ("2022-12", "tháng 12 năm 2022"),
        ("2022-Q1", "quý I năm 2022"),
        ("2022-Q2", "quý II năm 2022"),
        ("2022-Q3", "quý III năm 2022"),
        ("2022-Q4", "quý IV năm 2022"),
        ("2022-H1", "6 tháng đầu năm 2022"),
        ("2022-H2", "6 tháng cuối năm 2022"),
        ("2022-9M", "9 tháng đầu năm 2022"),
        ("2022", "năm 2022"),
        ("2022-01-01..2022-06-15", "từ ngày 01/01/2022 đến ngày 15/06/2022"),
    ],
)
def test_label_vi(code: str, label: str) -> None:
    assert parse_period(code).label_vi == label
