"""Every field rule of SPEC §3 broken at least once, with its Vietnamese message checked."""

from __future__ import annotations

import datetime as dt

import pytest

from danvan_desktop.domain.fields import FieldType
from danvan_desktop.domain.kinds import KINDS, MEETING, MODEL, MONITORING, PETITION, RELIGIOUS_CHECK, RELIGIOUS_SITE
from danvan_desktop.domain.validation import ValidationError, check_record

GOOD = {
    "meeting": {"kind": "tiep_xuc_cu_tri", "title": "Tiếp xúc cử tri", "date": "05/02/2026", "participants": 10,
                "women": 4, "ethnic_minority": 6},
    "petition": {"type": "kien_nghi", "received_date": "2026-02-05", "content": "Sửa đường", "field": "ha_tang",
                 "status": "moi"},
    "monitoring": {"kind": "giam_sat", "topic": "Giám sát hộ nghèo", "start_date": "01/03/2026",
                   "follow_up": "khong_co"},
    "religious_site": {"name": "Chùa Tiên Sơn", "religion": "phat_giao", "registration": "da_dang_ky",
                       "followers": 100, "households": 20},
    "religious_check": {"date": "01/03/2026", "content": "Kiểm tra định kỳ", "result": "chap_hanh_tot"},
    "model": {"registrant_kind": "tap_the", "registrant": "Chi hội Nông dân", "name": "Trồng chè",
              "field": "kinh_te", "registered_date": "01/03/2026", "status": "dang_ky"},
}


def messages(rk, **changes) -> dict[str, str]:
    """The field → message map when a good record is changed so."""
    with pytest.raises(ValidationError) as e:
        check_record(rk, {**GOOD[rk.key], **changes})
    return {err.field: err.message for err in e.value.errors}


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_good_records_pass(kind):
    assert check_record(kind, GOOD[kind.key])


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_every_required_field_refused_when_empty(kind):
    for f in kind.fields:
        if f.required:
            assert messages(kind, **{f.key: ""})[f.key] == f"{f.label} không được để trống"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_every_count_refuses_negative_and_letters(kind):
    for f in kind.fields:
        if f.type is FieldType.INT:
            assert messages(kind, **{f.key: -1})[f.key] == f"{f.label} không được là số âm"
            assert messages(kind, **{f.key: "mười"})[f.key].startswith(f"{f.label} phải là một số nguyên")


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_every_enum_refuses_unknown_value_and_accepts_labels(kind):
    for f in kind.fields:
        if f.type is FieldType.ENUM:
            assert messages(kind, **{f.key: "không có"})[f.key].startswith(f"{f.label}: giá trị “không có”")
            assert f.vocab is not None
            # Values that need a companion field (a resolved date, a violation) get one.
            extra = {"resolved_date": "28/02/2026", "violations": "Sinh hoạt trái phép"}
            for key, label in f.vocab.items:
                assert check_record(kind, {**GOOD[kind.key], **extra, f.key: label})[f.key] == key


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_every_date_refuses_impossible_dates(kind):
    for f in kind.fields:
        if f.type is FieldType.DATE:
            assert messages(kind, **{f.key: "31/02/2022"})[f.key].startswith(
                f"{f.label} không phải là ngày hợp lệ: “31/02/2022”")


def test_title_longer_than_500_characters_refused():
    assert messages(MEETING, title="a" * 501)["title"] == "Nội dung không được dài quá 500 ký tự (đang có 501)"


def test_women_and_ethnic_minority_not_above_participants():
    m = messages(MEETING, participants=10, women=11, ethnic_minority=12)
    assert m["women"] == "Trong đó nữ không được lớn hơn Số người tham dự"
    assert m["ethnic_minority"] == "Trong đó người DTTS không được lớn hơn Số người tham dự"


