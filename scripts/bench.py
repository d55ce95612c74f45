"""The one benchmark command: every speed and memory target of issue 7, each against its floor, in one run.

    python scripts/bench.py [--work DIR] [--quick]

Measures (2-core machine; floors measured in the same run):
  start-up      program to a usable window (overview figures shown) vs an empty PySide6 window
  lists         first page, scrolling (row keys + blocks), sorting and searching 500,000 records
  summary       a province-year's indicators vs the same counts by one hand-written SQL query
  export        100,000 records to a package vs openpyxl write-only alone   (scripts/bench_export_merge.py)
  merge         100 packages × 2,000 records vs raw sqlite3 executemany      (scripts/bench_export_merge.py)
  report        the yearly PDF report of 100 communes                         (scripts/bench_report.py)
and writes docs/PERFORMANCE.md with the machine, the figures and the ratios. Each measure runs in its own
process so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
PY = sys.executable


def rss_mb() -> float:
    """Peak resident memory of this process in MB (0 where the platform cannot tell)."""
    from bench_memory import peak_mb

    return peak_mb()


def cpu_ms() -> float:
    """Processor time this process has used so far (user + system, all threads), in ms.

    On a shared machine the wall time of a start-up varies several-fold with the neighbours' load; the
    processor time it needed varies far less, so both are reported.
    """
    t = os.times()
    return (t.user + t.system) * 1000


def best_of(fn: Any, n: int = 5) -> float:
    """Best wall time of n runs, in ms (the machine is shared; the best run is the repeatable one)."""
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


# ---- child processes ----------------------------------------------------------------------------------------

def child_empty_window() -> dict[str, Any]:
    """Floor: import PySide6, show an empty main window, let it paint."""
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([])
    w = QMainWindow()
    w.resize(1366, 768)
    w.show()
    app.processEvents()
    print("READY", flush=True)
    return {"rss_mb": rss_mb(), "cpu_ms": cpu_ms()}


def child_program_window(db_path: str) -> dict[str, Any]:
    """The program: open the database, sign in, show the main window, wait for the overview's figures."""
    from PySide6.QtCore import QCoreApplication, QEventLoop
    from PySide6.QtWidgets import QApplication

    from danvan_desktop.services.accounts import authenticate
    from danvan_desktop.store.database import open_database
    from danvan_desktop.ui.main import build_window, prepare_app
    from danvan_desktop.ui.tasks import TaskRunner

    app = QApplication([])
    prepare_app(app)
    runner = TaskRunner()
    db = open_database(db_path, create=False)
    actor = authenticate(db, "admin", os.environ["DANVAN_PASSWORD"])
    w = build_window(db, actor, runner)
    w.resize(1366, 768)
    w.show()
    QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    print("SHOWN", flush=True)  # the window is on screen and answers clicks; figures still loading
    overview_shown = False
    while not (w.overview.is_loaded and not runner.busy):
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        if w.overview.is_loaded and not overview_shown:
            overview_shown = True
            print("OVERVIEW", flush=True)  # cards, month chart and both lists all shown
        time.sleep(0.005)  # do not spin: the figures are computed on worker threads
    if not overview_shown:
        print("OVERVIEW", flush=True)
    print("READY", flush=True)
    return {"rss_mb": rss_mb()}


def child_lists(db_path: str) -> dict[str, Any]:
    """Lists on the province database: the operations a person waits for."""
    from danvan_desktop.services.actor import SYSTEM
    from danvan_desktop.services.records import (
        RecordQuery,
        get_by_keys,
        list_keys,
        list_records,
        overdue_petitions,
    )
    from danvan_desktop.store.database import open_database

    db = open_database(db_path, create=False)
    out: dict[str, Any] = {}
    total = list_records(db, SYSTEM, "petition", RecordQuery(limit=1)).total
    out["rows"] = total
    out["first_page_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition", RecordQuery(limit=200)))
    out["row_keys_ms"] = best_of(lambda: list_keys(db, SYSTEM, "petition"), 3)
    keys = list_keys(db, SYSTEM, "petition")
    out["block_at_end_ms"] = best_of(lambda: get_by_keys(db, SYSTEM, "petition", keys[-200:]))
    out["block_in_middle_ms"] = best_of(lambda: get_by_keys(db, SYSTEM, "petition",
                                                            keys[len(keys) // 2:len(keys) // 2 + 200]))
    out["sorted_first_page_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition",
                                                               RecordQuery(sort="content", limit=200)))
    out["search_3_words_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition",
                                                            RecordQuery(search="duong lien ban", limit=200)))
    out["search_no_hit_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition",
                                                           RecordQuery(search="khong co dau ca", limit=200)))
    out["search_2_letters_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition",
                                                              RecordQuery(search="ha", limit=200)), 3)
    out["search_1_letter_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition",
                                                             RecordQuery(search="a", limit=200)), 3)
    out["search_2_letters_no_hit_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition",
                                                                     RecordQuery(search="xy", limit=200)), 3)
    as_of = dt.date(2026, 11, 24)  # the day the data were built for: many petitions are overdue by then
    out["overdue_ms"] = best_of(lambda: overdue_petitions(db, SYSTEM, as_of))
    out["one_commune_first_page_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition",
                                                                    RecordQuery(unit_code="X001", limit=200)))
    out["rss_mb"] = rss_mb()
    return out


