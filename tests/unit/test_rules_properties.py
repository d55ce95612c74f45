"""Property-based checks of the field rules: what is accepted always satisfies every rule."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from danvan_desktop.domain.kinds import MEETING, PETITION, RELIGIOUS_SITE
from danvan_desktop.domain.text import clean_text
from danvan_desktop.domain.validation import ValidationError, check_record

counts = st.one_of(st.none(), st.integers(min_value=-5, max_value=10_000))
days = st.one_of(st.none(), st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)))


@settings(max_examples=300, deadline=None)
@given(part=counts, women=counts, dtts=counts, title=st.text(max_size=600))
def test_meeting_accepted_only_when_counts_fit(part, women, dtts, title):
    raw = {"kind": "khac", "title": title, "date": dt.date(2023, 1, 1), "participants": part, "women": women,
           "ethnic_minority": dtts}
    try:
        v = check_record(MEETING, raw)
    except ValidationError as e:
        assert e.errors and all(err.message for err in e.errors)
        return
    assert 0 < len(v["title"]) <= 500 and v["title"] == clean_text(v["title"])
    for key in ("participants", "women", "ethnic_minority"):
        assert v[key] is None or v[key] >= 0
    for key in ("women", "ethnic_minority"):
        if v[key]:
            assert v["participants"] is not None and v[key] <= v["participants"]


@settings(max_examples=300, deadline=None)
@given(received=days, deadline=days, resolved=days, status=st.sampled_from(["moi", "tiep_thu", "da_giai_quyet"]))
def test_petition_dates_accepted_only_in_order(received, deadline, resolved, status):
    raw = {"type": "kien_nghi", "content": "x", "field": "khac", "status": status, "received_date": received,
           "deadline": deadline, "resolved_date": resolved}
    try:
        v = check_record(PETITION, raw)
    except ValidationError:
        return
    assert v["received_date"] is not None
    for key in ("deadline", "resolved_date"):
        assert v[key] is None or v[key] >= v["received_date"]
    if v["status"] == "da_giai_quyet":
        assert v["resolved_date"] is not None


@settings(max_examples=200, deadline=None)
@given(followers=counts, households=counts)
def test_site_households_never_above_followers(followers, households):
    raw = {"name": "Điểm nhóm", "religion": "khac", "registration": "chua_dang_ky", "followers": followers,
           "households": households}
    try:
        v = check_record(RELIGIOUS_SITE, raw)
    except ValidationError:
        return
    if v["households"]:
        assert v["followers"] is not None and v["households"] <= v["followers"]
