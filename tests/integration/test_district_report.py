"""The seed district's 2022 report rebuilt: 13 communes write, export, the district merges and composes.

Each commune is its own office database; its records and its report text reach the district only through
its package, as in the field. The issued .docx is read back with python-docx.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest

from danvan_desktop.domain.kinds import KIND_BY_KEY
from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.package import export_package
from danvan_desktop.exchange.report_issue import issue_report
from danvan_desktop.services import reports
from danvan_desktop.services.merge import apply_packages
from danvan_desktop.services.records import insert_new
from danvan_desktop.services.setup import UnitSpec, init_office
from danvan_desktop.services.summary import summarize
from danvan_desktop.store.database import Database
from tests.conftest import ADMIN, PASSWORD

Y2022 = parse_period("2022")
PROVINCE = UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025")
DISTRICT = UnitSpec("105", "Huyện Tam Đường", "huyen", "legacy")
NAMES = ("Bình Lư", "Bản Bo", "Bản Giang", "Bản Hon", "Nà Tăm", "Hồ Thầu", "Khun Há", "Nùng Nàng", "Sơn Bình",
         "Sùng Phài", "Tả Lèng", "Thèn Sin", "Giang Ma")
COMMUNES = {f"C{i:02d}": f"Xã {n}" for i, n in enumerate(NAMES, 1)}
# The seed's model figures: 190 collectives and 136 individuals in 2022; 162 and 91 in 2021.
MODELS = {2022: (190, 136), 2021: (162, 91)}


def _commune(tmp: Path, n: int, code: str, name: str) -> Path:
    """One commune office: its share of the models and meetings, and its report text for 2022."""
    db = init_office(tmp / f"{code}.db", UnitSpec(code, name, "xa", "local"), [DISTRICT, PROVINCE], "admin",
                     PASSWORD)
    with db.transaction() as s:
        def put(kind: str, /, **values: Any) -> None:
            insert_new(s, ADMIN, KIND_BY_KEY[kind], values, audit=False)

        for year, (tt, cn) in MODELS.items():
            for kind, total in (("tap_the", tt), ("ca_nhan", cn)):
                for i in range(n, total, len(COMMUNES)):  # commune n takes every 13th model
                    put("model", registrant_kind=kind, registrant=f"Tổ {i} {name}", name="Mô hình dân vận khéo",
                        field="kinh_te", registered_date=date(year, 1 + i % 12, 5), status="dang_ky")
        for i in range(3 + n % 4):
            put("meeting", kind="tiep_xuc_cu_tri", title="Tiếp xúc cử tri", date=date(2022, 3 + i, 10),
                organizer="hdnd" if i % 2 else "mttq", participants=80 + i, women=30)
    reports.save_section(db, ADMIN, Y2022, "thuan_loi",
                         own=f"{name}: an ninh chính trị ổn định; Nhân dân đồng thuận với chủ trương của Đảng.")
    reports.save_section(db, ADMIN, Y2022, "dan_van_kheo",
                         own=f"{name} xây dựng mô hình “Dân vận khéo” gắn với xóa nhà tạm, nhà dột nát.")
    out = tmp / f"{code}-2022.xlsx"
    export_package(db, ADMIN, Y2022, out)
    db.close()
    return out


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The district office after merging the 13 communes' 2022 packages."""
    tmp = tmp_path_factory.mktemp("district")
    packages = [_commune(tmp, n, code, name) for n, (code, name) in enumerate(COMMUNES.items())]
    db = init_office(tmp / "huyen.db", DISTRICT, [PROVINCE], "admin", PASSWORD)
    results = apply_packages(db, ADMIN, packages)
    assert all(r.ok for r in results), [r.message for r in results if not r.ok]
    yield db
    db.close()


def test_the_district_sees_each_communes_text_section_by_section(district: Database) -> None:
    texts = reports.child_texts(district, ADMIN, Y2022)
    assert len(texts["thuan_loi"]) == 13 and len(texts["dan_van_kheo"]) == 13
    assert {t.unit_code for t in texts["dan_van_kheo"]} == set(COMMUNES)
    bo = next(t for t in texts["thuan_loi"] if t.unit_code == "C02")
    assert bo.text == "Xã Bản Bo: an ninh chính trị ổn định; Nhân dân đồng thuận với chủ trương của Đảng."


def test_the_district_2022_report_has_the_seed_skeleton_figures_and_per_commune_annex(district: Database,
                                                                                      tmp_path: Path) -> None:
    reports.set_fields(district, ADMIN, Y2022, {"number": "45-BC/BDV", "date": "2022-12-15", "place": "Tam Đường"})
    reports.take_passage(district, ADMIN, Y2022, "thuan_loi", "C02")
    reports.take_passage(district, ADMIN, Y2022, "dan_van_kheo", "C09")
    out = tmp_path / "huyen-2022.docx"
    issue_report(district, ADMIN, Y2022, "docx", out)
    d = docx.Document(str(out))
    paras = [p.text for p in d.paragraphs]
    heads = [p.text for p in d.paragraphs if p.style.name in ("DV Part", "DV Heading 1")]
    assert heads[0] == "Phần thứ nhất\nKẾT QUẢ CÔNG TÁC DÂN VẬN NĂM 2022"
    romans = [h.split(".")[0] for h in heads if re.match(r"^[IVX]+\.", h)]
    assert romans == ["I", "II", "III", "IV", "V", "VI"]
    assert heads[-1] == "Phần thứ hai\nPHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2023"
    body = "\n".join(paras)
    assert ("Năm 2022, có 190 tập thể và 136 cá nhân đăng ký thực hiện mô hình “Dân vận khéo”, tăng 28 tập thể và "
            "45 cá nhân so với năm 2021.") in body
    # The communes' passages, taken with one action each, are in the district's text.
    assert "Xã Bản Bo: an ninh chính trị ổn định; Nhân dân đồng thuận với chủ trương của Đảng." in paras
    assert "Xã Sơn Bình xây dựng mô hình “Dân vận khéo” gắn với xóa nhà tạm, nhà dột nát." in paras
    # Phụ lục 1: one row per commune, whose columns add up to the total row, which is the summary.
    annex = next(t for t in d.tables if t.rows[0].cells[1].text == "Đơn vị")
    header = [c.text for c in annex.rows[0].cells]
    rows = [[c.text for c in r.cells] for r in annex.rows[1:]]
    communes, total = rows[:-1], rows[-1]
    assert sorted(r[1] for r in communes) == sorted(COMMUNES.values())  # all 13 have figures
    assert total[1] == "Tổng cộng"
    summary = summarize(district, ADMIN, Y2022).current.indicators
    for col, key in ((header.index("Mô hình: tập thể"), "models.registered.tap_the"),
                     (header.index("Mô hình: cá nhân"), "models.registered.ca_nhan"),
                     (header.index("Hội nghị, tiếp xúc, đối thoại"), "meetings.total")):
        figures = [int(r[col].replace(".", "")) for r in communes]
        assert sum(figures) == int(total[col].replace(".", "")) == summary[key], key
    assert int(total[header.index("Mô hình: tập thể")]) == 190
