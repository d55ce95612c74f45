"""The composed report (SPEC §5.1): written in the program, kept as edited, issued as Word and PDF, read back."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.report_issue import issue_report
from danvan_desktop.services import reports
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.errors import PermissionDenied, Refused
from danvan_desktop.services.records import add_record
from danvan_desktop.store.database import Database
from tests.conftest import ADMIN

YEAR = parse_period("2026")
MAY = parse_period("2026-05")
CLERK = Actor("vanthu", "van_thu", "Đèo Thị Mai")
CADRE = Actor("canbo", "can_bo", "Lò Thị Hoa")
LONG = ("Năm 2026, tình hình kinh tế - xã hội trên địa bàn xã Bản Bo tiếp tục ổn định; đời sống vật chất, tinh thần "
        "của Nhân dân các dân tộc được nâng lên. Đồng bào Mông, Dao, Thái ở các bản vùng cao tích cực hưởng ứng "
        "phong trào “Dân vận khéo”, hiến đất làm đường, xóa nhà tạm, nhà dột nát.")
needs_soffice = pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                                   reason="needs LibreOffice (soffice) and poppler (pdftotext)")


def meeting(db: Database, day: date, organizer: str, people: int, kind: str = "tiep_xuc_cu_tri",
            unit: str | None = None) -> None:
    """One meeting through the records service."""
    add_record(db, ADMIN, "meeting", {"kind": kind, "title": f"Hội nghị ngày {day:%d/%m}", "date": day,
                                      "organizer": organizer, "participants": people, "women": people // 3},
               unit=unit)


@pytest.fixture
def office(commune: Database) -> Database:
    """Xã Bản Bo with meetings in 2026 and 2025, and a model awarded in May 2026."""
    for d, org, n in ((date(2026, 5, 6), "ubnd", 120), (date(2026, 5, 15), "mttq", 80),
                      (date(2026, 3, 2), "cap_uy", 60), (date(2025, 5, 8), "ubnd", 100)):
        meeting(commune, d, org, n, unit="03424-01")
    add_record(commune, ADMIN, "model", {"registrant_kind": "tap_the", "registrant": "Chi hội Phụ nữ bản Nà Khum",
                                         "name": "Nuôi ong lấy mật", "field": "kinh_te",
                                         "registered_date": date(2026, 2, 1), "status": "cong_nhan",
                                         "award": "Giấy khen của UBND xã", "award_date": date(2026, 5, 20)})
    return commune


def read_docx(path: Path) -> docx.document.Document:
    """The .docx as python-docx (a person's Word) reads it."""
    return docx.Document(str(path))


def all_text(d: Any) -> str:
    """Every paragraph of the body and of the tables, in order."""
    out = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            for cell in row.cells:
                out += [p.text for p in cell.paragraphs]
    return "\n".join(out)


def test_header_fields_headings_own_text_and_figures_read_back_from_the_docx(office: Database,
                                                                            tmp_path: Path) -> None:
    reports.set_fields(office, CLERK, YEAR, {"number": "03-BC/ĐU", "date": "2026-02-05", "place": "Bản Bo",
                                             "signer_name": "Lò Văn Thành",
                                             "recipients": "Ban Dân vận Tỉnh ủy\nLưu VP"})
    reports.save_section(office, CLERK, YEAR, "thuan_loi", own=LONG)
    out = tmp_path / "bao-cao.docx"
    info, changes = issue_report(office, CLERK, YEAR, "docx", out)
    assert changes.reports and info.issue_no == 1 and info.number == "03-BC/ĐU"
    d = read_docx(out)
    header = d.tables[0]
    left, right = header.rows[0].cells[0].text, header.rows[0].cells[1].text
    assert "ĐẢNG ỦY XÃ BẢN BO" in left and "*" in left and "ĐẢNG CỘNG SẢN VIỆT NAM" in right
    assert header.rows[1].cells[0].text == "Số 03-BC/ĐU"
    assert header.rows[1].cells[1].text == "Bản Bo, ngày 05 tháng 02 năm 2026"
    texts = [p.text for p in d.paragraphs]
    assert "BÁO CÁO" in texts and "kết quả công tác dân vận năm 2026" in texts
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("DV ") and p.style.name != "DV Body"]
    assert headings[:4] == ["Phần thứ nhất\nKẾT QUẢ CÔNG TÁC DÂN VẬN NĂM 2026", "I. ĐẶC ĐIỂM TÌNH HÌNH",
                            "1. Thuận lợi", "2. Khó khăn"]
    assert headings[-1] == "Phần thứ hai\nPHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2027"
    assert texts[texts.index("1. Thuận lợi") + 1] == LONG  # the clerk's text, verbatim
    body = "\n".join(texts)
    assert "Năm 2026, các cấp ủy, chính quyền, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội đã tổ chức 03 hội " \
           "nghị, tiếp xúc, đối thoại, thu hút 260 lượt người tham dự" in body
    assert "Chi hội Phụ nữ bản Nà Khum với mô hình “Nuôi ong lấy mật” (Giấy khen của UBND xã)" in body  # awarded
    assert "được công nhận điển hình “Dân vận khéo”: “Nuôi ong lấy mật” của Chi hội Phụ nữ bản Nà Khum." in body
    closing = all_text(d)
    assert "- Ban Dân vận Tỉnh ủy," in closing and "- Lưu VP." in closing and "Lò Văn Thành" in closing


