"""The SQL specifics of the server store (store/postgres.py behind store/dialects.py): folded search gives the
rows of LIKE through its indexes, lists sort in Vietnamese order, the kept figures follow writes, merges and
undos, and concurrent writers keep the audit chain whole."""

from __future__ import annotations

import datetime as dt
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from danvan_desktop.domain.text import fold, sort_key
from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.figures_check import check_figures
from danvan_desktop.services.history import check_audit
from danvan_desktop.services.merge import apply_package, list_imports, undo_import
from danvan_desktop.services.records import (
    RecordQuery,
    add_record,
    delete_record,
    get_by_keys,
    list_keys,
    list_records,
    restore_deleted,
    update_record,
)
from danvan_desktop.services.undo import undo_last_change
from danvan_desktop.store.database import open_database
from danvan_desktop.store.postgres import sort_key_in, sort_key_out
from tests.integration.test_package_support import ADMIN, DISTRICT, PROVINCE, Q1, commune, office, seed

pytestmark = pytest.mark.server_only

ALPHABET = "abdgnhiouyđĐàáảạBÀ %_/\\\"'.,-0123456789\n\t"
texts = st.text(alphabet=ALPHABET, max_size=30).map(fold)
words = st.text(alphabet=ALPHABET, min_size=1, max_size=4).map(fold).filter(lambda w: w and " " not in w)


