"""SPEC §4 figures a Party office would sign: as-of day, overdue, answered, the comparison cut, per body.

The data set is a table: every record with the reason for each number it adds. Two as-of days are read:
the year 2023 still running on 30/06/2023, and the year closed (31/12/2023).
"""

from __future__ import annotations

from datetime import date

import pytest

from danvan_desktop.domain import vocab as V
from danvan_desktop.domain.indicators import ACTOR_LABELS, ACTORS, INDICATOR_KEYS, actor_of, by_actor
from danvan_desktop.domain.periods import Period
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.records import RecordQuery, add_record, list_records, overdue_petitions
from danvan_desktop.services.summary import children_figures, month_activity, summarize
from tests.conftest import ADMIN

Y2023 = Period.year(2023)
MID = date(2023, 6, 30)  # the running year's as-of day D
AFTER = date(2024, 3, 1)  # a "today" after the year: D = 31/12/2023

# (label, type, received, deadline, status, resolved, unit, reason at D=30/06/2023 | at D=31/12/2023)
PETITIONS = [
    ("P1", "kien_nghi", "10/01/2023", "10/02/2023", "moi", None, None,
     "deadline passed, never answered: overdue at both days"),
    ("P2", "y_kien", "10/01/2023", "10/02/2023", "moi", None, None,
     "ý kiến are not followed up: never overdue, although past its deadline and unanswered"),
    ("P3", "kien_nghi", "15/01/2023", "15/02/2023", "giai_trinh", None, None,
     "đã giải trình without resolved_date: answered, so not overdue"),
    ("P4", "kien_nghi", "20/01/2023", "20/02/2023", "giai_trinh", "01/03/2023", None,
     "đã giải trình on 01/03/2023 (before D): answered, not overdue"),
    ("P5", "kien_nghi", "01/02/2023", "01/03/2023", "da_giai_quyet", "15/08/2023", None,
     "resolved after 30/06: overdue and unanswered at 30/06; answered at 31/12"),
    ("P6", "kien_nghi", "01/06/2023", "15/07/2023", "tiep_thu", None, None,
     "deadline after 30/06: not yet due at 30/06; overdue at 31/12"),
    ("P7", "kien_nghi", "01/08/2023", "01/09/2023", "moi", None, None,
     "received after 30/06: not counted at all at 30/06; received and overdue at 31/12"),
    ("P8", "kien_nghi", "05/05/2022", "05/06/2022", "moi", None, "X2",
     "a 2022 kiến nghị never answered: in 2022's figures; overdue is a stock, so also overdue in 2023"),
    ("P9", "kien_nghi", "01/06/2023", "30/06/2023", "moi", None, "X1",
     "deadline ON 30/06: not before D, so not overdue at 30/06; overdue at 31/12"),
]

# (label, date, kind, organizer, participants, unit, reason)
MEETINGS = [
    ("M1", "05/02/2023", "tiep_xuc_cu_tri", "mttq", 100, "X1", "in both 2023 spans; MTTQ met 100 voters"),
    ("M2", "20/09/2023", "doi_thoai", "ubnd", 50, "X1-01", "after 30/06: only in the closed year"),
    ("M3", "15/03/2022", "tap_huan", "ban_dan_van", 30, "X2", "2022 before 30/06/2022: in both comparisons"),
    ("M4", "10/10/2022", "giao_ban", "cong_an", 20, "X2", "2022 after 30/06/2022: only in the whole 2022"),
]

