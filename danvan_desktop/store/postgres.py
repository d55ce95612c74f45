"""Everything PostgreSQL-specific in one place: the engine, the writers' lock, error messages.

An office with several PCs shares one PostgreSQL server (SPEC §7, §8). Writers queue on one transaction-scoped
advisory lock taken at the start of every write transaction, as SQLite's BEGIN IMMEDIATE does for a file:
a save waits for the other writer instead of failing, and the audit chain, the kept figures and the merge
ledger see one writer at a time.
"""

from __future__ import annotations

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
