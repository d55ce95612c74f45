"""Short-word searches and the overview's overdue list on one database, for a before/after comparison.

    PYTHONPATH=<source tree> python scripts/bench_search.py DATABASE [SOURCE_TREE]

Opens (and so migrates) the database with the code of SOURCE_TREE (default: this tree), then prints the best
of several runs of: the first page and the total of a search, all row keys of it, and the overdue list.
Run it on a copy built by scripts/scale_data.py with the old tree, then on another copy with the new one.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).resolve().parents[1]))

from danvan_desktop.services.actor import SYSTEM  # noqa: E402
from danvan_desktop.services.records import RecordQuery, list_keys, list_records, overdue_petitions  # noqa: E402
from danvan_desktop.store.database import open_database  # noqa: E402

WORDS = ("ha", "ba", "a", "uy", "xy", "ha noi", "duong lien ban")


def best(fn: Any, n: int = 5) -> tuple[float, Any]:
    """Best wall time of n runs in ms, and the last answer."""
    b, r = float("inf"), None
    for _ in range(n):
        t = time.perf_counter()
        r = fn()
        b = min(b, time.perf_counter() - t)
    return b * 1000, r


def main() -> None:
    """Print the figures."""
    t = time.perf_counter()
    db = open_database(sys.argv[1], create=False)
    print(f"open (and migrate): {(time.perf_counter() - t) * 1000:.0f} ms")
    for q in WORDS:
        ms, page = best(lambda q=q: list_records(db, SYSTEM, "petition", RecordQuery(search=q, limit=200)))
        keys_ms, keys = best(lambda q=q: list_keys(db, SYSTEM, "petition", RecordQuery(search=q)), 3)
        print(f"search {q!r}: first page {ms:.0f} ms, {page.total} found; all keys {keys_ms:.0f} ms ({len(keys)})")
    for unit in (None, "X001"):
        ms, page = best(lambda unit=unit: overdue_petitions(db, SYSTEM, dt.date(2026, 11, 24), unit))
        print(f"overdue petitions ({unit or 'whole province'}): {ms:.0f} ms, {page.total} overdue")
    db.close()


if __name__ == "__main__":
    main()
