"""The command line as a user types it: init, useradd, template, import, summary; Vietnamese refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from openpyxl import load_workbook

from tests import stores
from tests.stores import place


def fill_three_meetings(tpl) -> None:
    """Type three meetings (two in 2023, one in 2022) into the template's sheet "Hội nghị", as a clerk would."""
    wb = load_workbook(tpl)
    ws = wb["Hội nghị"]
    for row, (title, date, part) in enumerate([("Tiếp xúc cử tri", "05/02/2023", 120),
                                               ("Đối thoại về đất đai", "12/06/2023", 40),
                                               ("Tập huấn năm trước", "01/06/2022", 25)], start=3):
        for col, v in enumerate(["", "tiep_xuc_cu_tri", title, date, "", "", "", part, 10, 5], start=1):
            ws.cell(row, col, v)
    wb.save(tpl)


def danvan(*args, password="matkhau123", new_password=None):
    env = dict(os.environ, DANVAN_PASSWORD=password, PYTHONIOENCODING="utf-8")
    if new_password:
        env["DANVAN_NEW_PASSWORD"] = new_password
    return subprocess.run([sys.executable, "-m", "danvan_desktop", *args], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=120)


def init(db):
    return danvan("--db", str(db), "init", "--unit-code", "03424", "--unit-name", "Xã Bản Bo", "--level", "xa",
                  "--parent-code", "12", "--parent-name", "Tỉnh Lai Châu", "--parent-level", "tinh",
                  "--admin", "admin")


def test_init_template_import_summary_as_a_user_would(tmp_path):
    db, tpl = place(tmp_path, "x.db"), tmp_path / "mau.xlsx"
    r = init(db)
    assert r.returncode == 0, r.stderr
    assert "Đã khởi tạo cơ sở dữ liệu" in r.stdout
    assert danvan("--db", str(db), "template", "--out", str(tpl)).returncode == 0
    fill_three_meetings(tpl)
    r = danvan("--db", str(db), "--user", "admin", "import", str(tpl))
    assert r.returncode == 0, r.stderr
    assert "Đã nhập 3 bản ghi" in r.stdout
    r = danvan("--db", str(db), "--user", "admin", "summary", "--period", "2023", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["unit"], out["period"], out["from"], out["to"]) == ("03424", "2023", "2023-01-01", "2023-12-31")
    assert out["indicators"]["meetings.total"] == 2 and out["indicators"]["meetings.participants"] == 160
    assert out["indicators"]["models.awarded.ca_nhan"] == 0  # every key present, zeros included
    assert out["previous"]["period"] == "2022" and out["previous"]["indicators"]["meetings.total"] == 1
    assert out["previous"]["from"] == "2022-01-01"


def test_refusals_are_vietnamese_and_non_zero(tmp_path):
    db = place(tmp_path, "x.db")
    assert init(db).returncode == 0
    r = init(db)
    assert r.returncode == 1 and "đã được khởi tạo" in r.stderr
    r = danvan("--db", str(db), "--user", "admin", "summary", "--period", "2023-13", "--json")
    assert r.returncode == 1 and "Kỳ báo cáo “2023-13” không hợp lệ" in r.stderr
    r = danvan("--db", str(db), "--user", "admin", "summary", "--period", "2023", password="sai-roi")
    assert r.returncode == 1 and "Sai tên đăng nhập hoặc mật khẩu" in r.stderr
    if stores.on_server():  # a database the server does not have, and one it has but empty
        r = danvan("--db", str(db).rsplit("/", 1)[0] + "/khong_co", "--user", "admin", "summary", "--period", "2023")
        assert r.returncode == 1 and "Trên máy chủ chưa có cơ sở dữ liệu “khong_co”" in r.stderr
        r = danvan("--db", str(place(tmp_path, "trong.db")), "--user", "admin", "summary", "--period", "2023")
        assert r.returncode == 1 and "chưa được khởi tạo cho cơ quan nào" in r.stderr
    else:
        r = danvan("--db", str(place(tmp_path, "khong-co.db")), "--user", "admin", "summary", "--period", "2023")
        assert r.returncode == 1 and "Không tìm thấy cơ sở dữ liệu" in r.stderr
    r = danvan("--db", str(db), "summary", "--period", "2023")
    assert r.returncode == 1 and "--user" in r.stderr
    r = danvan("--db", str(db), "khong-co-lenh")
    assert r.returncode == 2 and "lựa chọn không hợp lệ" in r.stderr


def test_useradd_creates_an_account_that_can_sign_in(tmp_path):
    db = place(tmp_path, "x.db")
    assert init(db).returncode == 0
    r = danvan("--db", str(db), "--user", "admin", "useradd", "hoa", "--role", "van_thu", new_password="hoa12345")
    assert r.returncode == 0 and "Đã tạo tài khoản “hoa” (Văn thư)" in r.stdout
    r = danvan("--db", str(db), "--user", "hoa", "summary", "--period", "2023", password="hoa12345")
    assert r.returncode == 0, r.stderr
    r = danvan("--db", str(db), "--user", "hoa", "useradd", "x", "--role", "admin", password="hoa12345",
               new_password="abcdefgh")
    assert r.returncode == 1 and "không có quyền quản trị" in r.stderr