def test_page_margins_fonts_and_page_field_follow_the_party_layout(office: Database, tmp_path: Path) -> None:
    out = tmp_path / "bc.docx"
    issue_report(office, ADMIN, YEAR, "docx", out)
    d = read_docx(out)
    sec = d.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == \
        [20, 20, 30, 15]
    assert sec.different_first_page_header_footer
    assert "PAGE" in "".join(sec.header._element.itertext())
    for name in ("Normal", "DV Body", "DV Heading 1", "DV Table"):
        fonts = d.styles[name].element.rPr.find(qn("w:rFonts"))
        assert {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "cs", "eastAsia")} == {"Times New Roman"}, name
    body = d.styles["DV Body"]
    assert body.paragraph_format.alignment == 3  # justified
    assert Mm(10) <= body.paragraph_format.first_line_indent <= Mm(12.8)
    assert d.styles["Normal"].font.size.pt == 14
    # Phụ lục: real tables whose header row repeats on each page, numbers right-aligned.
    appendix = d.tables[-1]
    assert appendix.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert appendix.rows[1].cells[2].paragraphs[0].alignment == 2


@needs_soffice
def test_libreoffice_converts_the_docx_and_pdftotext_finds_header_title_and_figures(office: Database,
                                                                                   tmp_path: Path) -> None:
    reports.set_fields(office, ADMIN, YEAR, {"number": "07-BC/ĐU", "date": "2026-11-14"})
    out = tmp_path / "bc.docx"
    issue_report(office, ADMIN, YEAR, "docx", out)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "bc.pdf"
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                                              capture_output=True).stdout.decode())
    for expected in ("ĐẢNG BỘ TỈNH LAI CHÂU", "ĐẢNG ỦY XÃ BẢN BO", "ĐẢNG CỘNG SẢN VIỆT NAM", "Số 07-BC/ĐU",
                     "Bản Bo, ngày 14 tháng 11 năm 2026", "BÁO CÁO", "kết quả công tác dân vận năm 2026",
                     "thu hút 260 lượt người tham dự", "T/M ĐẢNG ỦY"):
        assert expected in text, expected


def test_the_pdf_is_made_from_the_same_document_and_says_the_same_words(office: Database, tmp_path: Path) -> None:
    if not shutil.which("pdftotext"):
        pytest.skip("needs poppler")
    reports.save_section(office, ADMIN, YEAR, "kho_khan", own=LONG)
    issue_report(office, ADMIN, YEAR, "pdf", tmp_path / "bc.pdf")
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "bc.pdf"), "-"],
                                              check=True, capture_output=True).stdout.decode())
    assert re.sub(r"\s+", " ", LONG) in text
    assert "2. Khó khăn" in text and "ngày … tháng … năm …" in text  # no date set: a blank day to fill in


