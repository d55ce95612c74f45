"""Issue 11, the merge half, written as the attacks: a hostile or careless office edits its own database by hand
with sqlite3, then exports a validly signed package; what another office owns must come through untouched.

Tree: province 12 → district 105 → communes X1, X2 (each with a village), as in test_package_support.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.completeness import completeness
from danvan_desktop.services.merge import accept_new_key, apply_package, undo_import
from danvan_desktop.services.records import add_record, get_record, update_record
from danvan_desktop.services.setup import UnitSpec
from danvan_desktop.services.signing import own_fingerprint, trusted_keys
from danvan_desktop.services.summary import summarize
from danvan_desktop.services.units import add_unit, list_units
from tests.integration.test_merge_cli import danvan
from tests.integration.test_package_support import (
    ADMIN,
    DISTRICT,
    PROVINCE,
    Q1,
    commune,
    db_arg,
    hand_sql,
    office,
    record_state,
    seed,
)
from tests.stores import place

Q2 = parse_period("2025-Q2")


def sql(db, statement: str, *args) -> None:
    """What a hostile office does to its own database, outside the program."""
    hand_sql(db, statement, *args)


def figures(db, unit=None, period=Q1):
    return summarize(db, ADMIN, period, unit).current.indicators


def package(db, tmp_path: Path, name: str, period=Q1, unit=None) -> Path:
    out = tmp_path / "goi" / f"{name}.xlsx"
    export_package(db, ADMIN, period, out, unit)
    return out


@pytest.fixture
def offices(tmp_path):
    """Communes X1, X2 (seeded) and their district, which has merged X2 and entered a record of its own."""
    x1, x2 = commune(tmp_path, "X1"), commune(tmp_path, "X2")
    seeded = {"X1": seed(x1, "X1"), "X2": seed(x2, "X2")}
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    assert apply_package(district, ADMIN, package(x2, tmp_path, "X2")).ok
    own = add_record(district, ADMIN, "meeting", {"kind": "giao_ban", "title": "Hội nghị của huyện",
                                                  "date": dt.date(2025, 2, 14), "participants": 80})
    yield x1, x2, district, seeded, own
    for db in (x1, x2, district):
        db.close()


# ---- 1. ownership ------------------------------------------------------------------------------------------

def test_a_commune_reusing_a_siblings_and_the_districts_record_ids_changes_neither(offices, tmp_path):
    x1, x2, district, seeded, own = offices
    sibling = seeded["X2"]["meeting0"].id
    mine = seeded["X1"]
    # X1 gives two of its meetings the ids of X2's meeting and of the district's own, a high revision, and
    # marks the second deleted: "move into me, overwrite, delete".
    sql(x1, "UPDATE meeting SET id = ?, revision = 50 WHERE id = ?", sibling, mine["meeting0"].id)
    sql(x1, "UPDATE meeting SET id = ?, revision = 50, deleted = ? WHERE id = ?", own.id, True, mine["deleted"].id)
    before = {k: v for k, v in record_state(district).items() if k == "meeting"}
    hostile = package(x1, tmp_path, "X1-xau")
    dry = danvan("--db", db_arg(district), "--user", "admin", "merge", "--dry-run", str(hostile))
    assert dry.returncode == 0 and dry.stdout.count("Từ chối: Hội nghị") == 2, dry.stdout + dry.stderr
    assert "ngoài phạm vi đơn vị gửi" in dry.stdout
    r = apply_package(district, ADMIN, hostile)
    assert r.ok and r.counts.refused == 2
    assert {x.record_id for x in r.refused_records} == {sibling, own.id}
    assert all("ngoài phạm vi đơn vị gửi" in x.reason_text for x in r.refused_records)
    after = record_state(district)["meeting"]
    for rid in (sibling, own.id):
        assert [row for row in after if row[0] == rid] == [row for row in before["meeting"] if row[0] == rid]
    assert figures(district, "X2") == figures(x2)
    # The real owner's next package is no conflict.
    update_record(x2, ADMIN, "meeting", sibling, {"participants": 321})
    again = apply_package(district, ADMIN, package(x2, tmp_path, "X2-moi"))
    assert again.ok and again.counts.conflicts == 0 and again.counts.replaced == 1
    assert figures(district, "X2") == figures(x2)


def test_an_upper_case_record_id_is_the_same_record_not_a_second_one(offices, tmp_path):
    x1, _, district, seeded, _ = offices
    assert apply_package(district, ADMIN, package(x1, tmp_path, "X1")).ok
    total = figures(district)["meetings.total"]
    rid = seeded["X1"]["meeting0"].id
    sql(x1, "UPDATE meeting SET id = ?, revision = revision + 1, participants = 555 WHERE id = ?", rid.upper(), rid)
    r = apply_package(district, ADMIN, package(x1, tmp_path, "X1-hoa"))
    assert r.ok and r.counts.added == 0 and r.counts.replaced == 1
    assert figures(district)["meetings.total"] == total
    assert get_record(district, ADMIN, "meeting", rid).values["participants"] == 555


@pytest.mark.sqlite_only  # a server's integer columns cannot hold such a number: the edit is refused
@pytest.mark.parametrize("revision", [2**31, 2**62])
def test_a_revision_beyond_two_to_the_31_is_refused_with_the_column_named(offices, tmp_path, revision):
    x1, _, district, seeded, _ = offices
    sql(x1, "UPDATE meeting SET revision = ? WHERE id = ?", revision, seeded["X1"]["meeting0"].id)
    before = record_state(district)
    r = apply_package(district, ADMIN, package(x1, tmp_path, "X1-lan-sua"))
    assert not r.ok and r.reason == "damaged" and "Lần sửa phải từ 1 đến" in r.message and str(revision) in r.message
    assert record_state(district) == before


# ---- 2. unit identity --------------------------------------------------------------------------------------

def test_two_communes_with_a_village_of_the_same_code_stay_apart(offices, tmp_path):
    x1, x2, district, _, _ = offices
    for db, code in ((x1, "X1"), (x2, "X2")):
        add_unit(db, ADMIN, code="01", name=f"Bản Nà Ản {code}", level="thon", parent_code=code)
        add_record(db, ADMIN, "meeting", {"kind": "giao_ban", "title": f"Họp bản 01 ({code})",
                                          "date": dt.date(2025, 3, 5), "participants": 10 if code == "X1" else 20},
                   unit="01")
    for db, code in ((x1, "X1"), (x2, "X2")):
        r = apply_package(district, ADMIN, package(db, tmp_path, f"{code}-ban"))
        assert r.ok, r.message
    villages = [u for u in list_units(district) if u.code == "01"]
    assert sorted((u.parent_code, u.name) for u in villages) == [("X1", "Bản Nà Ản X1"), ("X2", "Bản Nà Ản X2")]
    assert len({u.uid for u in villages}) == 2
    assert figures(district, "X1") == figures(x1) and figures(district, "X2") == figures(x2)
    assert all(c.delivered for c in completeness(district, ADMIN, Q1))


def test_a_package_of_the_format_before_identities_still_merges_onto_the_same_units(offices, tmp_path):
    from openpyxl import load_workbook

    from tests.integration.test_package_support import reseal_package

    x1, _, district, _, _ = offices
    old = package(x1, tmp_path, "X1-cu")
    wb = load_workbook(old)
    for ws in wb.worksheets:
        keys = [c.value for c in ws[2]]
        for key in ("withdrawn", "unit_uid", "parent_uid", "uid"):
            if key in keys:
                ws.delete_cols(keys.index(key) + 1)
                keys.remove(key)
    meta = wb["Thông tin"]
    for row in range(meta.max_row, 2, -1):
        if str(meta.cell(row, 1).value or "").endswith("uid"):
            meta.delete_rows(row)
    wb.save(old)
    reseal_package(old)
    r = apply_package(district, ADMIN, old)
    assert r.ok, r.message
    assert figures(district, "X1") == figures(x1)
    assert {u.uid for u in list_units(district) if u.code in ("X1", "X1-01")} == \
        {u.uid for u in list_units(x1) if u.code in ("X1", "X1-01")}


# ---- 3. keys -----------------------------------------------------------------------------------------------

@pytest.fixture
def province(tmp_path):
    db = office(place(tmp_path, "tinh.db"), PROVINCE, [])
    yield db
    db.close()


def test_an_impostor_for_a_commune_relayed_by_its_district_is_refused(offices, province, tmp_path):
    x1, _, district, seeded, _ = offices
    assert apply_package(district, ADMIN, package(x1, tmp_path, "X1")).ok
    assert apply_package(province, ADMIN, package(district, tmp_path, "105")).ok
    # A stranger installs the program as X1 and sends "newer" versions of X1's records.
    fake = commune(tmp_path / "gia", "X1")
    seed(fake, "X1")
    rid = seeded["X1"]["meeting0"].id
    sql(fake, "UPDATE meeting SET id = ?, revision = 9, participants = 1, women = 0, ethnic_minority = 0 WHERE id = "
              "(SELECT min(id) FROM meeting)", rid)
    before = record_state(province)
    r = apply_package(province, ADMIN, package(fake, tmp_path, "X1-gia"))
    assert (r.ok, r.reason) == (False, "key_changed") and "Huyện Tam Đường" in r.message, r.message
    assert record_state(province) == before
    fake.close()


def test_a_stranger_cannot_add_a_village_under_a_pinned_commune(offices, tmp_path):
    x1, _, district, _, _ = offices
    assert apply_package(district, ADMIN, package(x1, tmp_path, "X1")).ok
    stranger = office(place(tmp_path, "la.db"), UnitSpec("X1-99", "Bản Lạ", "thon"),
                      [UnitSpec("X1", "Xã Bình Lư", "xa"), DISTRICT, PROVINCE])
    add_record(stranger, ADMIN, "meeting", {"kind": "giao_ban", "title": "Họp giả", "date": dt.date(2025, 3, 1),
                                            "participants": 5000})
    before = record_state(district)
    r = apply_package(district, ADMIN, package(stranger, tmp_path, "X1-99"))
    assert (r.ok, r.reason) == (False, "key_changed") and "Xã Bình Lư" in r.message
    assert record_state(district) == before and "X1-99" not in {u.code for u in list_units(district)}
    stranger.close()


def test_a_district_exporting_one_communes_package_does_not_pin_its_key_for_that_commune(offices, province,
                                                                                        tmp_path):
    x1, _, district, _, _ = offices
    assert apply_package(district, ADMIN, package(x1, tmp_path, "X1")).ok
    relayed = package(district, tmp_path, "X1-qua-huyen", unit="X1")
    assert apply_package(province, ADMIN, relayed).ok
    pinned = {e["code"]: e["fingerprint"] for e in trusted_keys(province).values()}
    assert pinned == {"105": own_fingerprint(district)}
    # X1 now reports directly: its key is not the district's; an admin compares and accepts it.
    direct = package(x1, tmp_path, "X1-truc-tiep")
    r = apply_package(province, ADMIN, direct)
    assert (r.ok, r.reason) == (False, "key_changed")
    assert accept_new_key(province, ADMIN, direct)[0] == own_fingerprint(x1)
    assert apply_package(province, ADMIN, direct).ok
    assert figures(province, "X1") == figures(x1)


# ---- 7. undo and late changes ------------------------------------------------------------------------------

def test_undo_leaves_tombstones_that_reach_the_level_above(offices, province, tmp_path):
    x1, _, district, _, _ = offices
    first = apply_package(district, ADMIN, package(x1, tmp_path, "X1"))
    assert apply_package(province, ADMIN, package(district, tmp_path, "105")).ok
    assert figures(province, "X1") == figures(x1)
    undo_import(district, ADMIN, first.import_id)
    assert figures(district, "X1")["meetings.total"] == 0
    assert apply_package(province, ADMIN, package(district, tmp_path, "105-sau-hoan-tac")).ok
    assert figures(province, "X1")["meetings.total"] == 0
    # The commune's package applied again at the district brings its records back at both levels.
    assert apply_package(district, ADMIN, package(x1, tmp_path, "X1-lai")).ok
    r = apply_package(province, ADMIN, package(district, tmp_path, "105-lai"))
    assert r.ok and r.counts.conflicts == 0 and figures(province, "X1") == figures(x1)


def test_undo_keeps_records_another_applied_import_delivered(offices, tmp_path):
    x1, _, district, _, _ = offices
    q2 = apply_package(district, ADMIN, package(x1, tmp_path, "X1-Q2", Q2))
    assert apply_package(district, ADMIN, package(x1, tmp_path, "X1-Q1")).ok
    sites = figures(x1)["religious_sites.total"]
    assert figures(district, "X1")["religious_sites.total"] == sites > 0
    undo_import(district, ADMIN, q2.import_id)  # the Q1 import still delivers the registries
    assert figures(district, "X1")["religious_sites.total"] == sites
    assert figures(district, "X1") == figures(x1)


def test_a_change_that_arrives_after_the_period_was_sent_goes_in_the_next_package(offices, province, tmp_path):
    x1, _, district, seeded, _ = offices
    assert apply_package(district, ADMIN, package(x1, tmp_path, "X1")).ok
    assert apply_package(province, ADMIN, package(district, tmp_path, "105-Q1")).ok
    # X1 answered a Q1 meeting's figures in May; its Q2 package reaches the district only now.
    rid = seeded["X1"]["meeting0"].id
    update_record(x1, ADMIN, "meeting", rid, {"participants": 777})
    sql(x1, "UPDATE meeting SET updated_at = '2025-05-20 08:00:00.000000' WHERE id = ?", rid)
    assert apply_package(district, ADMIN, package(x1, tmp_path, "X1-Q2", Q2)).counts.replaced == 1
    today = dt.date.today()
    now = parse_period(f"{today.year}-{today.month:02d}")
    nxt = package(district, tmp_path, "105-ky-sau", now)
    assert apply_package(province, ADMIN, nxt).ok
    assert get_record(province, ADMIN, "meeting", rid).values["participants"] == 777


# ---- 6. damaged files in a folder ---------------------------------------------------------------------------

def _bad_crc(src: Path, out: Path) -> Path:
    """The package with one byte of a sheet's stored data changed (a copy damaged on a USB stick)."""
    import zipfile

    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = next(i for i in z.infolist() if i.filename.startswith("xl/worksheets/") and i.compress_size > 200)
    # Local header: 30 bytes + name + extra, then the compressed data; change a byte in its middle.
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0x55
    out.write_bytes(bytes(data))
    return out


