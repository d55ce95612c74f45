"""Issue 11 item 9, as the attacks: religious figures reached without the religion right.

The right is per account and enforced for every role (SPEC §7): a tong_hop account created without it, or
whose grant an admin withdrew, and a van_thu without it get no religious record or figure through the
summary command, the PDF report, a package or a merge. A village with one site makes every figure of it
identify that site, so no religious figure at all reaches such an account.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from danvan_desktop.domain.indicators import SENSITIVE_KEYS
from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.package import export_package
from danvan_desktop.exchange.report import export_report
from danvan_desktop.services.accounts import add_account, authenticate, update_account
from danvan_desktop.services.errors import PermissionDenied
from danvan_desktop.services.merge import apply_package
from danvan_desktop.services.records import add_record, list_records
from danvan_desktop.services.summary import children_figures, summarize
from tests.conftest import ADMIN, PASSWORD
from tests.integration.test_cli import danvan
from tests.integration.test_package_support import DISTRICT, PROVINCE, commune, office
from tests.stores import place

Y2025 = parse_period("2025")


@pytest.fixture
def banbo(commune):
    """Xã Bản Bo with one site in Bản Nà Khum (so its figures identify it) and a check finding a violation."""
    site = add_record(commune, ADMIN, "religious_site", {
        "name": "Điểm nhóm Tin lành bản Nà Khum", "religion": "tin_lanh", "registration": "chua_dang_ky",
        "followers": 173, "households": 31}, unit="03424-01")
    add_record(commune, ADMIN, "religious_check", {
        "date": dt.date(2025, 3, 12), "site_id": site.id, "content": "Kiểm tra sinh hoạt",
        "result": "vi_pham", "violations": "Sinh hoạt trái phép"}, unit="03424-01")
    add_record(commune, ADMIN, "meeting", {"kind": "khac", "title": "Giao ban", "date": dt.date(2025, 3, 1),
                                           "participants": 12})
    add_account(commune, ADMIN, "tonghop", PASSWORD, "tong_hop")
    add_account(commune, ADMIN, "vanthu", PASSWORD, "van_thu")
    return commune


def test_a_tong_hop_account_without_the_grant_sees_no_religious_record_or_figure(banbo):
    th = authenticate(banbo, "tonghop", PASSWORD)
    with pytest.raises(PermissionDenied, match="không có quyền xem dữ liệu tôn giáo"):
        list_records(banbo, th, "religious_site")
    s = summarize(banbo, th, Y2025)
    assert not SENSITIVE_KEYS & set(s.current.indicators) and not SENSITIVE_KEYS & set(s.previous.indicators)
    assert s.current.indicators["meetings.total"] == 1
    for _, fig in children_figures(banbo, th, Y2025):
        assert not SENSITIVE_KEYS & set(fig.indicators)


def test_an_admin_can_withhold_the_right_from_a_tong_hop_account(banbo):
    update_account(banbo, ADMIN, "tonghop", religion_access=True)
    granted = authenticate(banbo, "tonghop", PASSWORD)
    assert summarize(banbo, granted, Y2025).current.indicators["religious_sites.followers"] == 173
    update_account(banbo, ADMIN, "tonghop", religion_access=False)
    withheld = authenticate(banbo, "tonghop", PASSWORD)
    assert "religious_sites.followers" not in summarize(banbo, withheld, Y2025).current.indicators
    with pytest.raises(PermissionDenied):
        list_records(banbo, withheld, "religious_check")


def test_an_admin_account_needs_the_grant_too():
    from danvan_desktop.domain.roles import Action
    from danvan_desktop.services.actor import Actor

    assert not Actor("qt2", "admin").can(Action.RELIGION)
    assert Actor("qt2", "admin", religion_access=True).can(Action.RELIGION)


@pytest.mark.parametrize("user", ["vanthu", "tonghop"])
def test_summary_command_prints_no_religious_figure_without_the_right(banbo, user):
    banbo.close()
    out = danvan("--db", str(banbo.path), "--user", user, "summary", "--period", "2025", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in SENSITIVE_KEYS:  # every key present (SPEC §8), none with a number
        assert data["indicators"][key] is None and data["previous"]["indicators"][key] is None
    assert data["withheld"] == ["religious_checks", "religious_sites"]
    assert data["indicators"]["meetings.total"] == 1
    text = danvan("--db", str(banbo.path), "--user", user, "summary", "--period", "2025").stdout
    assert "173" not in text and "tín đồ" not in text.lower() and "không có quyền xem dữ liệu tôn giáo" in text
    admin = json.loads(danvan("--db", str(banbo.path), "--user", "admin", "summary", "--period", "2025",
                              "--json").stdout)
    assert admin["indicators"]["religious_sites.followers"] == 173 and "withheld" not in admin


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
def test_the_pdf_a_van_thu_prints_without_the_right_has_no_religious_figure(banbo, tmp_path):
    from tests.integration.test_pdf_report import pdf_text, squeeze

    vt = authenticate(banbo, "vanthu", PASSWORD)
    export_report(banbo, vt, Y2025, tmp_path / "vt.pdf")
    export_report(banbo, ADMIN, Y2025, tmp_path / "qt.pdf")
    withheld, full = squeeze(pdf_text(tmp_path / "vt.pdf")), squeeze(pdf_text(tmp_path / "qt.pdf"))
    assert "173" in full and "vi phạm" in full.lower()  # the same report with the right states them
    assert "173" not in withheld and "tín đồ" not in withheld and "vi phạm" not in withheld.lower()
    assert "điểm nhóm" not in withheld.lower()
    assert "không có quyền xem dữ liệu tôn giáo" in withheld
    assert "Hội nghị, tiếp xúc, đối thoại" in withheld  # the rest of the report is still there


def test_packages_with_religious_records_are_neither_exported_nor_merged_without_the_right(tmp_path):
    x1 = commune(tmp_path, "X1")
    add_record(x1, ADMIN, "religious_site", {"name": "Chùa bản", "religion": "phat_giao",
                                             "registration": "da_dang_ky", "followers": 40}, unit="X1-01")
    add_account(x1, ADMIN, "tonghop", PASSWORD, "tong_hop")
    with pytest.raises(PermissionDenied, match="tôn giáo"):
        export_package(x1, authenticate(x1, "tonghop", PASSWORD), Y2025, tmp_path / "no.xlsx")
    export_package(x1, ADMIN, Y2025, tmp_path / "x1.xlsx")
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    add_account(district, ADMIN, "tonghop", PASSWORD, "tong_hop")
    th = authenticate(district, "tonghop", PASSWORD)
    try:
        r = apply_package(district, th, tmp_path / "x1.xlsx")
        assert not r.ok
    except PermissionDenied as e:
        assert "tôn giáo" in str(e)
    assert list_records(district, ADMIN, "religious_site").total == 0
    x1.close()
    district.close()