def test_an_edited_paragraph_stays_edited_and_changed_figures_are_marked(office: Database) -> None:
    before = reports.compose(office, ADMIN, YEAR).section("chinh_quyen").generated
    assert "đã tổ chức 01 hội nghị" in before
    edited = before.replace("Năm 2026,", "Năm 2026, bám sát cơ sở,")
    reports.save_section(office, ADMIN, YEAR, "chinh_quyen", generated=edited)
    meeting(office, date(2026, 6, 1), "ubnd", 40)  # the records change afterwards
    doc = reports.compose(office, ADMIN, YEAR)
    sec = doc.section("chinh_quyen")
    assert sec.generated == edited and sec.edited
    stale = {s.key: (s.stated, s.now) for s in sec.stale}
    assert stale["meetings.by_organizer.ubnd"] == (1, 2)
    reports.regenerate(office, ADMIN, YEAR)  # regenerating everything leaves the edited paragraph alone
    assert reports.compose(office, ADMIN, YEAR).section("chinh_quyen").generated == edited
    lead = reports.compose(office, ADMIN, YEAR).section("he_thong_chinh_tri")
    assert "04 hội nghị" in lead.generated and lead.stale == ()  # an unedited one was written again
    reports.regenerate(office, ADMIN, YEAR, ["chinh_quyen"])  # asked for by name: replaced
    again = reports.compose(office, ADMIN, YEAR).section("chinh_quyen")
    assert not again.edited and again.stale == () and "bám sát cơ sở" not in again.generated


def test_the_issued_copy_stays_as_issued_after_later_edits(office: Database, tmp_path: Path) -> None:
    reports.set_fields(office, ADMIN, YEAR, {"number": "03-BC/ĐU"})
    reports.save_section(office, ADMIN, YEAR, "uu_diem", own="Bản gốc.")
    first, _ = issue_report(office, ADMIN, YEAR, "docx", tmp_path / "lan1.docx")
    reports.save_section(office, ADMIN, YEAR, "uu_diem", own="Đã sửa sau khi phát hành.")
    reports.set_fields(office, ADMIN, YEAR, {"number": "04-BC/ĐU"})
    meeting(office, date(2026, 7, 1), "mttq", 10)
    kept = reports.open_issue(office, ADMIN, first.id)
    assert kept.section("uu_diem").own == "Bản gốc." and kept.fields.number == "03-BC/ĐU"
    assert "03 hội nghị" in kept.section("he_thong_chinh_tri").generated
    second, _ = issue_report(office, ADMIN, YEAR, "docx", tmp_path / "lan2.docx")  # a correction: a new issue
    assert second.issue_no == 2
    pdf, _ = issue_report(office, ADMIN, YEAR, "pdf", tmp_path / "lan2.pdf")  # the same words as PDF: same issue
    assert pdf.issue_no == 2
    assert [(i.issue_no, i.format) for i in reports.list_issues(office, ADMIN, YEAR)] == [
        (2, "pdf"), (2, "docx"), (1, "docx")]
    assert [(i.issue_no, i.number) for i in reports.list_issues(office, ADMIN, YEAR)] == [
        (2, "04-BC/ĐU"), (2, "04-BC/ĐU"), (1, "03-BC/ĐU")]
    assert "Bản gốc." in all_text(read_docx(tmp_path / "lan1.docx"))


def test_a_month_report_says_trong_thang_and_never_states_a_change_without_last_year(commune: Database) -> None:
    meeting(commune, date(2026, 5, 6), "ubnd", 30)
    meeting(commune, date(2026, 5, 7), "ubnd", 30)
    doc = reports.compose(commune, ADMIN, MAY)
    text = "\n".join(s.generated for s in doc.sections)
    assert [s.key for s in doc.sections if s.writable][:2] == ["ket_qua", "cap_uy"]
    assert "Trong tháng" in text and "trong kỳ" not in text.lower()
    assert "02 hội nghị" in text  # two-digit small counts
    assert "tăng" not in text and "giảm" not in text
    assert "chưa có số liệu cùng kỳ năm 2025 để so sánh" in text
    # No self-contradiction: nothing registered, so nothing is said of "models registered in the month".
    assert "không có tập thể, cá nhân đăng ký mới" in text and "Trong số mô hình đăng ký" not in text