def child_program_login(db_path: str) -> dict[str, Any]:
    """The program as a person starts it (ui.main.run_gui): the frame and the sign-in, then the window.

    Prints LOGIN when the sign-in is on screen, fills it in, and SHOWN/READY when the main window is.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    state: dict[str, float] = {}

    def poll() -> None:
        for w in QApplication.topLevelWidgets():
            name = type(w).__name__
            if name == "LoginDialog" and w.isVisible() and "login" not in state:
                state["login"] = cpu_ms()
                print("LOGIN", flush=True)
                w.username.setText("admin")  # type: ignore[attr-defined]
                w.password.setText(os.environ["DANVAN_PASSWORD"])  # type: ignore[attr-defined]
                w.submit()  # type: ignore[attr-defined]
            elif name == "MainWindow" and w.isVisible() and "shown" not in state:
                state["shown"] = cpu_ms()
                print("SHOWN", flush=True)
                print("READY", flush=True)
                w.close()
                return
        QTimer.singleShot(2, poll)

    QTimer.singleShot(0, poll)
    from danvan_desktop.__main__ import main as danvan  # the way a person starts it: `danvan --db FILE`

    danvan(["--db", db_path])
    del app
    return {"rss_mb": rss_mb(), "login_cpu_ms": state.get("login", 0.0)}


FLOOR_SQL = """
SELECT
 (SELECT count(*) FROM meeting WHERE deleted=0 AND date BETWEEN :a AND :b),
 (SELECT sum(participants) FROM meeting WHERE deleted=0 AND date BETWEEN :a AND :b),
 (SELECT sum(women) FROM meeting WHERE deleted=0 AND date BETWEEN :a AND :b),
 (SELECT sum(ethnic_minority) FROM meeting WHERE deleted=0 AND date BETWEEN :a AND :b),
 (SELECT group_concat(k || '=' || n || '/' || p) FROM (SELECT kind || '/' || coalesce(organizer, '') k, count(*) n,
    coalesce(sum(participants), 0) p FROM meeting WHERE deleted=0 AND date BETWEEN :a AND :b GROUP BY kind, organizer)),
 (SELECT group_concat(k || '=' || n || '/' || r) FROM (SELECT type || '/' || status || '/' || field k, count(*) n,
    sum(status IN ('giai_trinh', 'da_giai_quyet') AND (resolved_date IS NULL OR resolved_date <= :b)) r
    FROM petition WHERE deleted=0 AND received_date BETWEEN :a AND :b GROUP BY type, status, field)),
 (SELECT count(*) FROM petition WHERE deleted=0 AND type = 'kien_nghi' AND deadline < :b
    AND NOT (status IN ('giai_trinh', 'da_giai_quyet') AND (resolved_date IS NULL OR resolved_date <= :b))),
 (SELECT group_concat(k || '=' || n) FROM (SELECT kind || '/' || follow_up || '/' || coalesce(lead_body, '') k,
    count(*) n FROM monitoring WHERE deleted=0 AND start_date BETWEEN :a AND :b GROUP BY kind, follow_up, lead_body)),
 (SELECT group_concat(k || '=' || n) FROM (SELECT registration k, count(*) n, sum(followers) f
    FROM religious_site WHERE deleted=0 GROUP BY registration)),
 (SELECT group_concat(k || '=' || n) FROM (SELECT result || '/' || coalesce(checking_body, '') k, count(*) n
    FROM religious_check WHERE deleted=0 AND date BETWEEN :a AND :b GROUP BY result, checking_body)),
 (SELECT group_concat(k || '=' || n) FROM (SELECT registrant_kind || '/' || field || '/' || status k, count(*) n
    FROM model WHERE deleted=0 AND registered_date BETWEEN :a AND :b GROUP BY registrant_kind, field, status)),
 (SELECT group_concat(k || '=' || n) FROM (SELECT registrant_kind k, count(*) n FROM model
    WHERE deleted=0 AND award_date BETWEEN :a AND :b AND award <> '' GROUP BY registrant_kind))