@pytest.fixture(scope="module")
def search_conn(pg_server):
    """A connection to a migrated server database (the search function and its extension are there)."""
    name = pg_server.new_database()
    engine = create_engine(pg_server.url(name).replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as c:
        c.exec_driver_sql("CREATE TEMP TABLE t (id serial PRIMARY KEY, search_text text NOT NULL)")
        c.exec_driver_sql("CREATE INDEX ON t USING gin (danvan_short_grams(search_text))")
        c.exec_driver_sql("CREATE INDEX ON t USING gin (search_text gin_trgm_ops)")
        yield c
    engine.dispose()
    pg_server.drop(name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(rows=st.lists(texts, max_size=20), query=st.lists(words, min_size=1, max_size=3))
def test_the_server_search_gives_the_rows_of_like_for_short_and_long_words(search_conn, rows, query):
    from sqlalchemy import Column, Integer, MetaData, Table, Text, and_, select

    from danvan_desktop.store import postgres

    c = search_conn
    c.exec_driver_sql("TRUNCATE t RESTART IDENTITY")
    if rows:
        c.execute(text("INSERT INTO t (search_text) VALUES (:s)"), [{"s": r} for r in rows])
    t = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("search_text", Text))
    conds = [x for x in (postgres.fts_condition(t, query), postgres.short_condition(t, query)) if x is not None]
    found = {r[0] for r in c.execute(select(t.c.id).where(and_(*conds)))}
    expected = {i + 1 for i, r in enumerate(rows) if all(w in r for w in query)}
    assert found == expected


def test_short_and_long_words_are_answered_by_their_indexes_not_a_scan(server_db):
    db = office(server_db, DISTRICT, [PROVINCE])
    try:
        with db.engine.connect() as c:
            c.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: only an index can answer now
            from sqlalchemy import select

            from danvan_desktop.store import postgres
            from danvan_desktop.store.schema import RECORD_TABLES

            t = RECORD_TABLES["petition"]
            for words, index in ((["ba"], "ix_petition_search_short"), (["duong"], "ix_petition_search_trgm")):
                cond = postgres.short_condition(t, words) if len(words[0]) < 3 else postgres.fts_condition(t, words)
                stmt = select(t.c.id).where(cond).compile(c, compile_kwargs={"literal_binds": False})
                plan = "\n".join(r[0] for r in c.exec_driver_sql("EXPLAIN " + str(stmt), stmt.params))
                assert index in plan, plan
                assert "Seq Scan" not in plan
    finally:
        db.close()


def test_petitions_are_found_by_folded_words_through_the_services(server_db):
    db = office(server_db, DISTRICT, [PROVINCE])
    try:
        from danvan_desktop.services.units import add_unit

        add_unit(db, ADMIN, code="X1", name="Xã Bình Lư", level="xa", parent_code="105")
        for content in ("Bà con thôn Lao", "Giá bán phân Bá", "Ba hộ nghèo", "Đường liên thôn", "Giá 50% phân"):
            add_record(db, ADMIN, "petition", {"type": "kien_nghi", "content": content, "received_date": "02/03/2024",
                                               "field": "ha_tang", "status": "moi"}, unit="X1")

        def found(q: str) -> set[str]:
            return {r.title for r in list_records(db, ADMIN, "petition", RecordQuery(search=q, limit=None)).rows}

        assert found("ba") == {"Ba hộ nghèo", "Bà con thôn Lao", "Giá bán phân Bá"}
        assert found("BÀ th") == {"Bà con thôn Lao"}
        assert found("ba thon") == {"Bà con thôn Lao"}
        assert found("50%") == {"Giá 50% phân"} and found("%") == {"Giá 50% phân"} and found("0%p") == set()
        road = next(iter(list_records(db, ADMIN, "petition", RecordQuery(search="duong")).rows))
        update_record(db, ADMIN, "petition", road.id, {"content": "Bãi rác thôn"})
        assert "Bãi rác thôn" in found("ba") and found("duong") == set()
        undo_last_change(db, ADMIN, "petition", road.id)
        assert found("duong") == {"Đường liên thôn"}
        keys = list_keys(db, ADMIN, "petition", RecordQuery(search="ba", sort="content"))
        assert [r.title for r in get_by_keys(db, ADMIN, "petition", keys)] == \
            sorted(["Ba hộ nghèo", "Bà con thôn Lao", "Giá bán phân Bá"], key=sort_key)
    finally:
        db.close()


def test_a_short_word_in_most_rows_is_tested_on_each_text_and_finds_the_same_rows(server_db):
    """After ANALYZE (copy-to runs one) a piece held by most rows is tested on each row's text instead of the
    piece index, whose lossy bitmap re-computes every row's pieces; the rows found are the same."""
    from danvan_desktop.store.postgres import common_pieces
    from danvan_desktop.store.schema import RECORD_TABLES

    db = office(server_db, DISTRICT, [PROVINCE])
    try:
        from danvan_desktop.services.units import add_unit

        add_unit(db, ADMIN, code="X1", name="Xã Bình Lư", level="xa", parent_code="105")
        contents = [f"Bà con thôn {i} xin làm đường" + (" xy" if i % 10 == 0 else "") for i in range(60)]
        for c in contents:
            add_record(db, ADMIN, "petition", {"type": "kien_nghi", "content": c, "received_date": "02/03/2024",
                                               "field": "ha_tang", "status": "moi"}, unit="X1")

        def found(q: str) -> set[str]:
            return {r.title for r in list_records(db, ADMIN, "petition", RecordQuery(search=q, limit=None)).rows}

        before = {q: found(q) for q in ("a", "xy", "a xy", "ba")}
        with db.engine.begin() as c:
            c.exec_driver_sql("ANALYZE petition")
        with db.reader() as s:
            common = common_pieces(s, RECORD_TABLES["petition"])
        assert "a" in common and "xy" not in common  # "a" in every row, "xy" in one in ten
        after = {q: found(q) for q in before}
        assert after == before and len(after["a"]) == 60 and len(after["xy"]) == len(after["a xy"]) == 6
    finally:
        db.close()


SYLLABLES = ["a", "à", "á", "ả", "ã", "ạ", "ă", "ằ", "â", "ấ", "ba", "bà", "bá", "bạ", "ca", "đa", "đà", "da", "dà",
             "e", "ê", "ế", "i", "o", "ô", "ơ", "ờ", "u", "ư", "ứ", "y", "ỳ", "hoa", "hòa", "hoà", "Hoa", "Bản",
             "Bắc", "Bạc", "Nguyễn", "Ngô", "Nghĩa", "Thôn", "10", "2", "Ấp", "Âu", "Đông", "Uông", "Ư"]


def test_lists_sort_titles_and_text_fields_as_domain_text_sort_key_does(server_db):
    rng = random.Random(15)
    names = sorted({" ".join(rng.choice(SYLLABLES) for _ in range(rng.randrange(1, 4))) for _ in range(120)})
    db = office(server_db, DISTRICT, [PROVINCE])
    try:
        for i, name in enumerate(names):
            add_record(db, ADMIN, "meeting", {"kind": "doi_thoai", "title": name, "date": dt.date(2025, 1, 1 + i % 28),
                                              "location": name, "chair": name})
        expected = sorted(names, key=sort_key)
        by_title = list_records(db, ADMIN, "meeting", RecordQuery(sort="title", limit=None)).rows
        assert [r.title for r in by_title] == expected
        by_place = list_records(db, ADMIN, "meeting", RecordQuery(sort="location", limit=None)).rows
        assert [r.values["location"] for r in by_place] == expected
        down = list_records(db, ADMIN, "meeting", RecordQuery(sort="title", descending=True, limit=None)).rows
        assert [r.title for r in down] == expected[::-1]
    finally:
        db.close()


def test_sort_keys_keep_their_order_and_text_escaped_for_the_server():
    rng = random.Random(3)
    alphabet = "\x00\x01\x02ab\u1ea1"
    pool = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(7))) for _ in range(400)]
    assert sorted(pool, key=sort_key_out) == sorted(pool)
    assert all(sort_key_in(sort_key_out(s)) == s and "\x00" not in sort_key_out(s) for s in pool)


