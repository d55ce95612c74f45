"""Records through the services: search without marks, Vietnamese order, revisions, tombstones, roles, audit."""

from __future__ import annotations

import unicodedata

import pytest

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.domain.validation import ValidationError
from danvan_desktop.services.accounts import add_account, authenticate
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import verify_chain
from danvan_desktop.services.errors import AuthenticationFailed, PermissionDenied, Refused, StaleRecord
from danvan_desktop.services.records import (
    RecordQuery,
    add_record,
    delete_record,
    get_record,
    list_records,
    update_record,
)
from danvan_desktop.store.schema import AuditEntry
from tests.conftest import ADMIN, PASSWORD


def meeting(db, title, date="05/02/2023", unit=None, actor=ADMIN):
    return add_record(db, actor, "meeting", {"kind": "doi_thoai", "title": title, "date": date}, unit=unit)


def titles(page):
    return [r.title for r in page.rows]


def test_search_ignores_marks_case_and_d_stroke(commune):
    meeting(commune, "Đối thoại với Đảng ủy xã Bản Bo về đất đai")
    meeting(commune, "Tập huấn cán bộ thôn")
    for q in ("dang uy ban bo", "ĐẢNG ỦY", "doi thoai dat dai", unicodedata.normalize("NFD", "Đảng ủy Bản Bo")):
        assert titles(list_records(commune, ADMIN, "meeting", RecordQuery(search=q))) == [
            "Đối thoại với Đảng ủy xã Bản Bo về đất đai"], q
    assert list_records(commune, ADMIN, "meeting", RecordQuery(search="dang uy hanoi")).total == 0


def test_search_finds_by_unit_name_and_notes(commune):
    add_record(commune, ADMIN, "meeting", {"kind": "khac", "title": "Gặp mặt", "date": "01/01/2023"},
               unit="Bản Đông Pao", notes="Mời già làng")
    assert list_records(commune, ADMIN, "meeting", RecordQuery(search="dong pao")).total == 1
    assert list_records(commune, ADMIN, "meeting", RecordQuery(search="gia lang")).total == 1


def test_text_sorts_in_vietnamese_order(commune):
    for t in ("Yên", "Đào", "Ăn", "An", "Dân", "Ơn", "Ông", "Bản"):
        meeting(commune, t)
    page = list_records(commune, ADMIN, "meeting", RecordQuery(sort="title"))
    assert titles(page) == ["An", "Ăn", "Bản", "Dân", "Đào", "Ông", "Ơn", "Yên"]


def test_default_order_is_newest_first_and_pages_are_windows(commune):
    for d in range(1, 8):
        meeting(commune, f"Hội nghị {d}", date=f"0{d}/03/2023")
    page = list_records(commune, ADMIN, "meeting", RecordQuery(offset=2, limit=3))
    assert page.total == 7 and titles(page) == ["Hội nghị 5", "Hội nghị 4", "Hội nghị 3"]


def test_period_and_unit_filters(commune):
    meeting(commune, "Trong kỳ", date="15/05/2023", unit="Bản Nà Khum")
    meeting(commune, "Ngoài kỳ", date="15/06/2023")
    assert titles(list_records(commune, ADMIN, "meeting", RecordQuery(period=parse_period("2023-05")))) == [
        "Trong kỳ"]
    assert titles(list_records(commune, ADMIN, "meeting", RecordQuery(unit_code="03424-01"))) == ["Trong kỳ"]


def test_each_change_adds_one_revision_and_no_change_adds_none(commune):
    m = meeting(commune, "Hội nghị")
    assert m.revision == 1 and m.created_by == "admin"
    m2 = update_record(commune, ADMIN, "meeting", m.id, {"title": "Hội nghị sửa"})
    assert m2.revision == 2 and m2.updated_at >= m.updated_at
    assert update_record(commune, ADMIN, "meeting", m.id, {"title": "Hội nghị sửa"}).revision == 2
    with pytest.raises(StaleRecord):
        update_record(commune, ADMIN, "meeting", m.id, {"title": "Khác"}, expected_revision=1)


def test_bad_update_changes_nothing(commune):
    m = meeting(commune, "Hội nghị")
    with pytest.raises(ValidationError):
        update_record(commune, ADMIN, "meeting", m.id, {"title": "Mới", "participants": 5, "women": 9})
    assert get_record(commune, ADMIN, "meeting", m.id).title == "Hội nghị"


def test_delete_leaves_a_tombstone_that_lists_do_not_show(commune):
    m = meeting(commune, "Hội nghị")
    gone = delete_record(commune, ADMIN, "meeting", m.id)
    assert gone.deleted and gone.revision == 2
    assert list_records(commune, ADMIN, "meeting").total == 0
    assert list_records(commune, ADMIN, "meeting", RecordQuery(include_deleted=True)).total == 1
    with pytest.raises(Refused):
        update_record(commune, ADMIN, "meeting", m.id, {"title": "x"})