"""


def child_summary(db_path: str) -> dict[str, Any]:
    """The province-year summary (one period, and with its previous-year comparison) vs the SQL floor."""
    import sqlite3

    from danvan_desktop.domain.periods import parse_period
    from danvan_desktop.services.actor import SYSTEM
    from danvan_desktop.services.summary import figures, summarize
    from danvan_desktop.services.units import home
    from danvan_desktop.store.database import open_database

    db = open_database(db_path, create=False)
    period = parse_period("2024")
    with db.reader() as s:
        root = home(s)
        one = best_of(lambda: figures(s, root, period))
    both = best_of(lambda: summarize(db, SYSTEM, period))
    con = sqlite3.connect(db_path)
    floor = best_of(lambda: con.execute(FLOOR_SQL, {"a": "2024-01-01", "b": "2024-12-31"}).fetchone())
    return {"one_period_ms": one, "with_previous_year_ms": both, "floor_ms": floor, "ratio": one / floor,
            "rss_mb": rss_mb()}


CHILDREN = {"empty_window": child_empty_window, "program_window": child_program_window,
            "program_login": child_program_login,
            "lists": child_lists, "summary": child_summary}


def run_child(name: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one measure in a fresh process; returns its JSON (with 'wall_ms' to READY if it prints one)."""
    t = time.perf_counter()
    p = subprocess.Popen([PY, __file__, "--child", name, *args], stdout=subprocess.PIPE, text=True,
                         env={**os.environ, **(env or {})})
    assert p.stdout is not None
    ready_ms = shown_ms = login_ms = overview_ms = None
    result: dict[str, Any] = {}
    for line in p.stdout:
        if line.strip() == "LOGIN" and login_ms is None:
            login_ms = (time.perf_counter() - t) * 1000
        if line.strip() == "SHOWN" and shown_ms is None:
            shown_ms = (time.perf_counter() - t) * 1000
        if line.strip() == "OVERVIEW" and overview_ms is None:
            overview_ms = (time.perf_counter() - t) * 1000
        if line.strip() == "READY" and ready_ms is None:
            ready_ms = (time.perf_counter() - t) * 1000
        elif line.startswith("{"):
            result = json.loads(line)
    if p.wait() != 0:
        raise SystemExit(f"measure {name} failed")
    if ready_ms is not None:
        result["wall_ms"] = ready_ms
    result["shown_ms"] = shown_ms if shown_ms is not None else ready_ms
    if login_ms is not None:
        result["login_ms"] = login_ms
    if overview_ms is not None and shown_ms is not None:
        result["overview_after_window_ms"] = overview_ms - shown_ms
    return result


def compile_bytecode() -> None:
    """Compile the program's modules as installing it does (pip writes .pyc files; PySide6's are there).

    A development tree run with PYTHONDONTWRITEBYTECODE would otherwise compile every module from source at
    each start, a cost no installed program pays and the empty window (all compiled) does not pay either.
    """
    import compileall

    compileall.compile_dir(str(ROOT / "danvan_desktop"), quiet=1)


def startup(db_path: Path, runs: int = 5) -> dict[str, Any]:
    """Start-up vs the empty window: best of `runs` each (fresh processes, the two kinds taking turns so a
    neighbour's burst of load falls on both)."""
    compile_bytecode()
    env = {"QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"), "DANVAN_PASSWORD": "matkhau123"}
    floors, logins = [], []
    for _ in range(runs):
        floors.append(run_child("empty_window", env=env))
        logins.append(run_child("program_login", str(db_path), env=env))
    floor = min(floors, key=lambda r: r["wall_ms"])
    login = min(logins, key=lambda r: r["login_ms"])
    floor_cpu = min(r["cpu_ms"] for r in floors)
    login_cpu = min(r["login_cpu_ms"] for r in logins)
    progs = [run_child("program_window", str(db_path), env=env) for _ in range(3)]
    prog = min(progs, key=lambda r: r["shown_ms"])
    return {"floor_cpu_ms": floor_cpu, "login_cpu_ms": login_cpu, "login_cpu_ratio": login_cpu / floor_cpu,
            "floor_ms": floor["wall_ms"], "program_ms": prog["shown_ms"], "ratio": prog["shown_ms"] / floor["wall_ms"],
            "figures_ms": prog["wall_ms"],
            "overview_after_window_ms": min(r["overview_after_window_ms"] for r in progs),
            "floor_rss_mb": floor["rss_mb"], "program_rss_mb": prog["rss_mb"],
            "login_ms": login["login_ms"], "login_ratio": login["login_ms"] / floor["wall_ms"],
            "signed_in_window_ms": login["shown_ms"]}