def test_kept_figures_follow_writes_a_merge_and_its_undo_on_the_server(server_db, tmp_path, monkeypatch):
    from danvan_desktop.store import dialects
    from tests.integration.test_kept_figures import TODAY, _random_writes

    monkeypatch.setattr(dialects, "COPY_FROM", 1)  # the package's records go in by COPY, as a big one's do

    x1 = commune(tmp_path, "X1")
    seed(x1, "X1", scale=3)
    package = tmp_path / "X1.xlsx"
    export_package(x1, ADMIN, Q1, package)
    x1.close()
    district = office(server_db, DISTRICT, [PROVINCE])
    try:
        from danvan_desktop.services.units import add_unit

        add_unit(district, ADMIN, code="X2", name="Xã Bản Giang", level="xa", parent_code="105")
        rng = random.Random(14)
        _random_writes(district, rng, 60, units=("X2",))
        assert check_figures(district, ADMIN, today=TODAY).ok
        assert apply_package(district, ADMIN, package).ok
        assert check_audit(district, ADMIN) == []
        result = check_figures(district, ADMIN, today=TODAY)
        assert result.ok and result.rows_checked > 0, result.differences
        # The office's own record edited, deleted, brought back; the merged ones left as the package made them.
        meeting = add_record(district, ADMIN, "meeting", {"kind": "doi_thoai", "title": "Đối thoại",
                                                          "date": dt.date(2025, 3, 3), "participants": 40}, unit="X2")
        update_record(district, ADMIN, "meeting", meeting.id, {"date": dt.date(2024, 7, 1), "participants": 900})
        delete_record(district, ADMIN, "meeting", meeting.id)
        restore_deleted(district, ADMIN, "meeting", meeting.id)
        assert check_figures(district, ADMIN, today=TODAY).ok
        undo_import(district, ADMIN, list_imports(district, ADMIN)[0].id)
        assert check_figures(district, ADMIN, today=TODAY).ok
        # The migration's fill (emptied, then counted from the records at once) gives the same tables.
        from danvan_desktop.store.aggregates import postgresql_install

        with district.engine.begin() as c:
            before = {t: sorted(c.exec_driver_sql(f"SELECT * FROM {t} WHERE n <> 0")) for t in ("fig_meeting",
                                                                                                  "fig_petition")}
            for stmt in postgresql_install(fill=True):
                c.exec_driver_sql(stmt)
            after = {t: sorted(c.exec_driver_sql(f"SELECT * FROM {t}")) for t in before}
        assert before == after and before["fig_meeting"]
        assert check_figures(district, ADMIN, today=TODAY).ok
        # A count changed behind the program's back is found.
        with district.engine.begin() as c:
            c.exec_driver_sql("UPDATE fig_meeting SET n = n + 1 WHERE ctid = (SELECT ctid FROM fig_meeting LIMIT 1)")
        assert not check_figures(district, ADMIN, today=TODAY).ok
    finally:
        district.close()


