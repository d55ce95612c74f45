"""Words of one or two letters are searched through the index of short pieces (migration 0008): the same
rows as LIKE '%word%', kept in step by every write, and "ba" finds Bà, Bá and Ba."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from danvan_desktop.domain.text import fold
from danvan_desktop.services.records import RecordQuery, add_record, delete_record, list_records, update_record
from danvan_desktop.services.undo import undo_last_change
from danvan_desktop.store.sqlite import short_index_install
from tests.conftest import ADMIN

# Letters, marks, punctuation, LIKE's own wildcards and whitespace: what folded texts and words hold.
ALPHABET = "abdgnhiouyđĐàáảạBÀ %_/\\\"'.,-0123456789\n\t"
texts = st.text(alphabet=ALPHABET, max_size=30).map(fold)
words = st.text(alphabet=ALPHABET, min_size=1, max_size=2).map(fold).filter(lambda w: 0 < len(w) < 3 and " " not in w)


def _table(rows: list[str]) -> sqlite3.Connection:
    c = sqlite3.connect(":memory:")
    c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, search_text TEXT NOT NULL)")
    for stmt in short_index_install("t", fill=False):
        c.execute(stmt)
    c.executemany("INSERT INTO t (search_text) VALUES (?)", [(r,) for r in rows])
    return c


def _like(c: sqlite3.Connection, ws: list[str]) -> set[int]:
    esc = [w.replace("/", "//").replace("%", "/%").replace("_", "/_") for w in ws]
    where = " AND ".join("search_text LIKE '%' || ? || '%' ESCAPE '/'" for _ in esc) or "1"
    return {r[0] for r in c.execute(f"SELECT rowid FROM t WHERE {where}", esc)}


def _indexed(c: sqlite3.Connection, ws: list[str]) -> set[int]:
    q = " AND ".join('"' + w.encode("utf-8").hex().upper() + '"' for w in sorted(set(ws)))
    return {r[0] for r in c.execute("SELECT rowid FROM t_fts_short WHERE t_fts_short MATCH ?", (q,))}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(texts, max_size=25), edits=st.lists(st.tuples(st.integers(0, 30), texts), max_size=8),
       drops=st.lists(st.integers(0, 30), max_size=5), query=st.lists(words, min_size=1, max_size=3))
def test_short_index_gives_the_rows_of_like_after_inserts_updates_and_deletes(rows, edits, drops, query):
    c = _table(rows)
    for rid, text in edits:
        c.execute("UPDATE t SET search_text = ? WHERE rowid = ?", (text, rid))
    for rid in drops:
        c.execute("DELETE FROM t WHERE rowid = ?", (rid,))
    assert _indexed(c, query) == _like(c, query)
    c.execute("INSERT INTO t_fts_short(t_fts_short) VALUES ('integrity-check')")


def test_migration_fill_matches_the_triggers():
    rows = ["ba ban bà", "x_y 50%", "", "ơ đ", "a\tb"]
    c = _table(rows)
    filled = sqlite3.connect(":memory:")
    filled.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, search_text TEXT NOT NULL)")
    filled.executemany("INSERT INTO t (search_text) VALUES (?)", [(fold(r),) for r in rows])
    for stmt in short_index_install("t", fill=True):
        filled.execute(stmt)
    c.execute("UPDATE t SET search_text = ?", ("",))
    c.execute("DELETE FROM t")
    c.executemany("INSERT INTO t (search_text) VALUES (?)", [(fold(r),) for r in rows])
    for w in ("ba", "a", "_", "%", "0%", "d", "b"):
        assert _indexed(filled, [w]) == _like(filled, [w]) == _indexed(c, [w]) == _like(c, [w]), w


def _petition(db, content, unit="X1"):
    return add_record(db, ADMIN, "petition", {"type": "kien_nghi", "content": content, "received_date": "02/03/2024",
                                              "field": "ha_tang", "status": "moi"},
                      unit=unit)


def _contents(db, q):
    return {r.title for r in list_records(db, ADMIN, "petition", RecordQuery(search=q, limit=None)).rows}


def test_ba_finds_ba_with_any_mark_and_edits_follow(district):
    # Xã Bình Lư's name holds no "ba", so only the contents decide.
    for text in ("Bà con thôn Lao", "Giá bán phân Bá", "Ba hộ nghèo", "Đường liên thôn", "Nước sinh hoạt"):
        _petition(district, text)
    assert _contents(district, "ba") == {"Ba hộ nghèo", "Bà con thôn Lao", "Giá bán phân Bá"}
    assert _contents(district, "BÀ") == _contents(district, "ba")
    assert _contents(district, "ba th") == {"Bà con thôn Lao"}
    assert _contents(district, "o") == {"Bà con thôn Lao", "Ba hộ nghèo", "Đường liên thôn", "Nước sinh hoạt"}
    assert _contents(district, "ba thon") == {"Bà con thôn Lao"}  # a short and a long word together
    assert _contents(district, "ba lien") == set()
    road = next(r for r in list_records(district, ADMIN, "petition", RecordQuery(search="duong")).rows)
    update_record(district, ADMIN, "petition", road.id, {"content": "Bãi rác thôn"})
    assert "Bãi rác thôn" in _contents(district, "ba")
    undo_last_change(district, ADMIN, "petition", road.id)
    assert "Bãi rác thôn" not in _contents(district, "ba")
    assert "Đường liên thôn" in _contents(district, "o")
    gone = next(r for r in list_records(district, ADMIN, "petition", RecordQuery(search="ba ho")).rows)
    delete_record(district, ADMIN, "petition", gone.id)
    assert "Ba hộ nghèo" not in _contents(district, "ba")
    assert list_records(district, ADMIN, "petition", RecordQuery(search="xy")).total == 0


@pytest.mark.sqlite_only  # the FTS5 table of an SQLite file; the server's index: test_pg_migrations.py
def test_a_database_of_the_previous_schema_gets_the_index_filled(district):
    from alembic import command
    from alembic.config import Config

    from danvan_desktop.paths import migrations_path
    from danvan_desktop.store.database import open_database

    for text in ("Bà con thôn Lao", "Nước sinh hoạt", "Giá 50% phân"):
        _petition(district, text)
    path = district.path
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    with district.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")  # the schema just before the short-piece index
    district.close()
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE '%fts_short%'").fetchone()[0] == 0
    c.close()
    db = open_database(path)  # migrates to the head: the index comes back filled from the texts
    try:
        assert _contents(db, "ba") == {"Bà con thôn Lao"}
        assert _contents(db, "0%") == {"Giá 50% phân"}
        assert _contents(db, "oa") == {"Nước sinh hoạt"}
        with sqlite3.connect(path) as c:
            for table in ("meeting", "petition", "monitoring", "religious_site", "religious_check", "model"):
                c.execute(f"INSERT INTO {table}_fts_short({table}_fts_short) VALUES ('integrity-check')")
        c.close()
    finally:
        db.close()


def test_every_search_through_the_service_finds_what_the_plain_text_holds(district):
    import random

    from danvan_desktop.domain.text import matches

    rng = random.Random(14)
    syllables = ["Bà", "bá", "ba", "Đường", "đê", "50%", "a_b", "ủy", "Ý", "kiến", "x", "nghị", "Lao", "ơ", "h/ạ"]
    for _ in range(30):
        _petition(district, " ".join(rng.choice(syllables) for _ in range(rng.randint(1, 6))))
    from danvan_desktop.store.schema import RECORD_TABLES

    t = RECORD_TABLES["petition"]
    with district.reader() as s:  # either store
        stored = dict(s.execute(select(t.c.id, t.c.search_text).where(t.c.deleted.is_(False))).all())
    for _ in range(150):
        source = fold(rng.choice(syllables) + " " + rng.choice(syllables))
        words = [source[i:i + rng.randint(1, 4)].strip() or "a" for i in sorted(rng.sample(range(len(source)), 2))]
        query = " ".join(words)
        found = {r.id for r in list_records(district, ADMIN, "petition", RecordQuery(search=query, limit=None)).rows}
        assert found == {rid for rid, text in stored.items() if matches(query, text)}, query