# Expected figures, every one explained by the rows above (keys not listed must be zero).
RUNNING = {  # 2023 as of 30/06/2023
    "meetings.total": 1,  # M1 (M2 lies after D)
    "meetings.by_kind.tiep_xuc_cu_tri": 1,
    "meetings.by_organizer.mttq": 1,
    "meetings.participants": 100,
    "meetings.participants_by_kind.tiep_xuc_cu_tri": 100,
    "petitions.total": 7,  # P1-P6, P9 (P7 received after D, P8 in 2022)
    "petitions.by_type.kien_nghi": 6, "petitions.by_type.y_kien": 1,  # P2 is the ý kiến
    "petitions.by_status.moi": 3, "petitions.by_status.giai_trinh": 2,  # status as it stands: P1 P2 P9 / P3 P4
    "petitions.by_status.da_giai_quyet": 1, "petitions.by_status.tiep_thu": 1,  # P5 / P6
    "petitions.by_field.dat_dai": 7,
    "petitions.answered": 2,  # P3 (no date), P4 (01/03); P5 answered only on 15/08
    "petitions.overdue": 3,  # P1, P5 (answered after D), P8 (2022 stock); not P2 (ý kiến), P6, P9 (due >= D)
}
RUNNING_PREVIOUS = {  # 2022 as of 30/06/2022
    "meetings.total": 1, "meetings.by_kind.tap_huan": 1, "meetings.by_organizer.ban_dan_van": 1,  # M3 only
    "meetings.participants": 30, "meetings.participants_by_kind.tap_huan": 30,
    "petitions.total": 1, "petitions.by_type.kien_nghi": 1, "petitions.by_status.moi": 1,  # P8
    "petitions.by_field.dat_dai": 1,
    "petitions.overdue": 1,  # P8: due 05/06/2022, unanswered at 30/06/2022
}
CLOSED = {  # 2023 as of 31/12/2023
    "meetings.total": 2, "meetings.by_kind.tiep_xuc_cu_tri": 1, "meetings.by_kind.doi_thoai": 1,  # M1, M2
    "meetings.by_organizer.mttq": 1, "meetings.by_organizer.ubnd": 1,
    "meetings.participants": 150,
    "meetings.participants_by_kind.tiep_xuc_cu_tri": 100, "meetings.participants_by_kind.doi_thoai": 50,
    "petitions.total": 8,  # P1-P7, P9
    "petitions.by_type.kien_nghi": 7, "petitions.by_type.y_kien": 1,
    "petitions.by_status.moi": 4, "petitions.by_status.giai_trinh": 2,  # P1 P2 P7 P9 / P3 P4
    "petitions.by_status.da_giai_quyet": 1, "petitions.by_status.tiep_thu": 1,
    "petitions.by_field.dat_dai": 8,
    "petitions.answered": 3,  # P3, P4, P5 (15/08 <= 31/12)
    "petitions.overdue": 5,  # P1, P6, P7, P8, P9; P5 now answered
}
CLOSED_PREVIOUS = {  # the whole of 2022
    "meetings.total": 2, "meetings.by_kind.tap_huan": 1, "meetings.by_kind.giao_ban": 1,  # M3, M4
    "meetings.by_organizer.ban_dan_van": 1, "meetings.by_organizer.cong_an": 1,
    "meetings.participants": 50,
    "meetings.participants_by_kind.tap_huan": 30, "meetings.participants_by_kind.giao_ban": 20,
    "petitions.total": 1, "petitions.by_type.kien_nghi": 1, "petitions.by_status.moi": 1,
    "petitions.by_field.dat_dai": 1,
    "petitions.overdue": 1,  # P8 at 31/12/2022
}


def build(db):
    """The records of the tables above."""
    for label, typ, received, deadline, status, resolved, unit, _why in PETITIONS:
        add_record(db, ADMIN, "petition", {"type": typ, "received_date": received, "deadline": deadline,
                                           "content": f"{label} Kiến nghị về đất", "field": "dat_dai", "status": status,
                                           "resolved_date": resolved}, unit=unit)
    for _label, day, kind, organizer, people, unit, _why in MEETINGS:
        add_record(db, ADMIN, "meeting", {"kind": kind, "title": "Hội nghị", "date": day, "organizer": organizer,
                                          "participants": people}, unit=unit)


def nonzero(figures: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in figures.items() if v}


def test_a_running_year_is_taken_as_of_today_and_compared_with_the_same_days(district):
    build(district)
    s = summarize(district, ADMIN, Y2023, today=MID)
    assert s.current.as_of == MID and s.previous.as_of == date(2022, 6, 30)
    assert list(s.current.indicators) == list(INDICATOR_KEYS)
    assert nonzero(s.current.indicators) == RUNNING
    assert nonzero(s.previous.indicators) == RUNNING_PREVIOUS
    assert s.current.has_data and s.previous.has_data and s.comparable


def test_a_closed_year_is_taken_at_its_end_and_compared_with_the_whole_year_before(district):
    build(district)
    s = summarize(district, ADMIN, Y2023, today=AFTER)
    assert s.current.as_of == date(2023, 12, 31) and s.previous.as_of == date(2022, 12, 31)
    assert nonzero(s.current.indicators) == CLOSED
    assert nonzero(s.previous.indicators) == CLOSED_PREVIOUS


def test_a_cut_off_day_is_the_as_of_day(district):
    build(district)
    cut = summarize(district, ADMIN, Y2023, as_of=MID, today=AFTER)
    assert nonzero(cut.current.indicators) == RUNNING and nonzero(cut.previous.indicators) == RUNNING_PREVIOUS
    # A cut-off after the period: records of the period only, petitions judged at the cut-off.
    later = summarize(district, ADMIN, Period.year(2022), as_of=date(2023, 2, 15), today=AFTER)
    assert later.current.indicators["petitions.total"] == 1  # P8: the 2022 records only
    assert later.current.indicators["petitions.overdue"] == 2  # P8, P1 (due 10/02); P3 answered, P2 ý kiến
    # A cut-off later than today is today: nobody knows who will be overdue tomorrow.
    assert summarize(district, ADMIN, Y2023, as_of=date(2023, 12, 31), today=MID).current.as_of == MID


def test_a_cut_off_before_the_period_is_refused_in_vietnamese(district):
    with pytest.raises(Refused, match="Ngày chốt số liệu 31/12/2022 ở trước ngày bắt đầu kỳ năm 2023"):
        summarize(district, ADMIN, Y2023, as_of=date(2022, 12, 31))


