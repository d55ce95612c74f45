"""The exported report read back with poppler: header blocks, sentences with figures and comparison, tables."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from danvan_desktop.domain.kinds import KIND_BY_KEY
from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.pdf_report import Table
from danvan_desktop.exchange.report import UNIT_COLUMNS, build_report, export_report, save_report_settings
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.demo import build_demo
from danvan_desktop.services.records import add_record, delete_record, insert_new
from danvan_desktop.services.setup import UnitSpec, init_office
from danvan_desktop.services.summary import children_figures, summarize
from danvan_desktop.services.units import add_unit, create_unit, home
from danvan_desktop.store.database import Database
from tests.conftest import ADMIN, PASSWORD
from tests.stores import place

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo")),
    reason="needs poppler-utils (pdftotext, pdffonts, pdfinfo)",
)

MAY_2026 = parse_period("2026-05")
ISSUED = date(2026, 6, 5)
# View and print only; granted the religion right, so the report states the religious figures (SPEC §7).
CLERK = Actor("vanthu", "van_thu", "Đèo Thị Mai", religion_access=True)


def run(*args: str | Path) -> str:
    """Run a poppler tool and return its standard output as text."""
    return subprocess.run([str(a) for a in args], capture_output=True, check=True).stdout.decode("utf-8")


def pdf_text(pdf: Path, layout: bool = True) -> str:
    """Text of a PDF as pdftotext gives it (pages separated by form feeds)."""
    return run("pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", pdf, "-")


def squeeze(text: str) -> str:
    """Collapse runs of whitespace (and the no-break spaces of a blank number) so wrapped lines read as one."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def pages_of(pdf: Path) -> int:
    """Page count as pdfinfo reads it."""
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", pdf), re.M).group(1))  # type: ignore[union-attr]


def add(db: Database, record_kind: str, unit: str | None = None, /, **values: Any) -> str:
    """Add one record through the service and return its id."""
    return add_record(db, ADMIN, record_kind, values, unit=unit).id


def meeting(db: Database, day: date, kind: str, participants: int, women: int = 0, ethnic: int = 0,
            unit: str | None = None) -> str:
    """A meeting with its head counts."""
    return add(db, "meeting", unit, kind=kind, title=f"Hội nghị {kind} ngày {day:%d/%m}", date=day,
               participants=participants, women=women, ethnic_minority=ethnic)


