"""Everything PostgreSQL-specific in one place: the engine, the writers' lock, error messages, and the DDL the
migrations create on a server instead of SQLite's FTS5 tables and triggers (search indexes, the `vi` collation).

An office with several PCs shares one PostgreSQL server (SPEC §7, §8). Writers queue on one transaction-scoped
advisory lock taken at the start of every write transaction, as SQLite's BEGIN IMMEDIATE does for a file:
a save waits for the other writer instead of failing, and the audit chain, the kept figures and the merge
ledger see one writer at a time.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL

from danvan_desktop.store.errors import DatabaseUnavailable
from danvan_desktop.store.target import password_hint, shown

WRITE_LOCK_KEY = 0x44414E56414E  # "DANVAN": one advisory lock for the whole database
# How long a writer waits for another writer (a big merge holds the lock a while), as on SQLite.
LOCK_TIMEOUT_MS = 120_000


def make_engine(url: URL) -> Engine:
    """An engine on one PostgreSQL database (psycopg 3). Write transactions take the writers' lock first."""
    engine = create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=4,
                           connect_args={"application_name": "danvan", "connect_timeout": 10})

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("danvan_write"):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")

    return engine


def unavailable(url: URL, err: BaseException) -> DatabaseUnavailable:
    """The plain Vietnamese message for the server refusing or not answering."""
    text = str(err).lower()
    where = shown(url)
    kept = "Dữ liệu đã lưu trước đó không bị ảnh hưởng; thay đổi đang làm (nếu có) chưa được lưu."
    if "password" in text or "authentication" in text:
        msg = (f"Máy chủ dữ liệu “{where}” từ chối đăng nhập (sai tên đăng nhập hoặc mật khẩu của máy chủ). "
               f"Mật khẩu được lấy từ {password_hint()}; hãy hỏi người quản trị máy chủ.")
    elif "does not exist" in text and "database" in text:
        msg = (f"Trên máy chủ chưa có cơ sở dữ liệu “{url.database}”. Người quản trị máy chủ cần tạo nó trước "
               "(xem README, mục máy chủ dữ liệu).")
    elif "lock timeout" in text or "canceling statement due to lock" in text:
        msg = f"Máy chủ dữ liệu “{where}” đang bận ghi việc khác quá lâu. {kept} Hãy thử lại sau ít phút."
    elif "read-only" in text or "read only" in text:
        msg = f"Máy chủ dữ liệu “{where}” đang ở chế độ chỉ đọc. {kept}"
    elif "no space" in text or "disk full" in text:
        msg = f"Ổ đĩa của máy chủ dữ liệu “{where}” đã đầy. {kept} Hãy báo người quản trị máy chủ."
    else:  # refused, timed out, network down, server stopped
        msg = (f"Không kết nối được máy chủ dữ liệu “{where}” (máy chủ chưa chạy, sai địa chỉ, hoặc mạng nội bộ "
               f"bị ngắt). {kept} Hãy kiểm tra mạng rồi thử lại.")
    return DatabaseUnavailable(msg)


# ---- sort keys: domain.text.sort_string separates its parts with NUL, which PostgreSQL text cannot hold -------

_SORT_ESCAPE = re.compile("[\x00\x01]")
_SORT_UNESCAPE = re.compile("\x01([\x01\x02])")


def sort_key_out(value: str) -> str:
    """A sort string as stored on a server: NUL becomes \\x01\\x01 and \\x01 becomes \\x01\\x02.

    The code is prefix-free and keeps the order of single characters (NUL < \\x01 < everything else), so byte
    order of the stored form (COLLATE "C") is the order of the original strings.
    """
    return _SORT_ESCAPE.sub(lambda m: "\x01\x01" if m.group() == "\x00" else "\x01\x02", value)


def sort_key_in(value: str) -> str:
    """The sort string sort_key_out stored."""
    return _SORT_UNESCAPE.sub(lambda m: "\x00" if m.group(1) == "\x01" else "\x01", value)


# ---- DDL the migrations run on a server ---------------------------------------------------------------------

VI_COLLATION = "CREATE COLLATION IF NOT EXISTS vi (provider = icu, locale = 'vi-VN')"
"""The collation `vi` that services name for Vietnamese order (SQLite registers a Python function by that name)."""

SHORT_GRAMS_FUNCTION = "danvan_short_grams"


def trigram_index_install(table: str) -> list[str]:
    """pg_trgm (a trusted extension in PostgreSQL 15: the database owner may create it) and a GIN trigram index
    on one record table's folded search text: LIKE '%word%' for words of 3+ characters reads the index."""
    return ["CREATE EXTENSION IF NOT EXISTS pg_trgm",
            f"CREATE INDEX IF NOT EXISTS ix_{table}_search_trgm ON {table} USING gin (search_text gin_trgm_ops)"]


def trigram_index_drop(table: str) -> list[str]:
    """Statements removing one record table's trigram index (the extension stays: others may use it)."""
    return [f"DROP INDEX IF EXISTS ix_{table}_search_trgm"]


def short_grams_function() -> str:
    """An IMMUTABLE function giving the one- and two-character pieces of a text that hold no space.

    A word of one or two letters occurs in a text exactly when it is one of these pieces, so a GIN index on the
    function's result answers `pieces @> ARRAY[word]` with the same rows as LIKE '%word%' without a scan (a
    trigram index cannot: it has no trigram of a two-letter word). One pass over the characters in PL/pgSQL
    (≈ 65 µs for a 100-character text; set-based SQL with substr is 6× slower); GIN drops repeated pieces.
    """
    return (f"CREATE OR REPLACE FUNCTION {SHORT_GRAMS_FUNCTION}(t text) RETURNS text[] "
            "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
            "DECLARE c text[] := string_to_array(t, NULL); n int := coalesce(array_length(c, 1), 0); "
            "o text[] := '{}'; "
            "BEGIN FOR i IN 1..n LOOP IF c[i] <> ' ' THEN o := o || c[i]; "
            "IF i < n AND c[i + 1] <> ' ' THEN o := o || (c[i] || c[i + 1]); END IF; END IF; END LOOP; "
            "RETURN o; END $$")