def test_a_previous_year_without_records_has_no_data_and_one_with_records_has(district):
    build(district)
    s2022 = summarize(district, ADMIN, Period.year(2022), today=AFTER)
    assert s2022.current.has_data and not s2022.previous.has_data and not s2022.comparable
    assert s2022.previous.period.code == "2021"
    # One record anywhere in the subtree and the span is data, even if it counts in no other figure.
    add_record(district, ADMIN, "monitoring", {"kind": "giam_sat", "topic": "Giám sát", "start_date": "03/03/2021",
                                         "follow_up": "khong_co"},
               unit="X1-01")
    assert summarize(district, ADMIN, Period.year(2022), today=AFTER).comparable
    # ...but only for the subtree it belongs to.
    assert not summarize(district, ADMIN, Period.year(2022), "X2", today=AFTER).comparable
    # Cut at the same day: a record of 2021 after that day does not make the running span comparable.
    spans = summarize(district, ADMIN, Period.year(2022), "X1", as_of=date(2022, 2, 1), today=AFTER)
    assert not spans.previous.has_data


def test_children_take_the_same_as_of_day(district):
    build(district)
    kids = dict((u.code, f) for u, f in children_figures(district, ADMIN, Y2023, today=MID))
    assert kids["X1"].as_of == MID
    assert kids["X1"].indicators["petitions.total"] == 1 and kids["X1"].indicators["meetings.total"] == 1  # P9, M1
    assert kids["X2"].indicators["petitions.overdue"] == 1 and not kids["X2"].has_data  # P8 is 2022's record


def test_the_list_filter_and_the_overdue_list_use_the_summary_definition(district):
    build(district)
    for day, expected in ((MID, {"P1", "P5", "P8"}), (date(2023, 12, 31), {"P1", "P6", "P7", "P8", "P9"})):
        listed = list_records(district, ADMIN, "petition", RecordQuery(overdue_at=day, limit=None)).rows
        assert {str(r.values["content"]).split()[0] for r in listed} == expected, day
        page = overdue_petitions(district, ADMIN, day)
        assert page.total == len(expected)
        assert summarize(district, ADMIN, Y2023, as_of=day, today=AFTER).current.indicators[
            "petitions.overdue"] == page.total


def test_the_month_chart_counts_the_chosen_unit_up_to_the_as_of_day(district):
    build(district)
    whole = month_activity(district, ADMIN, Y2023, today=MID)
    assert len(whole["meeting"]) == 12 and whole["meeting"][1] == 1 and sum(whole["meeting"]) == 1
    assert sum(whole["petition"]) == 7
    x1 = month_activity(district, ADMIN, Y2023, "X1", today=AFTER)
    assert x1["meeting"][1] == 1 and x1["meeting"][8] == 1  # M1 (X1), M2 (its village X1-01)
    assert sum(x1["petition"]) == 1  # P9
    q = month_activity(district, ADMIN, Period.quarter(2022, 4), "X2", today=AFTER)
    assert q["meeting"] == [1, 0, 0]  # M4 in October


@pytest.mark.parametrize(("body", "actor"), [
    ("cap_uy", "cap_uy"), ("ban_dan_van", "cap_uy"), ("hdnd", "chinh_quyen"), ("ubnd", "chinh_quyen"),
    ("mttq", "mttq_doan_the"), ("hoi_lhpn", "mttq_doan_the"), ("hoi_nong_dan", "mttq_doan_the"),
    ("hoi_ccb", "mttq_doan_the"), ("doan_tn", "mttq_doan_the"), ("cong_doan", "mttq_doan_the"),
    ("cong_an", "luc_luong_vu_trang"), ("quan_su", "luc_luong_vu_trang"),
    ("bcd_ton_giao", None), ("khac", None),
])
def test_each_body_belongs_to_its_actor(body, actor):
    assert actor_of(body) == actor
    assert body in V.BODY.keys


def test_actor_labels_and_per_actor_figures_from_per_body_keys(commune):
    assert list(ACTOR_LABELS) == list(ACTORS) == ["cap_uy", "chinh_quyen", "mttq_doan_the", "luc_luong_vu_trang"]
    assert ACTOR_LABELS["mttq_doan_the"] == "Mặt trận Tổ quốc và các đoàn thể"
    for body in V.BODY.keys:  # one of each kind of record per body
        add_record(commune, ADMIN, "meeting", {"kind": "khac", "title": "Họp", "date": "01/03/2023",
                                               "organizer": body})
        add_record(commune, ADMIN, "monitoring", {"kind": "giam_sat", "topic": "Giám sát",
                                                  "start_date": "01/03/2023", "lead_body": body,
                                                  "follow_up": "khong_co"})
        add_record(commune, ADMIN, "religious_check", {"date": "01/03/2023", "content": "Kiểm tra",
                                                       "checking_body": body, "result": "chap_hanh_tot"})
    ind = summarize(commune, ADMIN, Y2023, today=AFTER).current.indicators
    for prefix in ("meetings.by_organizer", "monitoring.by_lead_body", "religious_checks.by_body"):
        assert all(ind[f"{prefix}.{b}"] == 1 for b in V.BODY.keys), prefix
        assert by_actor(ind, prefix) == {"cap_uy": 2, "chinh_quyen": 2, "mttq_doan_the": 6,
                                         "luc_luong_vu_trang": 2}
