"""A merge does not hold a package's bookkeeping in memory (docs/PERFORMANCE.md, merge memory): the seals it
sets go to a temporary table past a threshold, and the import ledger's id lists are written batch by batch.
Forced small here, the results must be what a person checks: the audit chain and its seal digests whole,
every record sealed, and undo taking out exactly what each import brought."""

from __future__ import annotations

import hashlib
import math

import pytest
from sqlalchemy import func, select, text

from danvan_desktop.exchange.package import export_package
from danvan_desktop.services import merge as merge_service
from danvan_desktop.services import seals as seals_service
from danvan_desktop.services.audit import verify_chain
from danvan_desktop.services.merge import apply_package, undo_import
from danvan_desktop.services.records import update_record
from danvan_desktop.services.seals import broken_seals
from danvan_desktop.services.summary import summarize
from danvan_desktop.store.schema import RECORD_TABLES, AuditEntry, ImportAdded, ImportDelivered
from tests.integration.test_package_support import ADMIN, DISTRICT, PROVINCE, Q1, commune, office, seed
from tests.stores import place


def _figures(db):  # type: ignore[no-untyped-def]
    return summarize(db, ADMIN, Q1).current.indicators


def _seal_digest_of_every_record(db) -> str:  # type: ignore[no-untyped-def]
    """What the import's audit entry must carry when the import sealed every record the office holds:
    SHA-256 over "table:id:seal;" by table name, then by id in code-point order."""
    digest = hashlib.sha256()
    with db.reader() as s:
        for name in sorted(t.name for t in RECORD_TABLES.values()):
            t = next(t for t in RECORD_TABLES.values() if t.name == name)
            for rid, seal in sorted(s.execute(select(t.c.id, t.c.row_hash)).all()):
                digest.update(f"{name}:{rid}:{seal};".encode())
    return digest.hexdigest()


@pytest.fixture
def source(tmp_path):  # type: ignore[no-untyped-def]
    src = commune(tmp_path, "X1")
    made = seed(src, "X1", scale=3)
    yield src, made
    src.close()


@pytest.mark.parametrize("spill", [3, None], ids=["seals-spilled", "seals-in-memory"])
def test_the_import_entry_seals_every_merged_record_whether_or_not_the_seals_spill(tmp_path, source, monkeypatch,
                                                                                  spill):
    src, _ = source
    package = tmp_path / "x1.xlsx"
    export_package(src, ADMIN, Q1, package)
    if spill is not None:
        monkeypatch.setattr(seals_service, "_SPILL", spill)
    monkeypatch.setattr(merge_service, "_BATCH", 4)  # several batches per kind
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])  # holds no record of its own
    result = apply_package(district, ADMIN, package)
    assert result.ok and result.counts.added > 3 * 4
    with district.reader() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
        assert verify_chain(s) == []
        assert broken_seals(s) == ([], 0)
    assert entry.seal == _seal_digest_of_every_record(district)
    assert _figures(district) == _figures(src)
    district.close()


def test_a_replaced_record_is_sealed_anew_and_its_import_entry_names_that_seal_after_a_spill(tmp_path, source,
                                                                                           monkeypatch):
    src, made = source
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    export_package(src, ADMIN, Q1, first)
    rid = made["meeting1"].id
    update_record(src, ADMIN, "meeting", rid, {"participants": 999})
    export_package(src, ADMIN, Q1, second)
    monkeypatch.setattr(seals_service, "_SPILL", 0)  # every seal goes through the temporary table
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    assert apply_package(district, ADMIN, first).ok
    again = apply_package(district, ADMIN, second)
    assert again.ok and again.counts.replaced == 1 and rid in again.changes.record_ids
    with district.reader() as s:
        seal = s.scalar(select(RECORD_TABLES["meeting"].c.row_hash).where(RECORD_TABLES["meeting"].c.id == rid))
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.id)).all()
        assert verify_chain(s) == [] and broken_seals(s) == ([], 0)
    assert entries[-1].seal == hashlib.sha256(f"meeting:{rid}:{seal};".encode()).hexdigest()
    district.close()


def test_the_ledger_written_batch_by_batch_lets_undo_take_out_exactly_what_each_import_brought(tmp_path, source,
                                                                                             monkeypatch):
    src, made = source
    monkeypatch.setattr(merge_service, "_BATCH", 2)
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    info = export_package(src, ADMIN, Q1, first)
    rid = made["petition0"].id
    update_record(src, ADMIN, "petition", rid, {"content": "Đề nghị sửa đường liên bản Nà Khum"})
    export_package(src, ADMIN, Q1, second)
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    one = apply_package(district, ADMIN, first)
    assert one.ok and one.counts.added == info.total
    with district.reader() as s:
        added_rows = s.scalar(select(func.count()).select_from(ImportAdded)
                              .where(ImportAdded.import_id == one.import_id))
        delivered_rows = s.scalar(select(func.count()).select_from(ImportDelivered)
                                  .where(ImportDelivered.import_id == one.import_id))
    per_kind = {k: n for k, n in info.counts.items() if n}
    assert added_rows == delivered_rows == sum(math.ceil(n / 2) for n in per_kind.values())
    after_first = _figures(district)
    two = apply_package(district, ADMIN, second)
    assert two.ok and two.counts.replaced == 1 and two.counts.unchanged == info.total - 1
    undo_import(district, ADMIN, two.import_id)
    assert _figures(district) == after_first
    undo_import(district, ADMIN, one.import_id)
    assert _figures(district)["meetings.total"] == 0
    with district.reader() as s:
        live = s.execute(text("SELECT count(*) FROM petition WHERE NOT deleted")).scalar()
        assert live == 0 and verify_chain(s) == []
    district.close()