def main() -> None:
    """Run every measure and write docs/PERFORMANCE.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, help="folder for generated data (kept and reused)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--skip-export-merge", action="store_true")
    ap.add_argument("--skip-report", action="store_true")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(CHILDREN[a.child](*a.args)), flush=True)
        return
    work = a.work or Path(tempfile.mkdtemp(prefix="danvan-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    province = work / "province.db"
    if not province.exists():
        from scale_data import build_province

        t = time.perf_counter()
        build_province(province).close()
        print(f"Tạo dữ liệu tỉnh (100 xã × 5 năm): {time.perf_counter() - t:.0f} s", flush=True)
    results: dict[str, Any] = {}
    results["startup"] = startup(province)
    print("startup", json.dumps(results["startup"]), flush=True)
    results["lists"] = run_child("lists", str(province))
    print("lists", json.dumps(results["lists"]), flush=True)
    results["summary"] = run_child("summary", str(province))
    print("summary", json.dumps(results["summary"]), flush=True)
    if not a.skip_export_merge:
        results["export_merge"] = _json_tail([PY, str(ROOT / "scripts" / "bench_export_merge.py"),
                                              "--work", str(work / "export-merge"), "--json"])
    if not a.skip_report:
        results["report"] = _json_tail([PY, str(ROOT / "scripts" / "bench_report.py"), "--db",
                                        str(work / "report.db"), "--json"])
    (work / "results.json").write_text(json.dumps(results, indent=2))
    write_markdown(results, ROOT / "docs" / "PERFORMANCE.md")
    print(f"Đã ghi docs/PERFORMANCE.md; số liệu thô: {work / 'results.json'}")


def _json_tail(cmd: list[str]) -> dict[str, Any]:
    """Run a sub-benchmark that ends with one JSON line; echo its output."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    print(p.stdout, p.stderr, sep="", flush=True)
    if p.returncode != 0:
        raise SystemExit(f"{cmd[1]} failed")
    return json.loads([line for line in p.stdout.splitlines() if line.startswith("{")][-1])


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1048576:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} cores{mem}; {system}; Python {platform.python_version()}"