@pytest.fixture
def may_office(commune: Database) -> Database:
    """Xã Bản Bo with figures chosen by hand for May 2026 and May 2025 (the comparison)."""
    db = commune
    # May 2026: 3 meetings, 1.858 people, 732 women (39,4%), 700 of ethnic minorities (37,7%).
    meeting(db, date(2026, 5, 6), "tiep_xuc_cu_tri", 1000, 400, 700, unit="03424-01")
    meeting(db, date(2026, 5, 15), "doi_thoai", 858, 332, 0, unit="Bản Đông Pao")
    meeting(db, date(2026, 5, 20), "tuyen_truyen", 0)
    gone = meeting(db, date(2026, 5, 21), "tap_huan", 5000, 10)  # deleted: never counts
    delete_record(db, ADMIN, "meeting", gone)
    # May 2025: 5 meetings, 1.000 people.
    for d in range(1, 6):
        meeting(db, date(2025, 5, d), "giao_ban", 200, 50)
    # Petitions: 4 received in May 2026, 3 answered (75,0%); one past its deadline.
    for day, typ, field in ((6, "kien_nghi", "dat_dai"), (6, "kien_nghi", "dat_dai"), (15, "y_kien", "ha_tang")):
        add(db, "petition", type=typ, received_date=date(2026, 5, day), content="Đề nghị cấp giấy chứng nhận",
            field=field, status="da_giai_quyet", deadline=date(2026, 6, 5), resolved_date=date(2026, 5, 28))
    add(db, "petition", type="kien_nghi", received_date=date(2026, 5, 2), content="Đường liên bản xuống cấp",
        field="khac", status="moi", deadline=date(2026, 5, 20))
    # May 2025: 2 petitions, 1 answered (50,0%); the other is still overdue a year later.
    add(db, "petition", type="kien_nghi", received_date=date(2025, 5, 3), content="Kéo điện lưới về bản",
        field="ha_tang", status="moi", deadline=date(2025, 5, 25))
    add(db, "petition", type="y_kien", received_date=date(2025, 5, 10), content="Hỏi chính sách hộ nghèo",
        field="chinh_sach", status="da_giai_quyet", resolved_date=date(2025, 5, 12))
    # Monitoring: none this May, two a year before.
    for day in (4, 18):
        add(db, "monitoring", kind="giam_sat", topic="Giám sát chính sách hỗ trợ hộ nghèo",
            start_date=date(2025, 5, day), follow_up="da")
    # Religion: the registry (2 sites, 1.400 followers) and one check in each May.
    add(db, "religious_site", name="Chi hội Tin lành Bản Bo", religion="tin_lanh",
        registration="duoc_cong_nhan", followers=1250, households=300)
    add(db, "religious_site", "03424-02", name="Điểm nhóm Tin lành bản Đông Pao", religion="tin_lanh",
        registration="da_dang_ky", followers=150, households=30)
    add(db, "religious_check", date=date(2026, 5, 12), content="Kiểm tra sinh hoạt tôn giáo", result="vi_pham",
        violations="Sinh hoạt tại địa điểm chưa đăng ký")
    add(db, "religious_check", date=date(2025, 5, 8), content="Kiểm tra sinh hoạt tôn giáo",
        result="chap_hanh_tot")
    # "Dân vận khéo": 3 collectives and 2 individuals in May 2026; 1 and 2 a year before.
    for i, kind in enumerate(("tap_the", "tap_the", "tap_the", "ca_nhan", "ca_nhan")):
        extra: dict[str, Any] = {}
        if i == 0:
            extra = {"status": "cong_nhan", "award": "Giấy khen của UBND xã", "award_date": date(2026, 5, 30)}
        add(db, "model", registrant_kind=kind, registrant=f"Chi hội Nông dân bản Nà Khum {i}",
            name="Liên kết trồng chè theo chuỗi giá trị", field="kinh_te", registered_date=date(2026, 5, 10),
            **({"status": "dang_ky"} | extra))
    for kind in ("tap_the", "ca_nhan", "ca_nhan"):
        add(db, "model", registrant_kind=kind, registrant="Lò Văn Minh", name="Bản văn hóa không có ma túy",
            field="van_hoa_xa_hoi", registered_date=date(2025, 5, 10), status="dang_ky")
    save_report_settings(db, ADMIN, {"number": "07-BC/ĐU", "signer_name": "Lò Văn Thành"})
    return db