def test_concurrent_writers_on_the_server_all_succeed_and_the_audit_chain_stays_whole(server_db):
    """Eight PCs (each its own connection pool) save at once: every save lands, one audit chain, unbroken."""
    office(server_db, DISTRICT, [PROVINCE]).close()
    pcs = [open_database(server_db) for _ in range(8)]
    failures: list[BaseException] = []

    def save(i: int) -> None:
        db = pcs[i % len(pcs)]
        try:
            rec = add_record(db, ADMIN, "meeting", {"kind": "doi_thoai", "title": f"Đối thoại số {i}",
                                                    "date": dt.date(2025, 2, 1 + i % 28), "participants": 10 + i})
            if i % 5 == 0:
                update_record(db, ADMIN, "meeting", rec.id, {"participants": 500 + i}, expected_revision=rec.revision)
        except BaseException as e:  # noqa: BLE001 - every failure is counted
            failures.append(e)

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(save, range(120)))
        assert failures == []
        db = pcs[0]
        assert list_records(db, ADMIN, "meeting", RecordQuery(search="doi thoai so", limit=None)).total == 120
        assert check_audit(db, ADMIN) == []
        with db.engine.connect() as c:
            ids = [r[0] for r in c.execute(text("SELECT id FROM audit_log ORDER BY id"))]
            links = c.execute(text("SELECT count(*) FROM audit_log a JOIN audit_log b ON b.prev_hash = a.hash")
                              ).scalar()
        assert links == len(ids) - 1  # every entry but the first follows exactly one other
        # An entry removed from the middle breaks the chain, and the check says so.
        with db.engine.begin() as c:
            c.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": ids[len(ids) // 2]})
        assert check_audit(db, ADMIN) != []
    finally:
        for db in pcs:
            db.close()


def test_rows_copied_in_bulk_are_stored_as_an_insert_stores_them(server_db):
    """COPY (a big merge on a server) and INSERT give the same rows: escaped sort keys, dates, flags, defaults;
    and the kept figures and search indexes follow the copied rows."""
    from danvan_desktop.domain.kinds import KIND_BY_KEY
    from danvan_desktop.services.records import stored_columns
    from danvan_desktop.store.dialects import bulk_insert
    from danvan_desktop.store.schema import RECORD_TABLES, utcnow

    db = office(server_db, DISTRICT, [PROVINCE])
    k, t = KIND_BY_KEY["meeting"], RECORD_TABLES["meeting"]
    now = utcnow()

    def rows(prefix: str) -> list[dict]:
        out = []
        for i in range(30):
            values = {f.key: None for f in k.fields} | {
                "kind": "doi_thoai", "title": ["Đối thoại", "Ấp Bắc", "", "a\x01b"][i % 4] + f" {i}",
                "date": dt.date(2025, 1 + i % 12, 1 + i % 28), "participants": i, "women": i // 2}
            out.append({"id": f"{prefix}-{i:04d}", "unit_id": 2, "created_at": now, "updated_at": now,
                        "created_by": "xa", "updated_by": "xa", "revision": 1 + i % 3, "deleted": i % 7 == 0,
                        "notes": "ghi chú" if i % 2 else "", **stored_columns(k, values, "", "Huyện Tam Đường"),
                        "stored_at": now})
        return out

    try:
        with db.transaction() as s:
            bulk_insert(s, t, rows("copy"), copy_from=1)
            bulk_insert(s, t, rows("insr"), copy_from=10_000)
        with db.reader() as s:
            got = {r.id: r for r in s.execute(t.select().order_by(t.c.id))}
        copied = [got[f"copy-{i:04d}"]._mapping for i in range(30)]
        inserted = [got[f"insr-{i:04d}"]._mapping for i in range(30)]
        blank = {"id": None, "row_hash": None}  # the seal covers the id
        assert [{**r, **blank} for r in copied] == [{**r, **blank} for r in inserted]
        assert all(r["row_hash"] for r in copied)  # sealed at commit like any write
        assert copied[0]["sort_key"] == rows("x")[0]["sort_key"] and "\x00" in copied[0]["sort_key"]
        assert list_records(db, ADMIN, "meeting", RecordQuery(search="ap bac", limit=None)).total == 14
        assert check_figures(db, ADMIN, today=dt.date(2026, 11, 24)).ok
    finally:
        db.close()