MISSED_TARGETS = [
    "## How each target is met, and what is left", "",
    "- **The overview after the window** (target ≤ 0.5 s at 500,000 records): the row above times the moment "
    "its cards, month chart and both lists are all shown, from the moment the main window is on screen. The "
    "window used to ask the overview for the same unit and period twice while it was being built (once when "
    "the unit tree chose its first unit, once when the first page was opened), and the second request, made "
    "while the first read was under way, started six background reads where three do; it now reads once "
    "(tests/ui/test_overview_parts.py counts the reads). The reads that follow (the report page's settings, the "
    "keys tab) are in the \"every background read\" row.",
    "- **Start-up.** The frame and the sign-in show before the data layer is imported, and before anything a "
    "person does not see: the sign-in has its own module (ui/login.py); no PySide6 class with large enums is "
    "imported on the way (importing a class into a module builds its Python enums, and touching the `Qt` "
    "namespace builds all ~90 of its enums, ≈ 30 ms); the command line opens the window before importing the "
    "domain rules; platformdirs only when no --db is given. What a person waits for is measured from "
    "`danvan --db FILE` with the bytecode compiled, as an installed program has it (tests/ui/test_startup.py "
    "lists the modules allowed before the sign-in); the ≤ 1.5× target is that window's. The main window comes "
    "after the Argon2 check (≈ 0.16 s, on purpose) and its own construction, and has no ratio target.",
    "- **The overview** reads its cards, its month chart and its two lists in three background tasks; the cards "
    "show when their own read is done (tests/ui/test_overview_parts.py). The overdue list reads one index "
    "holding every column of the overdue condition (ix_petition_live_overdue, migration 0008).",
    "- **All row keys of a 250,000-row list** (read once per list in the background, after the first page is "
    "on screen) come from the driver's cursor: SQLAlchemy's row objects were half their time (135 → 74 ms "
    "measured apart from this bench).",
    "- **Words of one or two letters** are answered by an FTS5 index of every one- and two-character piece of "
    "the folded text (migration 0008). A plain search of such words counts the index's matches (row keys only) "
    "and, when the word is common (the rows walked for a page, page end × rows ÷ matches, under 1/8 of the "
    "matches), pages by walking the list's order and testing each row's text, its total being the matches less "
    "the deleted rows holding it; a rare word gathers its rows from the index; a word held nowhere answers at "
    "once (tests/integration/test_short_word_pages.py). With a unit, a period, a filter or a longer word the "
    "matches are still gathered: \"a\" within one commune costs the count of its matches.",
    "- **The summary** reads the kept count tables; what depends on the as-of day D beyond the span comes from "
    "indexed queries. The overdue stock's kiến nghị answered after D walks the shorter of two covering-index "
    "ranges (answers after D, deadlines before D), chosen from the dates' extent (tests/integration/"
    "test_overdue_walks.py). The margin to 40 ms is small: a closed year (2024 as of 31/12/2024) still walks "
    "about a year of answers twice (petitions answered after D, for the year and the year before: ≈ 25–35 ms of "
    "its ≈ 45 ms of processor time); a count table of answers by month of receipt, deadline and answer, kept by "
    "the same triggers, would read those as a few dozen rows (not done).",
    "- **Package export.** openpyxl writes every data row (≈ 85% of the time). Beyond its floor the export "
    "reads the rows (Core rows, not ORM), checks and hashes them, and it used to give openpyxl each date as a "
    "value, which openpyxl styles in a new cell every time (≈ 10% of the export); each date column now has one "
    "cell styled once, holding the same serial number openpyxl computes (`to_excel`), and the row conversion "
    "tells such a cell from a value by its class instead of by the exception openpyxl raises first. The sheets "
    "are byte for byte what they were (compared unzipped on 100,000 records); 1.18–1.23× → 1.05×.",
    "- **Merge.** Time: indexes and kept figures upkept once per batch of 500 rows, seals computed at insert "
    "(section below). Memory: a merge keeps nothing per record beyond the batch in hand except the reader's "
    "duplicate check and the set of ids written, which the window is told (one id each): the seals it sets go "
    "to a temporary table past 20,000, and the import ledger's id lists are written batch by batch. One package "
    "of 500,000 records now peaks at 180 MB (399 MB before), its set-up included; see the section on merge "
    "memory below.",
    "",
]


KEEP_MARKER = "<!-- bench.py writes everything above this line; what follows is kept as written -->"


