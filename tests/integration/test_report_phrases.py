"""The report's Vietnamese phrasing: comparisons with last year, counts, unit names inside sentences."""

from __future__ import annotations

import pytest

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.report import _Compare, _pair, prose_name

YEAR = _Compare.of(parse_period("2022"))
MONTH = _Compare.of(parse_period("2026-05"))


@pytest.mark.parametrize(("period", "name"), [
    ("2022", "năm 2021"), ("2026-05", "cùng kỳ năm 2025"), ("2026-Q2", "cùng kỳ năm 2025"),
    ("2026-H1", "cùng kỳ năm 2025"), ("2026-9M", "cùng kỳ năm 2025"),
    ("2025-12-01..2026-01-31", "cùng kỳ năm trước"),
])
def test_the_previous_year_is_named_as_reports_do(period: str, name: str) -> None:
    assert _Compare.of(parse_period(period)).name == name


@pytest.mark.parametrize(("items", "text"), [
    (((28, "tập thể"), (45, "cá nhân")), "tăng 28 tập thể và 45 cá nhân so với năm 2021"),
    (((-3, "tập thể"), (-1, "cá nhân")), "giảm 3 tập thể và 1 cá nhân so với năm 2021"),
    (((-5, "tập thể"), (6, "cá nhân")), "giảm 5 tập thể, tăng 6 cá nhân so với năm 2021"),
    (((2, "tập thể"), (0, "cá nhân")), "tăng 2 tập thể so với năm 2021"),
    (((0, "tập thể"), (0, "cá nhân")), "bằng năm 2021"),
    (((1234, "lượt người tham dự"),), "tăng 1.234 lượt người tham dự so với năm 2021"),
])
def test_changes_read_as_one_clause(items: tuple, text: str) -> None:
    assert YEAR.change(*items) == text


def test_a_month_compares_with_the_same_month_last_year() -> None:
    assert MONTH.change((0, "cuộc")) == "bằng cùng kỳ năm 2025"
    assert MONTH.aside("2 cuộc") == "(cùng kỳ năm 2025: 2 cuộc)"


@pytest.mark.parametrize(("a", "b", "text"), [
    (190, 136, "190 tập thể và 136 cá nhân"), (3, 0, "3 tập thể"), (0, 2, "2 cá nhân"), (0, 0, ""),
    (1858, 1, "1.858 tập thể và 1 cá nhân"),
])
def test_pairs_leave_out_an_empty_side(a: int, b: int, text: str) -> None:
    assert _pair(a, b) == text


@pytest.mark.parametrize(("name", "prose"), [
    ("Xã Bản Bo", "xã Bản Bo"), ("Tỉnh Lai Châu", "tỉnh Lai Châu"), ("Thành phố Hà Nội", "thành phố Hà Nội"),
    ("Thị trấn Tam Đường", "thị trấn Tam Đường"), ("Đặc khu Côn Đảo", "đặc khu Côn Đảo"),
    ("Bản Nà Khum", "bản Nà Khum"), ("Tổ dân phố số 3", "tổ dân phố số 3"), ("Tam Đường", "Tam Đường"),
    ("Xã", "Xã"),
])
def test_unit_names_inside_a_sentence(name: str, prose: str) -> None:
    assert prose_name(name) == prose
