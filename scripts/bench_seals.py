"""What record seals (services/seals.py) cost: bulk writes, merges, one save, and the audit check.

Run from the repository: `PYTHONPATH=. .venv/bin/python scripts/bench_seals.py` (about a minute on 2 cores).
Each figure is measured with sealing on, then with sealing switched off in the same process.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import danvan_desktop.services.audit as audit  # noqa: E402
import danvan_desktop.services.seals as seals  # noqa: E402
from danvan_desktop.exchange.package import export_package  # noqa: E402
from danvan_desktop.services.history import check_audit  # noqa: E402
from danvan_desktop.services.merge import apply_package  # noqa: E402
from danvan_desktop.services.records import add_record, update_record  # noqa: E402
from tests.integration.test_package_support import (  # noqa: E402
    ADMIN,
    DISTRICT,
    PROVINCE,
    Q1,
    bulk_meetings,
    commune,
    office,
)


def measure(work: Path, packages: list[Path], tag: str) -> None:
    """Bulk insert of 20,000 meetings, a save, a merge of the packages, and (sealed only) the audit check."""
    (work / tag).mkdir()
    db = commune(work / tag, "Y1")
    t = time.perf_counter()
    bulk_meetings(db, "Y1", 20_000)
    bulk = time.perf_counter() - t
    m = add_record(db, ADMIN, "meeting", {"kind": "khac", "title": "Đo", "date": "01/02/2025"})
    t = time.perf_counter()
    for i in range(50):
        update_record(db, ADMIN, "meeting", m.id, {"participants": i})
    save = (time.perf_counter() - t) / 50
    t = time.perf_counter()
    problems = check_audit(db, ADMIN)
    check = time.perf_counter() - t
    db.close()
    district = office(work / tag / "huyen.db", DISTRICT, [PROVINCE])
    t = time.perf_counter()
    for p in packages:
        assert apply_package(district, ADMIN, p).ok
    merge = time.perf_counter() - t
    district.close()
    print(f"{tag:>9}: bulk 20,000 rows {bulk:.2f} s; one save {save * 1000:.0f} ms; merge {len(packages)} × 4,000 "
          f"{merge:.2f} s; audit check of 20,001 records {check:.2f} s ({len(problems)} problems)")


def main() -> None:
    """Measure with seals, then without."""
    work = Path(tempfile.mkdtemp(prefix="seals-"))
    packages = []
    for code in ("X1", "X2", "X3"):
        db = commune(work, code)
        bulk_meetings(db, code, 4_000)
        export_package(db, ADMIN, Q1, work / f"{code}.xlsx")
        db.close()
        packages.append(work / f"{code}.xlsx")
    measure(work, packages, "sealed")

    def off(s: object, tables: object = None) -> str:
        s.info.pop(seals._TOUCHED, None)
        return ""

    seals.seal_pending = off  # type: ignore[assignment]
    audit.seal_pending = off  # type: ignore[assignment]
    measure(work, packages, "unsealed")


if __name__ == "__main__":
    main()
