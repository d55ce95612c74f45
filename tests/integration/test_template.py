"""The entry template: labels and keys, drop-downs; import of every row or none, errors by sheet/row/column."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from danvan_desktop.exchange.template import SHEET_TITLES, TemplateRejected, import_template, write_template
from danvan_desktop.services.records import count_by_kind, list_records
from tests.conftest import ADMIN


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "mau.xlsx"
    write_template(path)
    return path


def put(ws, row, values):
    for col, v in enumerate(values, start=1):
        ws.cell(row, col, v)


def test_template_has_labels_keys_and_dropdowns(template):
    wb = load_workbook(template)
    assert set(SHEET_TITLES.values()) <= set(wb.sheetnames)
    ws = wb["Hội nghị"]
    assert [c.value for c in ws[1]][:4] == ["Đơn vị", "Loại hội nghị *", "Nội dung *", "Ngày *"]
    assert [c.value for c in ws[2]][:4] == ["unit", "kind", "title", "date"]
    assert any("B3" in str(dv.sqref) for dv in ws.data_validations.dataValidation)
    assert wb["Danh mục"].sheet_state == "hidden"


def test_good_file_imports_every_row_with_links_by_row(commune, template):
    wb = load_workbook(template)
    put(wb["Hội nghị"], 3, ["Bản Nà Khum", "Tiếp xúc cử tri", "Tiếp xúc cử tri quý I", dt.datetime(2023, 3, 2),
                           "Nhà văn hóa", "HĐND", "Lò Văn Minh", 80, 30, 60])
    put(wb["Ý kiến, kiến nghị"], 3, ["", 3, "Kiến nghị", None, "Sửa đường liên bản", "ha_tang", "UBND xã",
                                     "30/04/2023", "Mới tiếp nhận"])
    put(wb["Mô hình Dân vận khéo"], 3, ["03424", "Cá nhân", "Lò Thị Hoa", "Hội LHPN", "Nuôi cá lồng",
                                        "Kinh tế", "01/02/2023"])
    ws = wb["Mô hình Dân vận khéo"]
    ws.cell(3, [c.value for c in ws[2]].index("status") + 1, "Đã đăng ký")
    wb.save(template)
    result = import_template(commune, ADMIN, template)
    assert result.counts == {"meeting": 1, "petition": 1, "model": 1}
    p = list_records(commune, ADMIN, "petition").rows[0]
    m = list_records(commune, ADMIN, "meeting").rows[0]
    assert p.values["meeting_id"] == m.id and p.values["received_date"] == dt.date(2023, 3, 2)
    assert m.unit_name == "Bản Nà Khum" and m.values["organizer"] == "hdnd"


def test_three_bad_rows_are_all_reported_and_nothing_is_imported(commune, template):
    wb = load_workbook(template)
    ws = wb["Hội nghị"]
    put(ws, 3, ["", "Tiếp xúc cử tri", "Hội nghị tốt", "01/02/2023", "", "", "", 10, 5, 5])
    put(ws, 4, ["", "Tiếp xúc cử tri", "Hội nghị sai ngày", "31/02/2023"])
    put(ws, 5, ["", "Tiếp xúc cử tri", "Nữ nhiều hơn", "01/02/2023", "", "", "", 10, 11, 0])
    put(wb["Giám sát, kiểm tra"], 3, ["Xã Không Có", "Giám sát", "Giám sát hộ nghèo", "", "", "01/02/2023"])
    ws2 = wb["Giám sát, kiểm tra"]
    ws2.cell(3, [c.value for c in ws2[2]].index("follow_up") + 1, "khong_co")
    wb.save(template)
    with pytest.raises(TemplateRejected) as e:
        import_template(commune, ADMIN, template)
    assert e.value.errors == [
        "Trang “Hội nghị”, dòng 4, cột D: Ngày không phải là ngày hợp lệ: “31/02/2023” (nhập theo dạng "
        "ngày/tháng/năm, ví dụ 05/02/2026)",
        "Trang “Hội nghị”, dòng 5, cột I: Trong đó nữ không được lớn hơn Số người tham dự",
        "Trang “Giám sát, kiểm tra”, dòng 3, cột A: Đơn vị: Không tìm thấy đơn vị “Xã Không Có” trong phạm vi "
        "của “Xã Bản Bo”.",
    ]
    assert "có 3 lỗi; chưa nhập dòng nào" in str(e.value)
    assert sum(count_by_kind(commune, ADMIN).values()) == 0


def test_not_an_excel_file_is_refused_plainly(commune, tmp_path):
    fake = tmp_path / "bao-cao.xlsx"
    fake.write_text("đây không phải Excel")
    with pytest.raises(TemplateRejected, match="không phải tệp Excel"):
        import_template(commune, ADMIN, fake)


def test_edited_key_row_is_refused(commune, template):
    wb = load_workbook(template)
    wb["Hội nghị"]["C2"] = "tieu_de"
    wb.save(template)
    with pytest.raises(TemplateRejected) as e:
        import_template(commune, ADMIN, template)
    assert "Trang “Hội nghị”, dòng 2, cột C: mã cột “tieu_de” không có trong mẫu" in e.value.errors


def test_a_line_break_excel_writes_as_x000d_is_read_as_excel_shows_it_not_stored_literally(commune, template):
    # Excel stores a carriage return in a cell as the escape "_x000D_"; openpyxl keeps it literally.
    wb = load_workbook(template)
    put(wb["Hội nghị"], 3, ["", "Tiếp xúc cử tri", "Họp dân_x000D_\nbản Nà Khum", dt.datetime(2023, 3, 2),
                           "Nhà văn hóa", "HĐND", "Lò Văn Minh", 80, 30, 60])
    wb.save(template)
    import_template(commune, ADMIN, template)
    m = list_records(commune, ADMIN, "meeting").rows[0]
    assert m.values["title"] == "Họp dân bản Nà Khum"  # one-line field: the break becomes a space
