"""The figures of the scale issue on a PostgreSQL server beside the same office's SQLite file (issue 15).

    python scripts/bench_server.py OFFICE.db postgresql://user@host:port/EMPTY_DB [--skip-copy]

Copies the office (e.g. the 500,000-record province of scripts/scale_data.py) onto the empty server database
with the program's own copy-to (services/moving.py), then runs the same measures on both stores, each in a
fresh process: the lists and searches of scripts/bench.py and the summaries a person waits for. Prints one
table (best of several runs; the machine may be shared) and the raw JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench  # noqa: E402  (scripts/bench.py: best_of, run_child, the lists measure)


def child_server_summary(target: str) -> dict[str, Any]:
    """Summaries on one store: a closed year with its comparison, the running year as of a day, one commune."""
    from danvan_desktop.domain.periods import parse_period
    from danvan_desktop.services.actor import SYSTEM
    from danvan_desktop.services.summary import summarize
    from danvan_desktop.store.database import open_database

    db = open_database(target, create=False)
    day = dt.date(2026, 11, 24)
    out = {
        "year_closed_ms": bench.best_of(lambda: summarize(db, SYSTEM, parse_period("2024"))),
        "year_as_of_ms": bench.best_of(lambda: summarize(db, SYSTEM, parse_period("2026"), as_of=day, today=day)),
        "month_ms": bench.best_of(lambda: summarize(db, SYSTEM, parse_period("2026-11"), as_of=day, today=day)),
        "one_commune_ms": bench.best_of(lambda: summarize(db, SYSTEM, parse_period("2026"), "X001", as_of=day,
                                                          today=day)),
        "rss_mb": bench.rss_mb(),
    }
    db.close()
    return out



ROWS = [
    ("summary", "year_closed_ms", "summary: province, closed year 2024, with the previous year"),
    ("summary", "year_as_of_ms", "summary: province, 2026 as of 24/11, with the same span a year earlier"),
    ("summary", "month_ms", "summary: province, one month as of a day"),
    ("summary", "one_commune_ms", "summary: one commune, 2026 as of 24/11"),
    ("lists", "first_page_ms", "list: first page of all petitions"),
    ("lists", "row_keys_ms", "list: all row keys (background, once per list)"),
    ("lists", "block_in_middle_ms", "list: rows in the middle (by keys)"),
    ("lists", "sorted_first_page_ms", "list: sorted by content (Vietnamese order)"),
    ("lists", "search_3_words_ms", "search: three words without marks"),
    ("lists", "search_no_hit_ms", "search: nothing found"),
    ("lists", "search_2_letters_ms", "search: one two-letter word in most rows"),
    ("lists", "search_1_letter_ms", "search: one one-letter word (every row)"),
    ("lists", "search_2_letters_no_hit_ms", "search: a two-letter word found nowhere"),
    ("lists", "overdue_ms", "overview: kiến nghị overdue, count and oldest 100"),
    ("lists", "one_commune_first_page_ms", "list: one commune's petitions"),
]


def _own_child(name: str, target: str) -> dict[str, Any]:
    """Run a measure of this file in a fresh process (bench.run_child starts scripts/bench.py)."""
    import subprocess

    r = subprocess.run([sys.executable, __file__, "--child", name, target], capture_output=True, text=True,
                       check=True)
    return dict(json.loads([line for line in r.stdout.splitlines() if line.startswith("{")][-1]))


def _measure(target: str) -> dict[str, Any]:
    return {"lists": bench.run_child("lists", target), "summary": _own_child("server_summary", target)}


def main() -> None:
    """Copy, measure both stores, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("office", type=Path)
    ap.add_argument("server")
    ap.add_argument("--skip-copy", action="store_true", help="the server database already holds the office")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    out: dict[str, Any] = {}
    if not a.skip_copy:
        from danvan_desktop.services.actor import SYSTEM
        from danvan_desktop.services.moving import copy_office
        from danvan_desktop.store.database import open_database

        src, dest = open_database(a.office, create=False), open_database(a.server)
        t = time.perf_counter()
        report = copy_office(src, dest, SYSTEM)
        out["copy_s"] = time.perf_counter() - t
        out["copied_rows"] = sum(n for _, n in report.counts)
        out["copy_problems"] = list(report.problems)
        src.close()
        dest.close()
    out["sqlite"] = _measure(str(a.office.resolve()))
    out["postgresql"] = _measure(a.server)
    print(json.dumps(out, indent=1))
    print()
    if "copy_s" in out:
        print(f"copy-to of the office onto the server, with its checks: {out['copy_s']:.0f} s")
    print("| what | SQLite | PostgreSQL |\n|---|---|---|")
    for part, key, label in ROWS:
        a_ms, b_ms = out["sqlite"][part].get(key), out["postgresql"][part].get(key)
        if a_ms is not None and b_ms is not None:
            print(f"| {label} | {a_ms:.0f} ms | {b_ms:.0f} ms |")
    print(f"| peak memory of the lists process | {out['sqlite']['lists']['rss_mb']:.0f} MB | "
          f"{out['postgresql']['lists']['rss_mb']:.0f} MB |")


if __name__ == "__main__":
    if "--child" in sys.argv:  # bench.run_child starts this file again as a measure
        i = sys.argv.index("--child")
        name, rest = sys.argv[i + 1], sys.argv[i + 2:]
        print(json.dumps({"server_summary": child_server_summary}[name](*rest)), flush=True)
    else:
        main()
