"""`danvan summary --json` for the hand-counted cases of test_figures_as_of: every key, zeros, as-of, has_data."""

from __future__ import annotations

import json

from danvan_desktop.domain.indicators import INDICATOR_KEYS
from tests.integration.test_cli import danvan
from tests.integration.test_figures_as_of import (
    CLOSED,
    CLOSED_PREVIOUS,
    RUNNING,
    RUNNING_PREVIOUS,
    build,
)
from tests.integration.test_package_support import db_arg


def summary(db, *args):
    r = danvan("--db", db_arg(db), "--user", "admin", "summary", *args)
    assert r.returncode == 0, r.stderr
    return r.stdout


def every_key(expected):
    return {k: expected.get(k, 0) for k in INDICATOR_KEYS}


def test_a_running_year_cut_at_a_day_and_compared_with_the_same_days(district):
    build(district)
    out = json.loads(summary(district, "--period", "2023", "--as-of", "2023-06-30", "--json"))
    assert list(out) == ["unit", "period", "from", "to", "as_of", "indicators", "previous"]
    assert (out["unit"], out["period"], out["from"], out["to"], out["as_of"]) == (
        "105", "2023", "2023-01-01", "2023-12-31", "2023-06-30")
    assert list(out["indicators"]) == list(INDICATOR_KEYS)  # every key, in order, zeros included
    assert out["indicators"] == every_key(RUNNING)
    prev = out["previous"]
    assert (prev["period"], prev["from"], prev["to"], prev["as_of"], prev["has_data"]) == (
        "2022", "2022-01-01", "2022-12-31", "2022-06-30", True)
    assert prev["indicators"] == every_key(RUNNING_PREVIOUS)


def test_a_closed_year_at_its_end(district):
    build(district)
    out = json.loads(summary(district, "--period", "2023", "--json"))
    assert out["as_of"] == "2023-12-31" and out["previous"]["as_of"] == "2022-12-31"
    assert out["indicators"] == every_key(CLOSED)
    assert out["previous"]["indicators"] == every_key(CLOSED_PREVIOUS) and out["previous"]["has_data"] is True


def test_a_previous_year_without_records_says_so(district):
    build(district)
    out = json.loads(summary(district, "--period", "2022", "--json"))
    assert out["previous"]["period"] == "2021" and out["previous"]["has_data"] is False
    assert set(out["previous"]["indicators"].values()) == {0} and len(out["previous"]["indicators"]) == len(
        INDICATOR_KEYS)
    # The text form states no increase against nothing.
    text = summary(district, "--period", "2022")
    assert "chưa có số liệu cùng kỳ để so sánh" in text and "cùng kỳ:" not in text
    assert "Kiến nghị quá hạn chưa giải quyết: 1" in text


def test_unit_narrows_the_subtree_and_its_has_data(district):
    build(district)
    out = json.loads(summary(district, "--period", "2023", "--unit", "X1", "--as-of", "2023-06-30", "--json"))
    assert out["unit"] == "X1"
    assert out["indicators"]["meetings.by_organizer.mttq"] == 1 and out["indicators"]["petitions.total"] == 1
    assert out["previous"]["has_data"] is False  # X1 holds nothing of 2022


def test_bad_as_of_days_are_refused_in_vietnamese(district):
    r = danvan("--db", db_arg(district), "--user", "admin", "summary", "--period", "2023", "--as-of",
               "30/06/2023", "--json")
    assert r.returncode == 1 and "Ngày “30/06/2023” của --as-of không hợp lệ" in r.stderr and not r.stdout
    r = danvan("--db", db_arg(district), "--user", "admin", "summary", "--period", "2023", "--as-of",
               "2022-12-31", "--json")
    assert r.returncode == 1 and "ở trước ngày bắt đầu kỳ năm 2023" in r.stderr
