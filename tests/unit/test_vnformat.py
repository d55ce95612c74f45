"""Vietnamese number and date formats, and the official date line."""

from __future__ import annotations

from datetime import date

import pytest

from danvan_desktop.domain.vnformat import (
    date_line,
    fmt_change,
    fmt_change_pct,
    fmt_date,
    fmt_int,
    fmt_number,
    fmt_percent,
    parse_date_vn,
)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 2, 5), "Bản Bo, ngày 05 tháng 02 năm 2026"),
        (date(2026, 5, 27), "Bản Bo, ngày 27 tháng 5 năm 2026"),
        (date(2026, 11, 14), "Bản Bo, ngày 14 tháng 11 năm 2026"),
        (date(2026, 1, 9), "Bản Bo, ngày 09 tháng 01 năm 2026"),
        (date(2026, 1, 31), "Bản Bo, ngày 31 tháng 01 năm 2026"),
        (date(2026, 2, 10), "Bản Bo, ngày 10 tháng 02 năm 2026"),
        (date(2026, 3, 1), "Bản Bo, ngày 01 tháng 3 năm 2026"),
        (date(2026, 12, 31), "Bản Bo, ngày 31 tháng 12 năm 2026"),
    ],
)
def test_date_line_pads_only_small_days_and_january_february(d: date, expected: str) -> None:
    assert date_line("Bản Bo", d) == expected


def test_date_line_normalises_a_decomposed_place_name() -> None:
    nfd_place = "Ba\u0309n Bo"  # "Bản" with a combining hook above
    assert date_line(nfd_place, date(2026, 2, 5)) == "Bản Bo, ngày 05 tháng 02 năm 2026"


def test_date_line_without_place_is_just_the_date() -> None:
    assert date_line("", date(2026, 5, 27)) == "ngày 27 tháng 5 năm 2026"


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0"), (7, "7"), (999, "999"), (1858, "1.858"), (1234567, "1.234.567"), (-3000, "-3.000")],
)
def test_integers_group_thousands_with_dots(n: int, expected: str) -> None:
    assert fmt_int(n) == expected


def test_fmt_int_refuses_a_float() -> None:
    with pytest.raises(TypeError):
        fmt_int(3.7)  # type: ignore[arg-type]


def test_numbers_use_a_decimal_comma() -> None:
    assert fmt_number(39.44) == "39,4"
    assert fmt_number(1234.5) == "1.234,5"
    assert fmt_number(2, decimals=0) == "2"
    assert fmt_number(3.14159, decimals=2) == "3,14"


def test_numbers_round_half_up_like_on_paper() -> None:
    assert fmt_number(12.25) == "12,3"
    assert fmt_number(0.05) == "0,1"


def test_percent_of_a_ratio() -> None:
    assert fmt_percent(0.394) == "39,4%"
    assert fmt_percent(1) == "100,0%"
    assert fmt_percent(0) == "0,0%"
    assert fmt_percent(12.5) == "1.250,0%"
    assert fmt_percent(0.3945) == "39,5%"


def test_fmt_date_zero_pads_everything() -> None:
    assert fmt_date(date(2026, 2, 5)) == "05/02/2026"
    assert fmt_date(date(2026, 11, 14)) == "14/11/2026"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/02/2026", date(2026, 2, 5)),
        ("5/2/2026", date(2026, 2, 5)),
        ("14/11/2026", date(2026, 11, 14)),
        ("2026-02-05", date(2026, 2, 5)),
        ("  27/5/2026 ", date(2026, 5, 27)),
        ("29/02/2024", date(2024, 2, 29)),
    ],
)
def test_parse_date_vn_accepts_vietnamese_and_iso_forms(text: str, expected: date) -> None:
    assert parse_date_vn(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2022",  # no such day
        "29/02/2023",  # not a leap year
        "00/01/2026",
        "32/01/2026",
        "15/13/2026",
        "2026-2-5",  # ISO needs two-digit month and day
        "05-02-2026",
        "05/02/26",  # two-digit year
        "05.02.2026",
        "2026/02/05",
        "",
        "hôm nay",
        "05/02/2026x",
        "٠٥/٠٢/٢٠٢٦",  # Arabic-Indic digits are not accepted
    ],
)
def test_parse_date_vn_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date_vn(text)


def test_parse_and_format_round_trip() -> None:
    d = date(2026, 2, 5)
    assert parse_date_vn(fmt_date(d)) == d


def test_change_in_words() -> None:
    assert fmt_change(28) == "tăng 28"
    assert fmt_change(-3) == "giảm 3"
    assert fmt_change(0) == "bằng"
    assert fmt_change(1858) == "tăng 1.858"


def test_relative_change_in_words() -> None:
    assert fmt_change_pct(9, 8) == "tăng 12,5%"
    assert fmt_change_pct(97, 100) == "giảm 3,0%"
    assert fmt_change_pct(5, 5) == "bằng"
    assert fmt_change_pct(0, 4) == "giảm 100,0%"


def test_relative_change_without_a_base_is_empty() -> None:
    assert fmt_change_pct(12, 0) == ""
    assert fmt_change_pct(0, 0) == ""


@pytest.mark.parametrize("raw, n", [(1858, 1858), ("1858", 1858), ("1.858", 1858), ("1 858", 1858),
                                    ("1.234.567", 1234567), (120.0, 120), ("-3", -3), (" 7 ", 7)])
def test_parse_int_vn_reads_whole_numbers_as_written(raw, n):
    from danvan_desktop.domain.vnformat import parse_int_vn

    assert parse_int_vn(raw) == n


@pytest.mark.parametrize("raw", ["2.5", "2,5", 2.5, "1.85", "12.34.567", "1e20", "", "١٢", True, "1" * 41,
                                 float("inf"), float("nan")])
def test_parse_int_vn_refuses_fractions_and_anything_else_instead_of_scaling(raw):
    from danvan_desktop.domain.vnformat import parse_int_vn

    with pytest.raises(ValueError):
        parse_int_vn(raw)