def test_unknown_section_or_field_is_refused_listing_the_valid_ones_and_changes_nothing(office: Database) -> None:
    with pytest.raises(Refused, match="Các mục hợp lệ: thuan_loi, kho_khan"):
        reports.save_section(office, ADMIN, YEAR, "thuanloi", own="x")
    with pytest.raises(Refused, match="Các trường hợp lệ: number, place, date"):
        reports.set_fields(office, ADMIN, YEAR, {"number": "01-BC/ĐU", "ngay": "2026-01-01"})
    with pytest.raises(Refused, match="Ngày ban hành: “31/02/2026” không phải là ngày"):
        reports.set_fields(office, ADMIN, YEAR, {"number": "01-BC/ĐU", "date": "31/02/2026"})
    doc = reports.compose(office, ADMIN, YEAR)
    assert doc.revision == 0 and doc.fields.number == "-BC/ĐU"  # no draft was even created


def test_a_clerk_sets_number_and_date_a_cadre_composes_only_the_home_unit(office: Database) -> None:
    reports.set_fields(office, CLERK, YEAR, {"number": "09-BC/ĐU", "date": ""})
    assert reports.compose(office, CLERK, YEAR).fields.number == "09-BC/ĐU"
    reports.save_section(office, CADRE, YEAR, "kho_khan", own="Giao thông khó khăn.")
    with pytest.raises(PermissionDenied, match="chỉ lập báo cáo của Xã Bản Bo"):
        reports.save_section(office, CADRE, YEAR, "kho_khan", own="x", unit_code="03424-01")


def test_religious_figures_are_left_out_for_an_account_without_the_right(office: Database) -> None:
    add_record(office, ADMIN, "religious_site", {"name": "Điểm nhóm Tin lành bản Nà Khum", "religion": "tin_lanh",
                                                 "registration": "da_dang_ky", "followers": 120, "households": 30})
    seen = reports.compose(office, ADMIN, YEAR)
    hidden = reports.compose(office, CLERK, YEAR)
    assert "120 tín đồ" in seen.section("ton_giao").generated
    assert hidden.section("ton_giao").generated == "" and not hidden.section("ton_giao").writable
    with pytest.raises(Refused, match="Không có mục “ton_giao”"):
        reports.save_section(office, CLERK, YEAR, "ton_giao", own="x")
    reports.save_section(office, CLERK, YEAR, "kho_khan", own="Đường sá khó khăn.")  # the clerk's draft first
    assert reports.compose(office, ADMIN, YEAR).section("ton_giao").writable  # still the admin's to write
    with office.transaction() as s:
        from danvan_desktop.services.units import unit_by_code

        reports.store_child_texts(s, unit_by_code(s, "03424-01"), YEAR.code,
                                  [("ton_giao", "6. Công tác tôn giáo", "Bản Nà Khum có 1 điểm nhóm Tin lành.")], None)
    assert "ton_giao" in reports.child_texts(office, ADMIN, YEAR)
    assert "ton_giao" not in reports.child_texts(office, CLERK, YEAR)
    assert all("tôn giáo" not in " ".join(r) for t in hidden.appendices for r in t.rows)


def test_an_office_adapts_headings_and_order_as_data(office: Database) -> None:
    from danvan_desktop.services.settings import save_settings

    save_settings(office, ADMIN, {reports.STRUCTURE_SETTING: {"short": [
        {"key": "ket_qua", "heading": "I- KẾT QUẢ THỰC HIỆN {KY}", "level": 1, "actor": "tong_quat"},
        {"key": "ton_tai", "heading": "II- TỒN TẠI", "level": 1},
        {"key": "de_xuat", "heading": "III- ĐỀ XUẤT, KIẾN NGHỊ", "level": 1},
        {"key": "nhiem_vu", "heading": "IV- NHIỆM VỤ {KY_SAU}", "level": 1}]}})
    doc = reports.compose(office, ADMIN, MAY)
    assert [s.heading for s in doc.sections] == ["I- KẾT QUẢ THỰC HIỆN THÁNG 5 NĂM 2026", "II- TỒN TẠI",
                                                 "III- ĐỀ XUẤT, KIẾN NGHỊ", "IV- NHIỆM VỤ THÁNG 6 NĂM 2026"]
    assert "Trong tháng" in doc.section("ket_qua").generated
    reports.save_section(office, ADMIN, MAY, "de_xuat", own="Đề nghị hỗ trợ kinh phí sửa đường.")
    assert reports.compose(office, ADMIN, MAY).section("de_xuat").own == "Đề nghị hỗ trợ kinh phí sửa đường."
    assert reports.compose(office, ADMIN, YEAR).sections[0].key == "phan_thu_nhat"  # the year form unchanged
