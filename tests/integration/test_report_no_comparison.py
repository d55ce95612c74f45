"""Reports never state an increase or decrease against a span without data (SPEC §4, issue 10)."""

from __future__ import annotations

from datetime import date

from danvan_desktop.domain.periods import Period
from danvan_desktop.exchange.pdf_report import Para, Table
from danvan_desktop.exchange.report import build_report
from danvan_desktop.services.records import add_record
from tests.conftest import ADMIN


def meeting(db, day):
    add_record(db, ADMIN, "meeting", {"kind": "tiep_xuc_cu_tri", "title": "Tiếp xúc cử tri", "date": day,
                                      "participants": 100, "women": 40})


def petition(db, received, deadline):
    add_record(db, ADMIN, "petition", {"type": "kien_nghi", "content": "Sửa đường", "field": "ha_tang",
                                       "status": "moi", "received_date": received, "deadline": deadline})


def texts(doc):
    return [b.text for b in doc.blocks if isinstance(b, Para)]


def test_a_first_year_states_no_increase_against_an_empty_year(commune):
    for day in ("05/02/2023", "06/03/2023"):
        meeting(commune, day)
    petition(commune, "01/02/2023", "01/03/2023")
    doc = build_report(commune, ADMIN, Period.year(2023), issued_on=date(2024, 1, 10))
    body = " ".join(texts(doc))
    assert "tăng" not in body and "giảm" not in body
    assert "2 hội nghị, tiếp xúc, đối thoại" in body and "chưa có số liệu cùng kỳ để so sánh" in body
    assert "còn 1 kiến nghị quá hạn chưa được giải quyết (chưa có số liệu cùng kỳ để so sánh)" in body
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.title.startswith("Biểu 1"))
    assert "chưa có số liệu cùng kỳ" in table.title
    total = next(r for r in table.rows if r[1] == "Tổng số hội nghị")
    assert total[2:] == ("2", "", "")


def test_with_data_a_year_before_the_change_is_stated(commune):
    meeting(commune, "05/02/2023")
    meeting(commune, "06/03/2023")
    meeting(commune, "06/03/2022")
    doc = build_report(commune, ADMIN, Period.year(2023), issued_on=date(2024, 1, 10))
    assert "tăng 1 hội nghị và 100 lượt người tham dự so với năm 2022" in " ".join(texts(doc))


def test_a_running_year_is_compared_with_the_same_days_of_the_year_before(commune):
    from danvan_desktop.exchange.report import _Compare
    from danvan_desktop.services.summary import summarize

    meeting(commune, "05/02/2023")
    meeting(commune, "06/02/2022")
    meeting(commune, "06/10/2022")  # after 30/06/2022: outside the comparison of 2023 as of 30/06/2023
    s = summarize(commune, ADMIN, Period.year(2023), today=date(2023, 6, 30))
    cmp = _Compare.for_summary(s)
    assert cmp.name == "cùng kỳ năm 2022"
    assert cmp.change((s.change("meetings.total"), "hội nghị")) == "bằng cùng kỳ năm 2022"
    assert _Compare.for_summary(summarize(commune, ADMIN, Period.year(2023))).name == "năm 2022"