@pytest.fixture
def may_pdf(may_office: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The May 2026 report of the hand-made commune, exported as a clerk (van_thu) would."""
    import danvan_desktop.exchange.report as report

    class Today(date):
        @classmethod
        def today(cls) -> Today:
            return cls(ISSUED.year, ISSUED.month, ISSUED.day)

    monkeypatch.setattr(report, "date", Today)  # export_report dates the report today
    out = tmp_path / "bao-cao-thang-5.pdf"
    assert export_report(may_office, CLERK, MAY_2026, out) == pages_of(out)
    return out


def test_party_header_blocks_come_back(may_pdf: Path) -> None:
    text = pdf_text(may_pdf)
    lines = text.splitlines()
    assert any("ĐẢNG BỘ TỈNH LAI CHÂU" in ln and "ĐẢNG CỘNG SẢN VIỆT NAM" in ln for ln in lines)
    assert "ĐẢNG ỦY XÃ BẢN BO" in text
    assert [ln.strip() for ln in lines if ln.strip() == "*"] == ["*"]
    assert any("Số 07-BC/ĐU" in ln and "Bản Bo, ngày 05 tháng 6 năm 2026" in ln for ln in lines)
    squeezed = squeeze(text)
    assert "BÁO CÁO kết quả công tác dân vận tháng 5 năm 2026" in squeezed
    for closing in ("Nơi nhận:", "- Ban Tuyên giáo và Dân vận Tỉnh ủy", "- Lưu Văn phòng", "T/M ĐẢNG ỦY",
                    "BÍ THƯ", "Lò Văn Thành"):
        assert closing in text, closing


def test_sentences_state_the_figures_with_last_year(may_pdf: Path) -> None:
    text = squeeze(pdf_text(may_pdf))
    for sentence in (
        "Kết quả công tác dân vận tháng 5 năm 2026 trên địa bàn xã Bản Bo như sau:",
        "đã tổ chức 3 hội nghị, tiếp xúc, đối thoại, thu hút 1.858 lượt người tham dự (nữ chiếm 39,4%, "
        "người dân tộc thiểu số chiếm 37,7%); giảm 2 hội nghị, tăng 858 lượt người tham dự so với cùng kỳ "
        "năm 2025.",
        "Trong đó: 1 cuộc tiếp xúc cử tri; 1 cuộc đối thoại với Nhân dân; 1 hội nghị tuyên truyền, quán triệt.",
        "Tiếp nhận 4 ý kiến, kiến nghị của Nhân dân (1 ý kiến và 3 kiến nghị), tăng 2 ý kiến, kiến nghị so "
        "với cùng kỳ năm 2025.",
        "thuộc các lĩnh vực: đất đai (2); hạ tầng, giao thông (1); khác (1).",
        "Đến nay đã giải quyết, trả lời 3 ý kiến, kiến nghị, đạt tỷ lệ 75,0% (cùng kỳ năm 2025: 50,0%); "
        "1 mới tiếp nhận, chưa xử lý.",
        "Tính đến ngày 31/05/2026, còn 2 kiến nghị quá hạn chưa được giải quyết (tăng 1 so với ngày 31/05/2025).",
        "Trong kỳ không tổ chức cuộc giám sát, kiểm tra, khảo sát nào (cùng kỳ năm 2025: 2 cuộc).",
        "Trên địa bàn hiện có 2 điểm nhóm, cơ sở tôn giáo với 1.400 tín đồ; trong đó 1 tổ chức được công nhận, "
        "1 điểm nhóm đã đăng ký sinh hoạt tập trung.",
        "Trong kỳ đã tổ chức 1 cuộc kiểm tra, nắm tình hình hoạt động tôn giáo, bằng cùng kỳ năm 2025; "
        "kết quả: 1 cuộc có vi phạm.",
        "Trong kỳ có 3 tập thể và 2 cá nhân đăng ký thực hiện mô hình “Dân vận khéo”, tăng 2 tập thể so với "
        "cùng kỳ năm 2025.",
        "có 1 tập thể được công nhận điển hình “Dân vận khéo”; trong kỳ có 1 tập thể được khen thưởng, "
        "tăng 1 tập thể so với cùng kỳ năm 2025.",
        "Trên đây là báo cáo kết quả công tác dân vận tháng 5 năm 2026 trên địa bàn xã Bản Bo./.",
    ):
        assert sentence in text, sentence


def test_sections_come_in_order_with_every_diacritic(may_pdf: Path) -> None:
    text = squeeze(pdf_text(may_pdf))
    headings = ["I. Hội nghị, tiếp xúc, đối thoại", "II. Tiếp nhận, giải quyết ý kiến, kiến nghị",
                "III. Giám sát, kiểm tra", "IV. Công tác tôn giáo", "V. Phong trào thi đua “Dân vận khéo”",
                "Biểu 1. Số liệu công tác dân vận tháng 5 năm 2026 so với cùng kỳ năm 2025",
                "Biểu 2. Kết quả chủ yếu theo đơn vị, tháng 5 năm 2026"]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    # Exactly what was written, composed (NFC) as stored, never decomposed or with marks dropped.
    assert unicodedata.is_normalized("NFC", text)
    fonts = run("pdffonts", may_pdf)
    assert "Helvetica" not in fonts and "LiberationSerif" in fonts


def test_indicator_table_compares_with_last_year(may_pdf: Path) -> None:
    lines = [squeeze(ln).strip() for ln in pdf_text(may_pdf).splitlines()]
    for row in ("1 Tổng số hội nghị 3 5 -2", "- Tiếp xúc cử tri 1 0 +1", "- Giao ban, sơ kết, tổng kết 0 5 -5",
                "4 Lượt người tham dự 1.858 1.000 +858", "5 Trong đó nữ 732 250 +482",
                "- Đã giải quyết, trả lời 3 1 +2", "6 Kiến nghị quá hạn chưa giải quyết 2 1 +1",
                "3 Số tín đồ 1.400"):  # the registry stands for today: no previous-year figure
        assert row in lines, row


def test_clerk_sees_religious_counts_but_no_personal_data(may_pdf: Path) -> None:
    text = squeeze(pdf_text(may_pdf))
    assert "2 điểm nhóm, cơ sở tôn giáo với 1.400 tín đồ" in text
    for private in ("Chi hội Tin lành Bản Bo", "Sinh hoạt tại địa điểm chưa đăng ký", "Lò Văn Minh"):
        assert private not in text


def test_clerk_without_the_religion_right_gets_no_religious_figure(may_office: Database, tmp_path: Path) -> None:
    out = tmp_path / "khong-quyen.pdf"
    export_report(may_office, Actor("vanthu2", "van_thu", "Lò Thị Dung"), MAY_2026, out)
    text = squeeze(pdf_text(out))
    assert "tín đồ" not in text and "1.400" not in text and "điểm nhóm" not in text
    assert "không có quyền xem dữ liệu tôn giáo" in text


def test_village_table_has_the_commune_row_and_the_total(may_office: Database) -> None:
    doc = build_report(may_office, ADMIN, MAY_2026, issued_on=ISSUED)
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.title.startswith("Biểu 2"))
    rows = {r[1]: r for r in table.rows}
    # Records kept on the commune itself are its own row; the villages follow in Vietnamese order.
    assert [r[1] for r in table.rows] == ["Cấp xã", "Bản Đông Pao", "Bản Nà Khum", "Tổng cộng"]
    assert rows["Bản Nà Khum"][2:5] == ("1", "1.000", "0")
    assert rows["Bản Đông Pao"][2:5] == ("1", "858", "0")
    assert rows["Tổng cộng"][2:7] == ("3", "1.858", "4", "3", "2")
    assert table.total_row


def test_state_layout_header(may_office: Database, tmp_path: Path) -> None:
    save_report_settings(may_office, ADMIN, {"layout": "state", "number": "12/BC-UBND", "signer_name": None})
    pdf = tmp_path / "state.pdf"
    export_report(may_office, ADMIN, MAY_2026, pdf)
    text = pdf_text(pdf)
    squeezed = squeeze(text)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 12/BC-UBND",
                     "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nơi nhận:", "- Lưu: VT"):
        assert expected in text, expected
    lines = text.splitlines()
    # The committee in two lines beside the nation's name and motto.
    assert any("ỦY BAN NHÂN DÂN" in ln and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in ln for ln in lines)
    assert any(ln.strip().startswith("XÃ BẢN BO") and "Độc lập - Tự do - Hạnh phúc" in ln for ln in lines)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in text and "ĐẢNG ỦY" not in text
    # State documents start the summary line with a capital letter.
    assert "BÁO CÁO Kết quả công tác dân vận tháng 5 năm 2026" in squeezed


def test_a_draft_leaves_room_for_the_number(commune: Database, tmp_path: Path) -> None:
    pdf = tmp_path / "draft.pdf"
    export_report(commune, ADMIN, MAY_2026, pdf)
    assert re.search(r"Số\s+-BC/ĐU", pdf_text(pdf))


def test_an_empty_month_reads_as_sentences_not_zeros(commune: Database) -> None:
    doc = build_report(commune, ADMIN, MAY_2026, issued_on=ISSUED)
    text = " ".join(getattr(b, "text", "") for b in doc.blocks)
    assert "chưa tổ chức hội nghị, tiếp xúc, đối thoại nào." in text
    assert "Trong kỳ không tiếp nhận ý kiến, kiến nghị nào của Nhân dân." in text
    assert "Tính đến ngày 31/05/2026, không có kiến nghị quá hạn chưa được giải quyết." in text
    assert "Trên địa bàn không có điểm nhóm, cơ sở tôn giáo." in text
    assert "Trong kỳ không có tập thể, cá nhân đăng ký mới mô hình “Dân vận khéo”." in text
    assert "bằng" not in text and "tăng 0" not in text and "giảm 0" not in text


@pytest.fixture
def year_office(tmp_path: Path) -> Iterator[Database]:
    """A commune with the yearly figures of the example report: 1.858 meetings, 190 + 136 models."""
    db = init_office(place(tmp_path, "nam.db"), UnitSpec("03424", "Xã Bản Bo", "xa", "2025"),
                     [UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025")], "admin", PASSWORD)
    with db.transaction() as s:  # one transaction for the two thousand records
        def put(record_kind: str, /, **values: Any) -> None:
            insert_new(s, ADMIN, KIND_BY_KEY[record_kind], values, audit=False)

        for i in range(1858):  # 12.345 people, 4.864 women: 39,4%
            people, women = (1203, 1150) if i == 0 else (6, 2)
            put("meeting", kind="tiep_xuc_cu_tri", title="Tiếp xúc cử tri", date=date(2022, 1 + i % 12, 10),
                participants=people, women=women)
        for i in range(1830):
            put("meeting", kind="tiep_xuc_cu_tri", title="Tiếp xúc cử tri", date=date(2021, 1 + i % 12, 10),
                participants=5)
        for year, collectives, individuals in ((2022, 190, 136), (2021, 162, 91)):
            for kind, n in (("tap_the", collectives), ("ca_nhan", individuals)):
                for i in range(n):
                    put("model", registrant_kind=kind, registrant=f"Tổ {i}", name="Mô hình",
                        field="kinh_te", registered_date=date(year, 1 + i % 12, 5), status="dang_ky")
    yield db
    db.close()


def test_yearly_report_states_the_example_sentence(year_office: Database, tmp_path: Path) -> None:
    pdf = tmp_path / "nam-2022.pdf"
    export_report(year_office, ADMIN, parse_period("2022"), pdf)
    text = squeeze(pdf_text(pdf))
    assert ("có 190 tập thể và 136 cá nhân đăng ký thực hiện mô hình “Dân vận khéo”, tăng 28 tập thể và "
            "45 cá nhân so với năm 2021.") in text
    assert ("đã tổ chức 1.858 hội nghị, tiếp xúc, đối thoại, thu hút 12.345 lượt người tham dự (nữ chiếm 39,4%); "
            "tăng 28 hội nghị và 3.195 lượt người tham dự so với năm 2021.") in text
    assert "BÁO CÁO kết quả công tác dân vận năm 2022" in text


# ---------------------------------------------------------------- a province with communes


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The demo office: Tỉnh Lai Châu with 12 communes over 2025-2026."""
    db = build_demo(tmp_path_factory.mktemp("demo") / "demo.db")
    yield db
    db.close()


def numbers(line: str) -> list[str]:
    """The Vietnamese-formatted numbers on a line of a table."""
    return re.findall(r"(?<![\w.])\d{1,3}(?:\.\d{3})*(?![\w])", line)


def test_province_table_has_one_row_per_commune_and_the_summary_as_total(province: Database,
                                                                        tmp_path: Path) -> None:
    year = parse_period("2026")
    pdf = tmp_path / "tinh-2026.pdf"
    export_report(province, ADMIN, year, pdf)
    lines = pdf_text(pdf).splitlines()
    start = next(i for i, ln in enumerate(lines) if "Biểu 2." in ln)
    table = lines[start:]
    summary = summarize(province, ADMIN, year)
    kids = children_figures(province, ADMIN, year)
    assert len(kids) == 12

    def expected(ind: dict[str, int]) -> list[str]:
        return [f"{sum(ind[k] for k in keys):,}".replace(",", ".") for keys, _ in UNIT_COLUMNS]

    for info, fig in kids:
        row = next(ln for ln in table if re.search(rf"\b{re.escape(info.name)}\s", ln))
        assert numbers(row.split(info.name, 1)[1]) == expected(fig.indicators), info.name
    total = next(ln for ln in table if "Tổng cộng" in ln)
    assert numbers(total) == expected(summary.current.indicators)
    # Every column's rows add up to the total: nothing recorded on the province itself in the demo.
    for c, (keys, _) in enumerate(UNIT_COLUMNS):
        assert sum(sum(f.indicators[k] for k in keys) for _, f in kids) == sum(
            summary.current.indicators[k] for k in keys), c
    assert "Cấp tỉnh" not in "\n".join(table)
    # The default header of a province office: the committee's merged board.
    text = pdf_text(pdf)
    assert "TỈNH ỦY LAI CHÂU" in text and "BAN TUYÊN GIÁO VÀ DÂN VẬN" in text
    # A year still running is compared with the same days of 2025, not with the whole of it (SPEC §4).
    assert ("so với năm 2025" if date.today() > year.end else "so với cùng kỳ năm 2025") in text


def test_total_equals_summary_even_with_records_of_the_unit_itself(district: Database) -> None:
    meeting(district, date(2024, 3, 1), "giao_ban", 40, 10)  # held by the district itself
    meeting(district, date(2024, 3, 2), "doi_thoai", 120, 60, unit="X1-01")
    meeting(district, date(2024, 3, 3), "tap_huan", 30, 0, unit="X2")
    period = parse_period("2024-Q1")
    doc = build_report(district, ADMIN, period, issued_on=date(2024, 4, 2))
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.title.startswith("Biểu 2"))
    rows = {r[1]: r[2:] for r in table.rows}
    assert list(rows) == ["Cấp huyện", "Xã Bản Giang", "Xã Bình Lư", "Tổng cộng"]
    assert rows["Cấp huyện"][:2] == ("1", "40")
    assert rows["Xã Bình Lư"][:2] == ("1", "120")
    total = summarize(district, ADMIN, period).current.indicators
    assert rows["Tổng cộng"][:2] == ("3", "190") == (str(total["meetings.total"]), str(total["meetings.participants"]))
    assert doc.subtitle == "kết quả công tác dân vận quý I năm 2024"


