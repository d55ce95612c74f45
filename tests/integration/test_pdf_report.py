"""The PDF report read back with real PDF tools (poppler): texts, fonts, pages, page size."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from danvan_desktop.exchange.pdf_report import (
    Heading,
    LayoutSettings,
    Para,
    ReportDocument,
    Table,
    render_pdf,
    with_layout,
)

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo")),
    reason="needs poppler-utils (pdftotext, pdffonts, pdfinfo)",
)

DIACRITICS = "Tiếp xúc cử tri, đối thoại với Nhân dân; Hội Liên hiệp Phụ nữ; Hòa Hảo; Ủy ban MTTQ"
TABLE_HEADERS = ("TT", "Đơn vị", "Số cuộc", "Tỷ lệ")

PARTY = LayoutSettings(
    layout="party",
    superior_name="ĐẢNG BỘ TỈNH LAI CHÂU",
    organ_name="ĐẢNG ỦY XÃ BẢN BO",
    number="03-BC/ĐU",
    place="Bản Bo",
    signer_prefix="T/M ĐẢNG ỦY",
    signer_title="BÍ THƯ",
    signer_name="Lò Văn Thành",
    recipients=("Ban Thường vụ Tỉnh ủy (b/c),", "Các chi bộ trực thuộc,", "Lưu Văn phòng Đảng ủy."),
)
STATE = LayoutSettings(
    layout="state",
    superior_name="UBND TỈNH LAI CHÂU",
    organ_name="ỦY BAN NHÂN DÂN XÃ BẢN BO",
    number="12/BC-UBND",
    place="Bản Bo",
    signer_prefix="TM. ỦY BAN NHÂN DÂN",
    signer_title="CHỦ TỊCH",
    signer_name="Tòng Thị Hoa",
    recipients=("UBND tỉnh (b/c);", "Lưu: VT, VP."),
)
BODY = (
    Heading("I. KẾT QUẢ CÔNG TÁC DÂN VẬN"),
    Para(
        DIACRITICS + ". Cấp ủy tổ chức 1.858 lượt tiếp xúc, đạt 39,4% kế hoạch; 190 tập thể và "
        "136 cá nhân đăng ký thi đua, tăng 28 tập thể và 45 cá nhân so với năm 2021."
    ),
    Table(
        headers=TABLE_HEADERS,
        rows=(("1", "Chi bộ bản Bo", "12", "40,0%"), ("", "Tổng cộng", "1.870", "39,4%")),
        col_widths=(1, 6, 2, 2),
        numeric_cols=(2, 3),
        total_row=True,
        title="Bảng 1. Kết quả tiếp xúc",
    ),
    Para("Tiếp tục đẩy mạnh phong trào thi đua “Dân vận khéo”."),
)
ISSUED = date(2026, 2, 5)
SUBTITLE = "Kết quả công tác dân vận tháng 5 năm 2026"


def run(*args: str | Path) -> str:
    """Run a poppler tool and return its standard output as text."""
    done = subprocess.run([str(a) for a in args], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def pdf_text(pdf: Path, layout: bool = True) -> str:
    """Text of a PDF as pdftotext gives it (pages separated by form feeds)."""
    return run("pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", pdf, "-")


def squeeze(text: str) -> str:
    """Collapse runs of whitespace, so justified and wrapped lines read as one sentence."""
    return re.sub(r"\s+", " ", text)


def render(settings: LayoutSettings, path: Path, blocks: tuple = BODY, issued: date = ISSUED) -> int:
    doc = ReportDocument(settings=settings, issued_on=issued, subtitle=SUBTITLE, blocks=blocks)
    return render_pdf(doc, path)


@pytest.fixture(scope="module")
def party_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("party") / "party.pdf"
    render(PARTY, path)
    return path


@pytest.fixture(scope="module")
def state_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("state") / "state.pdf"
    render(STATE, path)
    return path


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    rows = tuple(
        (str(i), f"Chi bộ bản số {i} thuộc Đảng bộ xã Bản Bo", f"{i * 7:,}".replace(",", "."), "39,4%")
        for i in range(1, 1501)
    )
    table = Table(headers=TABLE_HEADERS, rows=rows, col_widths=(1, 6, 2, 2), numeric_cols=(0, 2, 3))
    path = tmp_path_factory.mktemp("long") / "long.pdf"
    pages = render(PARTY, path, blocks=(Para("Danh sách các chi bộ."), table))
    return path, pages


def test_party_header_texts_come_back_exactly(party_pdf: Path) -> None:
    text = pdf_text(party_pdf)
    for expected in (
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "ĐẢNG BỘ TỈNH LAI CHÂU",
        "ĐẢNG ỦY XÃ BẢN BO",
        "Số 03-BC/ĐU",
        "Bản Bo, ngày 05 tháng 02 năm 2026",
        "BÁO CÁO",
        SUBTITLE,
        "Nơi nhận:",
        "T/M ĐẢNG ỦY",
        "BÍ THƯ",
        "Lò Văn Thành",
        "- Lưu Văn phòng Đảng ủy.",
        "I. KẾT QUẢ CÔNG TÁC DÂN VẬN",
    ):
        assert expected in text, expected
    assert "Số: " not in text  # the Party number has no colon


def test_party_header_columns_share_lines(party_pdf: Path) -> None:
    lines = pdf_text(party_pdf).splitlines()
    # Superior organisation level with the Party's name; the number level with the date line.
    assert any("ĐẢNG BỘ TỈNH LAI CHÂU" in ln and "ĐẢNG CỘNG SẢN VIỆT NAM" in ln for ln in lines)
    assert any("Số 03-BC/ĐU" in ln and "Bản Bo, ngày 05 tháng 02 năm 2026" in ln for ln in lines)
    star = [ln.strip() for ln in lines if ln.strip() == "*"]
    assert star == ["*"]


def test_body_sentence_with_many_diacritics_survives(party_pdf: Path, state_pdf: Path) -> None:
    for pdf in (party_pdf, state_pdf):
        assert DIACRITICS in squeeze(pdf_text(pdf))
        assert "1.858 lượt tiếp xúc, đạt 39,4% kế hoạch" in squeeze(pdf_text(pdf))


def test_state_layout_has_motto_number_and_signer(state_pdf: Path) -> None:
    text = pdf_text(state_pdf)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND TỈNH LAI CHÂU",
        "Số: 12/BC-UBND",
        "Bản Bo, ngày 05 tháng 02 năm 2026",
        "BÁO CÁO",
        "Nơi nhận:",
        "- Lưu: VT, VP.",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Tòng Thị Hoa",
    ):
        assert expected in text, expected
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in text
    assert "ỦY BAN NHÂN DÂN XÃ BẢN BO" in text  # the left column is widened to fit it on one line
    lines = text.splitlines()
    assert any("UBND TỈNH LAI CHÂU" in ln and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in ln for ln in lines)
    assert any("Số: 12/BC-UBND" in ln and "Bản Bo, ngày 05 tháng 02 năm 2026" in ln for ln in lines)


def test_long_header_names_break_sensibly_and_the_date_stays_on_one_line(tmp_path: Path) -> None:
    settings = LayoutSettings(
        superior_name="Đảng bộ Thành phố Hồ Chí Minh",  # capitalised by the renderer
        organ_name="Ban Tuyên giáo và Dân vận Thành ủy",
        number="15-BC/BTG",
        place="Thành phố Hồ Chí Minh",
    )
    pdf = tmp_path / "long-names.pdf"
    render(settings, pdf, issued=date(2026, 11, 14))
    text = pdf_text(pdf)
    lines = [ln.strip() for ln in text.splitlines()]
    assert "THÀNH PHỐ HỒ CHÍ MINH" in lines  # broken before the level name, "THÀNH PHỐ" kept whole
    assert "BAN TUYÊN GIÁO VÀ DÂN VẬN THÀNH ỦY" in squeeze(text)
    assert not any(ln.startswith(("PHỐ", "ỦY")) for ln in lines)
    # The date borrows room from the short number instead of wrapping.
    assert any(
        ln.startswith("Số 15-BC/BTG") and ln.endswith("Thành phố Hồ Chí Minh, ngày 14 tháng 11 năm 2026")
        for ln in lines
    )


def test_table_texts_and_total_row(party_pdf: Path) -> None:
    text = squeeze(pdf_text(party_pdf))
    assert "Bảng 1. Kết quả tiếp xúc" in text
    assert "TT Đơn vị Số cuộc Tỷ lệ" in text
    assert "Tổng cộng 1.870 39,4%" in text


def test_long_table_repeats_its_header_on_every_page(long_pdf: tuple[Path, int]) -> None:
    path, pages = long_pdf
    assert pages >= 40
    page_texts = pdf_text(path).split("\f")
    header = re.compile(r"TT\s+Đơn vị\s+Số cuộc\s+Tỷ lệ")
    row = re.compile(r"Chi bộ bản số (\d+) thuộc")
    pages_with_rows = [t for t in page_texts if row.search(t)]
    assert len(pages_with_rows) >= 40
    for i, page in enumerate(pages_with_rows, start=1):
        assert header.search(page), f"no header row on table page {i}"
    found = {int(m) for t in pages_with_rows for m in row.findall(t)}
    assert found == set(range(1, 1501))


def test_render_returns_the_real_page_count(long_pdf: tuple[Path, int], party_pdf: Path) -> None:
    path, pages = long_pdf
    assert f"Pages:           {pages}" in run("pdfinfo", path)
    assert "Pages:           1" in run("pdfinfo", party_pdf)


def test_page_numbers_in_top_margin_except_first_page(long_pdf: tuple[Path, int]) -> None:
    path, pages = long_pdf
    page_texts = pdf_text(path).split("\f")
    first_lines = [next((ln.strip() for ln in t.splitlines() if ln.strip()), "") for t in page_texts[:pages]]
    assert first_lines[0] != "1"
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in first_lines[0]
    for number in range(2, pages + 1):
        assert first_lines[number - 1] == str(number)


@pytest.mark.parametrize("which", ["party", "state", "long"])
def test_only_embedded_liberation_serif_fonts(
    which: str, party_pdf: Path, state_pdf: Path, long_pdf: tuple[Path, int]
) -> None:
    pdf = {"party": party_pdf, "state": state_pdf, "long": long_pdf[0]}[which]
    out = run("pdffonts", pdf).splitlines()
    fonts = [ln.split() for ln in out[2:] if ln.strip()]
    assert fonts, "no fonts listed"
    assert "Helvetica" not in "\n".join(out)
    for cols in fonts:
        name = cols[0]
        assert re.fullmatch(r"[A-Z]{6}\+LiberationSerif(-Bold|-Italic|-BoldItalic)?", name), name
        emb, sub, uni = cols[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), cols


def test_party_and_state_use_bold_and_italic_faces(party_pdf: Path, state_pdf: Path) -> None:
    for pdf in (party_pdf, state_pdf):
        out = run("pdffonts", pdf)
        assert "LiberationSerif-Bold" in out
        assert "LiberationSerif-Italic" in out  # the date line
    assert "LiberationSerif-BoldItalic" in run("pdffonts", state_pdf)  # state "Nơi nhận:"


@pytest.mark.parametrize("which", ["party", "state"])
def test_page_size_is_a4(which: str, party_pdf: Path, state_pdf: Path) -> None:
    info = run("pdfinfo", {"party": party_pdf, "state": state_pdf}[which])
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size is not None
    w, h = float(size.group(1)), float(size.group(2))
    assert abs(w - 595.28) < 0.5 and abs(h - 841.89) < 0.5
    assert "(A4)" in info


def test_decomposed_text_is_drawn_as_composed(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", DIACRITICS)
    assert nfd != DIACRITICS
    settings = LayoutSettings(organ_name=unicodedata.normalize("NFD", "ĐẢNG ỦY XÃ BẢN BO"), place="Bản Bo")
    pdf = tmp_path / "nfd.pdf"
    render(settings, pdf, blocks=(Para(nfd),))
    text = unicodedata.normalize("NFC", pdf_text(pdf))
    raw = pdf_text(pdf)
    assert DIACRITICS in squeeze(raw)  # composed in the file itself, not only after normalising
    assert "ĐẢNG ỦY XÃ BẢN BO" in text


def test_markup_characters_in_user_text_are_printed_literally(tmp_path: Path) -> None:
    pdf = tmp_path / "markup.pdf"
    render(PARTY, pdf, blocks=(Para("Tỷ lệ < 50% & <b>không</b> đạt"),))
    assert "Tỷ lệ < 50% & <b>không</b> đạt" in squeeze(pdf_text(pdf))


def test_renders_to_a_binary_stream(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    pages = render_pdf(ReportDocument(settings=STATE, issued_on=ISSUED, blocks=BODY), buffer)
    assert pages == 1
    assert buffer.getvalue().startswith(b"%PDF-")
    pdf = tmp_path / "stream.pdf"
    pdf.write_bytes(buffer.getvalue())
    assert "Số: 12/BC-UBND" in pdf_text(pdf)


def test_missing_number_leaves_room_to_write_it(tmp_path: Path) -> None:
    pdf = tmp_path / "draft.pdf"
    render(with_layout(PARTY, "party"), pdf)
    assert "Số 03-BC/ĐU" in pdf_text(pdf)
    settings = LayoutSettings(organ_name="ĐẢNG ỦY XÃ BẢN BO", place="Bản Bo")
    render(settings, pdf)
    text = pdf_text(pdf)
    assert re.search(r"^\s*Số\s", text, re.MULTILINE)
    assert "-BC/" not in text


def test_layout_defaults_follow_the_official_sizes() -> None:
    party, state = LayoutSettings(), LayoutSettings(layout="state")
    assert (party.margin_top_mm, party.margin_bottom_mm, party.margin_left_mm, party.margin_right_mm) == (
        20,
        20,
        30,
        15,
    )
    assert party.body_size == 14
    assert party.nation_size == 15 and party.doc_type_size == 16
    assert state.nation_size == 12 and state.motto_size == 13 and state.doc_type_size == 14
    assert state.recipients_label_size == 12 and state.recipients_size == 11
    assert LayoutSettings(layout="state", doc_type_size=13).doc_type_size == 13
    assert with_layout(party, "state").doc_type_size == 14


def test_bad_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        LayoutSettings(layout="company")
    bad_table = Table(headers=("A", "B"), rows=(("1",),))
    with pytest.raises(ValueError):
        render(PARTY, tmp_path / "bad.pdf", blocks=(bad_table,))
    with pytest.raises(ValueError):
        render(PARTY, tmp_path / "bad.pdf", blocks=(Para("x", align="middle"),))
    assert not (tmp_path / "bad.pdf").exists()  # nothing half-written
