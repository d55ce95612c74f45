"""Opening an office database: create or upgrade it to the current schema, copying it aside first."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from danvan_desktop.paths import migrations_path
from danvan_desktop.store.errors import DatabaseDamaged, DatabaseTooNew, DatabaseUnavailable
from danvan_desktop.store.schema import HEAD_REVISION
from danvan_desktop.store.sqlite import WRITE, foreign_keys_off, make_engine, online_backup
from danvan_desktop.store.target import as_target, is_server, server_place, server_url, shown

SQLITE_MAGIC = b"SQLite format 3\x00"
# Session.info key under which a write transaction lists the change marks (audit entry ids) it wrote.
OWN_MARKS = "danvan_own_marks"


def unavailable(path: Path, err: sqlite3.OperationalError) -> DatabaseUnavailable:
    """The plain Vietnamese message for SQLite refusing to read or write the file: read-only, full, locked…

    (OperationalError is never damage: a damaged file gives sqlite3.DatabaseError.)
    """
    text = str(err).lower()
    kept = "Dữ liệu đã lưu trước đó không bị ảnh hưởng; thay đổi đang làm (nếu có) chưa được lưu."
    if "readonly" in text or "read-only" in text:
        msg = (f"Tệp dữ liệu “{path.name}” đang ở chế độ chỉ đọc (tệp hoặc thư mục chứa nó không cho ghi), nên "
               f"không ghi được. {kept} Hãy cho phép ghi vào tệp và thư mục “{path.parent}”, hoặc chép tệp sang "
               "thư mục khác.")
    elif "full" in text:
        msg = (f"Ổ đĩa chứa tệp dữ liệu “{path.name}” đã đầy, không ghi được. {kept} Hãy giải phóng chỗ trống "
               "trên ổ đĩa rồi thử lại.")
    elif "locked" in text or "busy" in text:
        msg = f"Tệp dữ liệu “{path.name}” đang bị chương trình khác khóa. {kept} Hãy thử lại sau ít phút."
    elif "integer overflow" in text:  # a sum beyond 2^63: the data is absurd, the disk is fine
        msg = (f"Có số liệu quá lớn trong tệp dữ liệu “{path.name}” (tổng vượt quá giới hạn tính toán), nên không "
               f"tính được. {kept} Hãy tìm và sửa bản ghi có số liệu bất thường.")
    elif "unable to open" in text:
        msg = (f"Không mở được tệp dữ liệu “{path.name}”: tệp hoặc thư mục “{path.parent}” không cho đọc, ghi, "
               f"hoặc ổ đĩa đã bị rút ra. {kept}")
    else:  # disk I/O error and the like
        msg = (f"Lỗi đọc, ghi ổ đĩa với tệp dữ liệu “{path.name}” (ổ đĩa đầy, bị rút ra hoặc bị hỏng). {kept}")
    return DatabaseUnavailable(msg)


@dataclass
class Database:
    """An open office database: an SQLite file or a PostgreSQL database on a server. Services take one of these.

    `path` is the SQLite file (None on a server); `place` is a local path standing for the database on this PC
    (the file itself, or a name in the user's data folder for a server): drafts and the default backup folder
    sit beside it.
    """

    path: Path | None
    engine: Engine
    url: URL | None = None
    place_: Path | None = None
    # Change marks (audit entry ids) this process wrote: the watcher of other PCs' changes skips them.
    own_marks: set[int] = field(default_factory=set, repr=False, compare=False)
    _marks_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def take_own_marks(self, marks: set[int]) -> set[int]:
        """Of these marks, the ones this process wrote (forgotten once asked: each is seen once)."""
        with self._marks_lock:
            mine = marks & self.own_marks
            self.own_marks -= mine
            return mine

    @property
    def is_server(self) -> bool:
        """True for a database on a PostgreSQL server (several PCs at once)."""
        return self.url is not None

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @property
    def place(self) -> Path:
        """The local path standing for this database (see the class docstring)."""
        if self.place_ is not None:
            return self.place_
        assert self.path is not None
        return self.path

    @property
    def label(self) -> str:
        """How messages name this database: the file's name, or the server URL without a password."""
        return shown(self.url) if self.url is not None else self.place.name

    @cached_property
    def write_engine(self) -> Engine:
        """The same engine and pool, its transactions opened as writers: BEGIN IMMEDIATE on SQLite
        (store/sqlite.py), the writers' advisory lock on a server (store/postgres.py)."""
        return self.engine.execution_options(**WRITE)

    def _unavailable(self, e: DBAPIError) -> Exception | None:
        if self.url is not None:
            from danvan_desktop.store.postgres import unavailable as pg_unavailable

            return pg_unavailable(self.url, e.orig or e) if isinstance(e, OperationalError) else None
        if isinstance(e.orig, sqlite3.OperationalError):
            return unavailable(self.place, e.orig)
        return None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: everything inside commits together or not at all.

        A read-only file, a full disk, a server gone or a lock held too long raises DatabaseUnavailable
        (plain Vietnamese).
        """
        marks: set[int] = set()
        try:
            # WRITE: waits its turn for the write lock at the start instead of failing later.
            with Session(self.write_engine, expire_on_commit=False) as s, s.begin():
                yield s
                # Before the commit, so the watcher never takes this window's own write for another PC's.
                marks = set(s.info.pop(OWN_MARKS, ()))
                with self._marks_lock:
                    self.own_marks |= marks
        except BaseException as e:
            with self._marks_lock:  # rolled back: an id SQLite may hand out again to another PC's entry
                self.own_marks -= marks
            if not isinstance(e, DBAPIError):
                raise
            plain = self._unavailable(e)
            if plain is not None:
                raise plain from e
            raise

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only session (rolled back at the end)."""
        try:
            with Session(self.engine) as s:
                yield s
        except DBAPIError as e:
            plain = self._unavailable(e)
            if plain is not None:
                raise plain from e
            raise

    def close(self) -> None:
        """Release the file (checkpoints the WAL) or the server connections."""
        self.engine.dispose()


def _current_revision(path: Path) -> str | None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
            has = c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone()
            row = c.execute("SELECT version_num FROM alembic_version").fetchone() if has else None
        c.close()
    except sqlite3.OperationalError as e:  # read-only folder, locked, unreadable: not damage
        raise unavailable(path, e) from e
    except sqlite3.DatabaseError as e:
        raise DatabaseDamaged(f"Tệp “{path.name}” bị hỏng hoặc không phải cơ sở dữ liệu của Dân vận ({e}).") from e
    return row[0] if row else None


def _check_file(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as f:
        head = f.read(16)
    if head != SQLITE_MAGIC:
        raise DatabaseDamaged(f"Tệp “{path.name}” không phải cơ sở dữ liệu của Dân vận, hoặc đã bị hỏng.")


def _upgrade(engine: Engine) -> None:
    # Alembic is imported only when a migration is due: it costs ~0.6 s of start-up.
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    server = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        guard: AbstractContextManager[Any] = nullcontext() if server else foreign_keys_off(conn)
        with guard, conn.begin():
            if server:  # two PCs opening a new server database at once: one migrates, the other then finds it done
                from danvan_desktop.store.postgres import WRITE_LOCK_KEY

                conn.execute(text(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


def backup_before_migration(path: Path, revision: str | None) -> Path:
    """Copy the file aside before changing its schema; returns the copy's path."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = path.with_name(f"{path.stem}.truoc-nang-cap-{revision or 'moi'}-{stamp}{path.suffix or '.db'}")
    online_backup(path, dest)
    return dest


def _server_revision(engine: Engine, url: URL) -> str | None:
    from danvan_desktop.store.postgres import unavailable as pg_unavailable

    try:
        with engine.connect() as c:
            has = c.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
            return c.execute(text("SELECT version_num FROM alembic_version")).scalar() if has else None
    except DBAPIError as e:
        raise pg_unavailable(url, e.orig or e) from e


def open_server(text_url: str) -> Database:
    """Open a PostgreSQL database (it must exist: the server's administrator creates it), upgraded to the current
    schema in one transaction. The server's own backups (pg_dump) are the administrator's; see README."""
    from danvan_desktop.store.postgres import make_engine as pg_engine
    from danvan_desktop.store.postgres import unavailable as pg_unavailable

    url = server_url(text_url)
    engine = pg_engine(url)
    try:
        current = _server_revision(engine, url)
        if current is not None and current > HEAD_REVISION:
            raise DatabaseTooNew(f"Cơ sở dữ liệu “{shown(url)}” được tạo bởi phiên bản Dân vận mới hơn (lược đồ "
                                 f"{current}). Hãy cập nhật chương trình trên máy này.")
        if current != HEAD_REVISION:
            _upgrade(engine)
    except OperationalError as e:
        engine.dispose()
        raise pg_unavailable(url, e.orig or e) from e
    except Exception:
        engine.dispose()
        raise
    return Database(path=None, engine=engine, url=url, place_=server_place(url))


def open_database(path: Path | str, *, create: bool = True) -> Database:
    """Open (creating if asked) the database at path, or on the server a postgresql:// URL names, upgraded to
    the current schema."""
    path = as_target(path)
    if is_server(path):
        assert isinstance(path, str)
        return open_server(path)
    path = Path(path).expanduser().resolve()
    if not path.exists():
        if not create:
            raise DatabaseUnavailable(f"Không tìm thấy tệp cơ sở dữ liệu “{path}”.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatabaseUnavailable(f"Không tạo được thư mục “{path.parent}”: {e.strerror}.") from e
    _check_file(path)
    current = _current_revision(path) if path.exists() and path.stat().st_size else None
    if current is not None and current > HEAD_REVISION:
        raise DatabaseTooNew(
            f"Tệp “{path.name}” được tạo bởi phiên bản Dân vận mới hơn (lược đồ {current}). "
            "Hãy cập nhật chương trình để mở tệp này."
        )
    engine = make_engine(path)
    try:
        if current != HEAD_REVISION:
            if current is not None:
                backup_before_migration(path, current)
            _upgrade(engine)
    except sqlite3.OperationalError as e:
        engine.dispose()
        raise unavailable(path, e) from e
    except Exception as e:  # SQLAlchemy wraps sqlite errors
        engine.dispose()
        orig = getattr(e, "orig", None)
        if isinstance(orig, sqlite3.OperationalError):
            raise unavailable(path, orig) from e
        if isinstance(orig, sqlite3.DatabaseError):
            raise DatabaseDamaged(f"Tệp “{path.name}” bị hỏng: {orig}.") from e
        raise
    return Database(path=path, engine=engine)