def test_report_on_one_commune_of_the_province(province: Database) -> None:
    doc = build_report(province, ADMIN, MAY_2026, unit_code="03424", issued_on=ISSUED)
    assert doc.subtitle == "kết quả công tác dân vận tháng 5 năm 2026 trên địa bàn xã Bản Bo"
    assert doc.settings.organ_name == "Ban Tuyên giáo và Dân vận"  # the office issuing it, not the commune


@pytest.mark.slow
def test_a_report_of_fifty_pages_repeats_the_table_header_on_every_page(tmp_path: Path) -> None:
    db = init_office(place(tmp_path, "lon.db"), UnitSpec("01", "Thành phố Hà Nội", "tinh", "2025"), [], "admin",
                     PASSWORD)
    with db.transaction() as s:
        root = home(s)
        for i in range(1, 1601):
            create_unit(s, f"X{i:04d}", f"Xã Thử Nghiệm {i}", "xa", root)
    add_unit(db, ADMIN, code="X0001-01", name="Thôn Một", level="thon", parent_code="X0001")
    meeting(db, date(2026, 3, 1), "tiep_xuc_cu_tri", 1234, 600, unit="X0001-01")
    pdf = tmp_path / "lon.pdf"
    pages = export_report(db, ADMIN, parse_period("2026"), pdf)
    db.close()
    assert pages == pages_of(pdf) >= 50
    text = pdf_text(pdf)
    assert "THÀNH ỦY HÀ NỘI" in text
    table_pages = [p for p in text.split("\f") if "Xã Thử Nghiệm" in p]
    assert len(table_pages) >= 45
    for page in table_pages:
        # The header row comes first on every page the table runs over.
        header = re.search(r"TT\s+Đơn vị", page)
        assert header and header.start() < page.index("Xã Thử Nghiệm"), page[:300]
        assert "Quá" in page and "hạn" in page
    last = table_pages[-1]
    assert re.search(r"Tổng cộng\s+1\s+1\.234\s", last)
    # Four-digit row numbers stay on one line beside their unit.
    assert re.search(r"^\s*1600\s+Xã Thử Nghiệm \d+\s", text, re.M)