def write_markdown(r: dict[str, Any], out: Path) -> None:
    """docs/PERFORMANCE.md from the results."""
    from danvan_desktop.store.sqlite import sqlite3_version

    s, li, su = r["startup"], r["lists"], r["summary"]
    lines = [
        "# Performance", "",
        f"Measured by `python scripts/bench.py` on {time.strftime('%Y-%m-%d')}: {_machine()}; SQLite "
        f"{sqlite3_version()}. Times are the best of several runs (the machine is shared); memory is each "
        "process's peak resident size.", "",
        "| what | figure | floor | ratio | target | met |", "|---|---|---|---|---|---|",
        f"| start-up to the main window, signed in without a dialog (500,000 records) | {s['program_ms']:.0f} ms | "
        f"{s['floor_ms']:.0f} ms (empty PySide6 window) | {s['ratio']:.2f}× | < 1.5 s | "
        f"{'yes' if s['program_ms'] < 1500 else 'no'} |",
        f"| overview fully shown after the main window (cards, month chart, both lists) | "
        f"{s['overview_after_window_ms']:.0f} ms | | | ≤ 500 ms | "
        f"{'yes' if s['overview_after_window_ms'] <= 500 else 'no'} |",
        f"| start-up until every background read of the window is done | {s['figures_ms']:.0f} ms | | | | |",
        f"| start-up to the window frame and sign-in (what a person sees first) | {s['login_ms']:.0f} ms | "
        f"{s['floor_ms']:.0f} ms (empty PySide6 window) | {s['login_ratio']:.2f}× | ≤ 1.5× | "
        f"{'yes' if s['login_ratio'] <= 1.5 else 'no'} |",
        f"| same, processor time (steadier than wall time on a shared machine) | {s['login_cpu_ms']:.0f} ms | "
        f"{s['floor_cpu_ms']:.0f} ms | {s['login_cpu_ratio']:.2f}× | ≤ 1.5× | "
        f"{'yes' if s['login_cpu_ratio'] <= 1.5 else 'no'} |",
        f"| same, then signed in (Argon2 check) until the main window is shown | {s['signed_in_window_ms']:.0f} ms "
        "| | | | |",
        f"| province-year summary (one period) | {su['one_period_ms']:.0f} ms | {su['floor_ms']:.0f} ms "
        f"(one SQL query) | {su['ratio']:.2f}× | ≤ 2× | {'yes' if su['ratio'] <= 2 else 'no'} |",
        f"| same, with the previous-year comparison (kept figures) | {su['with_previous_year_ms']:.0f} ms | | | "
        f"≤ 40 ms | {'yes' if su['with_previous_year_ms'] <= 40 else 'no'} |",
    ]
    for key, label in (("first_page_ms", "list: first page of 250,000 petitions"),
                       ("block_at_end_ms", "list: rows at the end (after the keys)"),
                       ("block_in_middle_ms", "list: rows in the middle"),
                       ("sorted_first_page_ms", "list: sorted by content (Vietnamese order)"),
                       ("search_3_words_ms", "search: three words without marks"),
                       ("search_no_hit_ms", "search: nothing found"),
                       ("one_commune_first_page_ms", "list: one commune's petitions"),
                       ("row_keys_ms", "list: all 250,000 row keys (background, once per list)"),
                       ("search_2_letters_ms", "search: one two-letter word, 58% of rows (short-piece index)"),
                       ("search_1_letter_ms", "search: one one-letter word, every row (short-piece index)"),
                       ("search_2_letters_no_hit_ms", "search: a two-letter word found nowhere"),
                       ("overdue_ms", "overview: kiến nghị overdue, count and oldest 100")):
        ms = li[key]
        lines.append(f"| {label} | {ms:.0f} ms | | | < 100 ms | {'yes' if ms < 100 else 'no'} |")
    em = r.get("export_merge")
    if em:
        ex, mg = em["export"], em["merge"]
        lines += [
            f"| package export, 100,000 records | {ex['seconds']:.1f} s | {ex['floor_seconds']:.1f} s (openpyxl "
            f"write-only) | {ex['ratio']:.2f}× | ≤ 1.2× | {'yes' if ex['ratio'] <= 1.2 else 'no'} |",
            f"| merge, 100 packages × 2,000 records | {mg['seconds']:.1f} s, {mg['peak_mb']:.0f} MB | "
            f"{mg['floor_seconds']:.1f} s (sqlite3 executemany) | {mg['ratio']:.2f}× | ≤ 1.5× and < 300 MB | "
            f"{'yes' if mg['ratio'] <= 1.5 and mg['peak_mb'] < 300 else 'no'} |",
        ]
        if "cpu_seconds" in mg:
            cpu_ratio = mg["cpu_seconds"] / mg["floor_cpu_seconds"]
            lines.append(f"| same, processor time | {mg['cpu_seconds']:.1f} s | {mg['floor_cpu_seconds']:.1f} s | "
                         f"{cpu_ratio:.2f}× | ≤ 1.5× | {'yes' if cpu_ratio <= 1.5 else 'no'} |")
    rp = r.get("report")
    if rp:
        lines.append(f"| yearly report of {rp['communes']} communes (PDF, {rp['pages']} pages) | "
                     f"{rp['seconds']:.1f} s, {rp['peak_rss_mb']:.0f} MB | | | | |")
    lines += ["", f"Peak memory: empty window {s['floor_rss_mb']:.0f} MB, program window {s['program_rss_mb']:.0f} "
              f"MB, lists {li['rss_mb']:.0f} MB, summary {su['rss_mb']:.0f} MB.", ""]
    lines += MISSED_TARGETS
    out.parent.mkdir(parents=True, exist_ok=True)
    # The sections below the marker (before/after studies, the national run) are kept as they are.
    kept = out.read_text(encoding="utf-8").split(KEEP_MARKER, 1) if out.exists() else []
    lines += ["", KEEP_MARKER + (kept[1] if len(kept) == 2 else "\n")]
    out.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