def test_petition_deadline_and_resolved_date_not_before_received():
    m = messages(PETITION, deadline="01/02/2026", resolved_date="04/02/2026")
    assert m["deadline"] == "Hạn giải quyết không được trước Ngày tiếp nhận"
    assert m["resolved_date"] == "Ngày giải quyết không được trước Ngày tiếp nhận"


def test_resolved_petition_needs_resolved_date():
    m = messages(PETITION, status="Đã giải quyết, trả lời")
    assert m["resolved_date"] == ("Ngày giải quyết không được để trống khi Tình trạng là "
                                  "“Đã giải quyết, trả lời”")
    ok = check_record(PETITION, {**GOOD["petition"], "status": "da_giai_quyet", "resolved_date": "10/02/2026"})
    assert ok["resolved_date"] == dt.date(2026, 2, 10)


def test_monitoring_end_not_before_start():
    assert messages(MONITORING, end_date="28/02/2026")["end_date"] == "Đến ngày không được trước Từ ngày"


def test_households_not_above_followers():
    assert messages(RELIGIOUS_SITE, households=101)["households"] == "Số hộ không được lớn hơn Số tín đồ"


def test_violation_check_needs_its_content():
    assert messages(RELIGIOUS_CHECK, result="vi_pham")["violations"] == (
        "Nội dung vi phạm không được để trống khi Kết quả là “Có vi phạm”")


def test_award_and_award_date_go_together():
    assert messages(MODEL, award="Giấy khen của UBND xã")["award_date"] == (
        "Ngày khen thưởng không được để trống khi đã có Hình thức khen thưởng")
    assert messages(MODEL, award_date="01/06/2026")["award"] == (
        "Hình thức khen thưởng không được để trống khi đã có Ngày khen thưởng")
    assert messages(MODEL, award="Giấy khen", award_date="01/01/2026")["award_date"] == (
        "Ngày khen thưởng không được trước Ngày đăng ký")


def test_all_problems_reported_at_once():
    m = messages(MEETING, title="", date="xx", women=99)
    assert set(m) == {"title", "date", "women"}


def test_text_is_stored_nfc_without_invisible_characters():
    nfd = "Ho\u0300a Ha\u0309o\u200b"
    assert check_record(RELIGIOUS_SITE, {**GOOD["religious_site"], "name": nfd})["name"] == "Hòa Hảo"


def test_vietnamese_thousands_dots_read_as_numbers():
    assert check_record(MEETING, {**GOOD["meeting"], "participants": "1.858"})["participants"] == 1858


def test_replicated_flag_accepts_co_khong():
    assert check_record(MODEL, {**GOOD["model"], "replicated": "Có"})["replicated"] is True
    assert messages(MODEL, replicated="có lẽ")["replicated"] == (
        "Được nhân rộng chỉ nhận “Có” hoặc “Không” (đang là “có lẽ”)")


def test_a_sum_overflow_is_blamed_on_the_data_not_the_disk(tmp_path):
    import sqlite3

    from danvan_desktop.store.database import unavailable

    message = str(unavailable(tmp_path / "huyen.db", sqlite3.OperationalError("integer overflow")))
    assert "số liệu quá lớn" in message and "ổ đĩa" not in message


def test_every_bound_is_refused_just_above_and_accepted_at_it():
    for k in KINDS:
        for f in k.fields:
            if f.type is FieldType.INT and f.max_value is not None:
                good = {**GOOD[k.key], f.key: f.max_value}
                for other in k.fields:  # a companion count (participants, followers) at the same bound
                    if other.type is FieldType.INT and other.key != f.key:
                        good[other.key] = f.max_value if other.max_value == f.max_value else None
                assert check_record(k, good)[f.key] == f.max_value
                too_big = messages(k, **{**good, f.key: f.max_value + 1})[f.key]
                assert too_big.startswith(f"{f.label} không được lớn hơn")
            if f.type in (FieldType.TEXT, FieldType.LONGTEXT):
                assert messages(k, **{f.key: "a" * (f.max_len + 1)})[f.key].startswith(f"{f.label} không được dài quá")