def test_petition_takes_its_meeting_date_and_refuses_unknown_meeting(commune):
    m = meeting(commune, "Tiếp xúc cử tri", date="12/04/2023")
    p = add_record(commune, ADMIN, "petition", {"meeting_id": m.id, "type": "kien_nghi", "content": "Sửa đường",
                                                "field": "ha_tang", "status": "moi"})
    assert str(p.values["received_date"]) == "2023-04-12"
    with pytest.raises(ValidationError, match="Hội nghị: không tìm thấy bản ghi"):
        add_record(commune, ADMIN, "petition", {"meeting_id": "khong-co", "type": "y_kien", "content": "x",
                                                "field": "khac", "status": "moi", "received_date": "01/01/2023"})


def test_unit_outside_the_office_is_refused(commune, district):
    with pytest.raises(Refused, match="Không tìm thấy đơn vị"):
        meeting(commune, "Hội nghị", unit="Xã Bình Lư")


def test_roles_are_enforced_by_the_services(district):
    add_account(district, ADMIN, "canbo", PASSWORD, "can_bo")
    add_account(district, ADMIN, "vanthu", PASSWORD, "van_thu")
    canbo, vanthu = authenticate(district, "canbo", PASSWORD), authenticate(district, "vanthu", PASSWORD)
    own = meeting(district, "Hội nghị của huyện", actor=canbo)
    assert own.created_by == "canbo"
    with pytest.raises(PermissionDenied, match="do đơn vị đó gửi lên"):
        meeting(district, "Hội nghị của xã", unit="X1", actor=canbo)
    with pytest.raises(PermissionDenied, match="không có quyền nhập, sửa dữ liệu"):
        meeting(district, "Hội nghị", actor=vanthu)
    with pytest.raises(PermissionDenied, match="không có quyền xem dữ liệu tôn giáo"):
        list_records(district, canbo, "religious_site")
    assert list_records(district, vanthu, "meeting").total == 1


def test_passwords_are_slow_salted_hashes(commune):
    with commune.reader() as s:
        from danvan_desktop.store.schema import Account
        h = s.query(Account.password_hash).scalar()
    assert h.startswith("$argon2id$") and PASSWORD not in h
    with pytest.raises(AuthenticationFailed, match="Sai tên đăng nhập hoặc mật khẩu"):
        authenticate(commune, "admin", "sai")
    assert authenticate(commune, "admin", PASSWORD).role == "admin"


def test_every_change_is_audited_with_before_and_after(commune):
    m = meeting(commune, "Trước")
    update_record(commune, ADMIN, "meeting", m.id, {"title": "Sau"})
    delete_record(commune, ADMIN, "meeting", m.id)
    with commune.reader() as s:
        rows = s.query(AuditEntry).filter(AuditEntry.record_id == m.id).order_by(AuditEntry.id).all()
        assert [r.action for r in rows] == ["create", "update", "delete"]
        assert '"title":["Trước","Sau"]' in rows[1].detail
        assert verify_chain(s) == []
    with commune.transaction() as s:
        s.query(AuditEntry).filter(AuditEntry.id == rows[1].id).update({"username": "ke_gian"})
    with commune.reader() as s:
        assert verify_chain(s) == [f"Mục nhật ký số {rows[1].id} đã bị sửa"]


def test_sensitive_kinds_hidden_without_grant(commune):
    add_account(commune, ADMIN, "canbo2", PASSWORD, "can_bo", religion_access=True)
    allowed = authenticate(commune, "canbo2", PASSWORD)
    assert isinstance(allowed, Actor) and allowed.religion_access
    assert list_records(commune, allowed, "religious_check").total == 0


def test_record_history_lists_each_field_change(commune):
    from danvan_desktop.services.history import check_audit, list_audit, record_history

    m = meeting(commune, "Trước")
    update_record(commune, ADMIN, "meeting", m.id, {"title": "Sau", "participants": 12})
    h = record_history(commune, ADMIN, "meeting", m.id)
    assert [(c.action, c.field, c.before, c.after) for c in h] == [
        ("create", "", None, None), ("update", "Nội dung", "Trước", "Sau"),
        ("update", "Số người tham dự", None, 12)]
    assert {r.action for r in list_audit(commune, ADMIN, kind="meeting")} == {"create", "update"}
    assert list_audit(commune, ADMIN, username="khong-ai") == []
    assert check_audit(commune, ADMIN) == []