def short_index_install(table: str) -> list[str]:
    """The function and one record table's GIN index of the short pieces of its search text (kept by
    PostgreSQL itself: no trigger)."""
    return [short_grams_function(),
            f"CREATE INDEX IF NOT EXISTS ix_{table}_search_short ON {table} "
            f"USING gin ({SHORT_GRAMS_FUNCTION}(search_text))"]


def short_index_drop(table: str) -> list[str]:
    """Statements removing one record table's index of short pieces."""
    return [f"DROP INDEX IF EXISTS ix_{table}_search_short"]


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """For Alembic's comparisons: the search indexes made by hand (above) are not models."""
    return not (type_ == "index" and name is not None and name.endswith(("_search_trgm", "_search_short")))


# ---- conditions the services use (through store/dialects.py) -------------------------------------------------


def _like_pattern(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fts_condition(table: Any, words: list[str]) -> Any:
    """search_text LIKE '%word%' for every word of 3+ characters (None if there is none): the GIN trigram
    index answers it (the recheck makes the rows exactly LIKE's)."""
    from sqlalchemy import and_

    long_words = [w for w in words if len(w) >= 3]
    if not long_words:
        return None
    return and_(*(table.c.search_text.like(_like_pattern(w), escape="\\") for w in long_words))


COMMON_SHARE = 0.2
"""A short piece held by more than this share of a table's rows is tested on each row's text (dialects.py)."""


def common_pieces(s: Any, table: Any) -> frozenset[str]:
    """The short pieces the server's statistics (ANALYZE of the short-piece index) find in more than
    COMMON_SHARE of the table's rows; empty before the first ANALYZE."""
    from sqlalchemy import text

    row = s.execute(text("SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                         "WHERE schemaname = current_schema() AND tablename = :ix"),
                    {"ix": f"ix_{table.name}_search_short"}).first()
    if row is None or row[0] is None:
        return frozenset()
    return frozenset(e for e, f in zip(row[0], row[1], strict=False) if f is not None and f > COMMON_SHARE)


def short_condition(table: Any, words: list[str]) -> Any:
    """The short-piece index's pieces contain every word of one or two characters (None if there is none):
    the same rows as search_text LIKE '%word%' for each of them."""
    from sqlalchemy import Text, bindparam, func
    from sqlalchemy.dialects.postgresql import ARRAY

    short = sorted({w for w in words if 0 < len(w) < 3})
    if not short:
        return None
    pieces = bindparam(f"{table.name}_short", short, type_=ARRAY(Text))
    return getattr(func, SHORT_GRAMS_FUNCTION)(table.c.search_text, type_=ARRAY(Text)).contains(pieces)


# ---- copying a whole office in or out (store/copy.py) ------------------------------------------------------


def tally_triggers(conn: Any) -> list[tuple[str, str]]:
    """(trigger, table) of every trigger this program made on the database's own tables."""
    rows = conn.exec_driver_sql("SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE NOT t.tgisinternal AND n.nspname = current_schema()")
    return [(str(r[0]), str(r[1])) for r in rows]


def truncate(conn: Any, tables: list[str]) -> None:
    """Empty the tables at once, inside the transaction (a rollback brings every row back)."""
    conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))


def reset_sequences(conn: Any, keys: list[tuple[str, str]]) -> None:
    """Set each (table, id column)'s sequence past the largest id copied in, so new rows never reuse an id."""
    for table, column in keys:
        seq = conn.exec_driver_sql("SELECT pg_get_serial_sequence(%s, %s)", (f'"{table}"', column)).scalar()
        if seq:
            conn.exec_driver_sql(f'SELECT setval(%s, coalesce((SELECT max("{column}") FROM "{table}"), 0) + 1, false)',
                                 (seq,))


def _column_default(col: Any) -> tuple[bool, Any]:
    """(True, value) when a column missing from the rows gets a Python-side value from SQLAlchemy."""
    d = col.default
    if d is None or not getattr(d, "is_scalar", False) and not getattr(d, "is_callable", False):
        return False, None
    return True, (d.arg if d.is_scalar else d.arg(None))


def copy_rows(conn: Any, table: Any, rows: list[Any]) -> None:
    """Insert rows (all with the same keys) with COPY … FROM STDIN on the connection's own transaction.

    Values pass through the columns' bind processors (the escaped sort key) and get the Python-side defaults
    an INSERT would give; server defaults and NULLs fill the rest, as for an INSERT.
    """
    dialect = conn.dialect
    given = [c for c in table.c if c.key in rows[0]]
    defaults = [(c, v) for c in table.c if c.key not in rows[0] for ok, v in [_column_default(c)] if ok]
    cols = [*given, *(c for c, _ in defaults)]
    procs = [c.type._cached_bind_processor(dialect) for c in given]
    tail = tuple(v for _, v in defaults)
    names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in cols)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {dialect.identifier_preparer.format_table(table)} ({names}) "
                                       "FROM STDIN") as copy:
        for r in rows:
            copy.write_row(tuple(r[c.key] if p is None else p(r[c.key]) for c, p in zip(given, procs, strict=True))
                           + tail)
