"""The one summary computation against a data set whose figures were worked out by hand."""

from __future__ import annotations

from danvan_desktop.domain.indicators import INDICATOR_KEYS
from danvan_desktop.domain.periods import parse_period
from danvan_desktop.services.records import add_record, delete_record, update_record
from danvan_desktop.services.summary import children_figures, summarize
from tests.conftest import ADMIN


def meeting(db, date, kind="tiep_xuc_cu_tri", part=0, women=0, dtts=0, unit=None):
    return add_record(db, ADMIN, "meeting", {"kind": kind, "title": "Hội nghị", "date": date,
                                             "participants": part, "women": women, "ethnic_minority": dtts},
                      unit=unit)


def petition(db, received, status="moi", deadline=None, resolved=None, ptype="kien_nghi", field="dat_dai",
             unit=None):
    return add_record(db, ADMIN, "petition", {"type": ptype, "received_date": received, "content": "Kiến nghị",
                                              "field": field, "status": status, "deadline": deadline,
                                              "resolved_date": resolved}, unit=unit)


def model(db, registered, who="tap_the", status="dang_ky", field="kinh_te", award_date=None, unit=None):
    return add_record(db, ADMIN, "model", {
        "registrant_kind": who, "registrant": "Chi hội", "name": "Mô hình", "field": field,
        "registered_date": registered, "status": status, "award": "Giấy khen" if award_date else "",
        "award_date": award_date}, unit=unit)


def build(db):
    """2023 and 2022 records across the district's units; comments give the hand count."""
    meeting(db, "05/02/2023", part=100, women=40, dtts=70, unit="X1")          # 2023
    meeting(db, "20/12/2023", kind="doi_thoai", part=50, women=25, dtts=5, unit="X1-01")  # 2023
    meeting(db, "01/01/2024", part=999, unit="X2")                               # outside both years
    meeting(db, "15/06/2022", kind="tap_huan", part=30, women=10, dtts=30, unit="X2")  # 2022
    gone = meeting(db, "10/03/2023", part=500, women=100, unit="X2")              # deleted: never counts
    delete_record(db, ADMIN, "meeting", gone.id)

    petition(db, "10/01/2023", deadline="10/02/2023")                            # overdue at end of 2023
    petition(db, "10/01/2023", status="da_giai_quyet", deadline="10/02/2023", resolved="01/03/2023",
             ptype="y_kien", field="ha_tang")                                   # resolved: not overdue
    petition(db, "01/12/2023", status="tiep_thu", deadline="15/01/2024", unit="X1")  # deadline after end
    petition(db, "05/05/2022", status="da_giai_quyet", deadline="05/06/2022", resolved="05/03/2023",
             unit="X2")  # 2022: overdue at end of 2022 (resolved only in 2023); resolved before end 2023

    add_record(db, ADMIN, "monitoring", {"kind": "giam_sat", "topic": "Giám sát", "start_date": "01/04/2023",
                                         "follow_up": "dang"})
    add_record(db, ADMIN, "monitoring", {"kind": "khao_sat", "topic": "Khảo sát", "start_date": "01/04/2022",
                                         "follow_up": "da"}, unit="X1")
    site = add_record(db, ADMIN, "religious_site", {"name": "Điểm nhóm Tin lành", "religion": "tin_lanh",
                                                    "registration": "chua_dang_ky", "followers": 120,
                                                    "households": 30}, unit="X1-01")
    add_record(db, ADMIN, "religious_site", {"name": "Chùa", "religion": "phat_giao",
                                             "registration": "da_dang_ky", "followers": 80}, unit="X2")
    add_record(db, ADMIN, "religious_check", {"date": "02/02/2023", "site_id": site.id, "content": "Kiểm tra",
                                              "result": "vi_pham", "violations": "Sinh hoạt chưa đăng ký"})
    model(db, "01/03/2023", who="tap_the", status="cong_nhan", award_date="01/10/2023", unit="X1")
    model(db, "01/04/2023", who="ca_nhan", field="van_hoa_xa_hoi", unit="X2")
    model(db, "01/05/2022", who="ca_nhan", status="cong_nhan", award_date="01/02/2023")  # awarded in 2023