def _missing_shared_string(src: Path, out: Path) -> Path:
    """The package saved by another program, one of its cells pointing at a shared string that is not there."""
    import re
    import zipfile

    from openpyxl import load_workbook

    resaved = out.with_suffix(".tmp.xlsx")
    load_workbook(src).save(resaved)
    with zipfile.ZipFile(resaved) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet4.xml":  # the first record sheet: a cell points past the table
                body, n = re.subn(rb't="inlineStr"><is><t[^>]*>[^<]*</t></is>', b't="s"><v>999999</v>', body,
                                  count=1)
                assert n == 1
            zout.writestr(item, body)
    resaved.unlink()
    return out


def test_a_damaged_package_in_a_folder_is_refused_in_vietnamese_and_the_rest_still_merge(offices, tmp_path):
    from danvan_desktop.services.merge import apply_packages

    x1, x2, district, _, _ = offices
    folder = tmp_path / "thu-muc"
    folder.mkdir()
    good = package(x1, tmp_path, "X1")
    _bad_crc(good, folder / "a-hong-crc.xlsx")
    _missing_shared_string(package(x2, tmp_path, "X2-lai"), folder / "b-thieu-chuoi.xlsx")
    (folder / "c-tot.xlsx").write_bytes(good.read_bytes())
    results = apply_packages(district, ADMIN, [folder])
    assert [(r.file_name, r.ok) for r in results] == [("a-hong-crc.xlsx", False), ("b-thieu-chuoi.xlsx", False),
                                                      ("c-tot.xlsx", True)]
    # Vietnamese only: the reader's English ("BadZipFile: Bad CRC-32 for file …") stays in the details.
    assert [r.message for r in results[:2]] == ["Tệp “a-hong-crc.xlsx” bị hỏng, không đọc được trang “Thông tin”.",
                                                "Tệp “b-thieu-chuoi.xlsx” bị hỏng, không đọc được trang “Hội nghị”."]
    for r in results[:2]:
        assert r.reason == "damaged" and ": " in r.details and r.details not in r.message, r.details
    assert figures(district, "X1") == figures(x1)


def test_a_commune_claiming_a_siblings_identity_for_a_unit_of_its_own_is_refused(offices, tmp_path):
    x1, x2, district, _, _ = offices
    sibling_uid = next(u.uid for u in list_units(district) if u.code == "X2")
    # X1 renames its village's identity to X2's by hand, so X2's records would seem to sit under X1.
    sql(x1, "UPDATE unit SET uid = ? WHERE code = 'X1-01'", sibling_uid)
    before = record_state(district)
    r = apply_package(district, ADMIN, package(x1, tmp_path, "X1-gia-danh"))
    assert (r.ok, r.reason) == (False, "record_outside") and "Xã Bản Giang" in r.message, r.message
    assert record_state(district) == before and figures(district, "X2") == figures(x2)