def test_year_summary_matches_hand_count(district):
    build(district)
    s = summarize(district, ADMIN, parse_period("2023"))
    cur, prev = s.current.indicators, s.previous.indicators
    assert list(cur) == list(INDICATOR_KEYS) and list(prev) == list(INDICATOR_KEYS)
    expected_2023 = {
        "meetings.total": 2, "meetings.by_kind.tiep_xuc_cu_tri": 1, "meetings.by_kind.doi_thoai": 1,
        "meetings.participants": 150, "meetings.women": 65, "meetings.ethnic_minority": 75,
        "meetings.participants_by_kind.tiep_xuc_cu_tri": 100, "meetings.participants_by_kind.doi_thoai": 50,
        "petitions.total": 3, "petitions.answered": 1, "petitions.by_type.kien_nghi": 2, "petitions.by_type.y_kien": 1,
        "petitions.by_status.moi": 1, "petitions.by_status.da_giai_quyet": 1, "petitions.by_status.tiep_thu": 1,
        "petitions.by_field.dat_dai": 2, "petitions.by_field.ha_tang": 1, "petitions.overdue": 1,
        "monitoring.total": 1, "monitoring.by_kind.giam_sat": 1, "monitoring.by_follow_up.dang": 1,
        "religious_sites.total": 2, "religious_sites.by_registration.chua_dang_ky": 1,
        "religious_sites.by_registration.da_dang_ky": 1, "religious_sites.followers": 200,
        "religious_checks.total": 1, "religious_checks.by_result.vi_pham": 1,
        "models.registered.tap_the": 1, "models.registered.ca_nhan": 1,
        "models.by_field.kinh_te": 1, "models.by_field.van_hoa_xa_hoi": 1,
        "models.recognized.tap_the": 1, "models.awarded.tap_the": 1, "models.awarded.ca_nhan": 1,
    }
    assert {k: v for k, v in cur.items() if v and k in INDICATOR_KEYS} == expected_2023
    expected_2022 = {
        "meetings.total": 1, "meetings.by_kind.tap_huan": 1, "meetings.participants": 30, "meetings.women": 10,
        "meetings.ethnic_minority": 30, "meetings.participants_by_kind.tap_huan": 30,
        "petitions.total": 1, "petitions.by_type.kien_nghi": 1,
        "petitions.by_status.da_giai_quyet": 1, "petitions.by_field.dat_dai": 1, "petitions.overdue": 1,
        "monitoring.total": 1, "monitoring.by_kind.khao_sat": 1, "monitoring.by_follow_up.da": 1,
        "religious_sites.total": 2, "religious_sites.by_registration.chua_dang_ky": 1,
        "religious_sites.by_registration.da_dang_ky": 1, "religious_sites.followers": 200,
        "models.registered.ca_nhan": 1, "models.by_field.kinh_te": 1, "models.recognized.ca_nhan": 1,
    }
    assert {k: v for k, v in prev.items() if v and k in INDICATOR_KEYS} == expected_2022
    assert s.previous.period.code == "2022"


def test_unit_narrows_to_its_subtree(district):
    build(district)
    s = summarize(district, ADMIN, parse_period("2023"), "X1")
    assert s.current.indicators["meetings.total"] == 2  # X1 and its village X1-01
    assert s.current.indicators["religious_sites.total"] == 1
    assert summarize(district, ADMIN, parse_period("2023"), "Xã Bản Giang").current.indicators[
        "meetings.total"] == 0


def test_children_figures_add_up_to_the_parent(district):
    build(district)
    per_child = children_figures(district, ADMIN, parse_period("2023"))
    assert [u.name for u, _ in per_child] == ["Xã Bản Giang", "Xã Bình Lư"]  # Vietnamese order: Bả < Bì
    parent = summarize(district, ADMIN, parse_period("2023")).current.indicators
    own = {"meetings.total": 0, "petitions.total": 2, "monitoring.total": 1}  # records on the district itself
    for key, at_home in own.items():
        assert sum(f.indicators[key] for _, f in per_child) + at_home == parent[key]


def test_month_and_quarter_periods(district):
    build(district)
    assert summarize(district, ADMIN, parse_period("2023-02")).current.indicators["meetings.total"] == 1
    q4 = summarize(district, ADMIN, parse_period("2023-Q4"))
    assert q4.current.indicators["meetings.by_kind.doi_thoai"] == 1
    assert q4.previous.period.code == "2022-Q4"


def test_deleted_and_edited_records_count_as_they_now_are(district):
    m = meeting(district, "05/02/2023", part=10, unit="X1")
    update_record(district, ADMIN, "meeting", m.id, {"date": "05/02/2022"})
    s = summarize(district, ADMIN, parse_period("2023"))
    assert s.current.indicators["meetings.total"] == 0 and s.previous.indicators["meetings.total"] == 1
    delete_record(district, ADMIN, "meeting", m.id)
    assert summarize(district, ADMIN, parse_period("2023")).previous.indicators["meetings.total"] == 0
