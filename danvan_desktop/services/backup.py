"""Backups: consistent copies made with SQLite's backup API, verified after writing, rotated; and restore.

Automatic backups (before migrations, before merges, daily, on closing) go to the backup folder, which the
user may point at a USB stick (setting "backup_dir"); the newest `backup_keep` of them are kept. A backup is
named after its office, "tu-dong-<unit code>-<short office id>-<time>-<reason>.db", so offices sharing one
folder (a USB stick, a network share) never rotate away each other's files.

Every file this program writes on a person's say (a backup, a package, a report, the template) is checked
by `check_output_path` first: it never replaces the live database, its companions or a backup.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from danvan_desktop.domain.roles import Action
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.changes import NOTHING, Changes
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.settings import get_setting, read_setting
from danvan_desktop.store.copy import copy_tables, row_counts, snapshot
from danvan_desktop.store.database import SQLITE_MAGIC, Database, open_database
from danvan_desktop.store.errors import DatabaseUnavailable
from danvan_desktop.store.schema import HEAD_REVISION
from danvan_desktop.store.sqlite import AUDIT_HEAD_SUFFIX, companions, integrity_ok

DEFAULT_KEEP = 20
AUTO_PREFIX = "tu-dong"
DEFAULT_FOLDER = "sao-luu"  # beside the database file, unless the setting "backup_dir" says otherwise


@dataclass(frozen=True)
class BackupInfo:
    """One backup file; `note` says what went wrong after a good copy was written (the copy still stands)."""

    path: Path
    made_at: dt.datetime
    reason: str
    size: int
    note: str = ""
    changes: Changes = field(default=NOTHING, compare=False, repr=False)  # the audit entry of a person's backup


class OtherOffice(Refused):
    """A restore from another office's backup: refused unless a person confirms it (in the window)."""

    def __init__(self, message: str, unit_code: str, unit_name: str):
        super().__init__(message)
        self.unit_code = unit_code
        self.unit_name = unit_name


@dataclass(frozen=True)
class BackupFacts:
    """What a checked backup file says about itself."""

    unit_code: str
    unit_name: str
    office_id: str
    schema: str


_SAFE = re.compile(r"[^0-9A-Za-z_]+")


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (symlinks, case-insensitive disks, '..' included)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def check_output_path(out: Path, db_path: Path, backup_folder: Path | None = None) -> Path:
    """Refuse, before anything is written, an output that would replace the database or a backup of it.

    Refused: the live database file, its companions (-wal, -shm, -journal, the audit head), any existing
    file in the backup folder, and any existing SQLite database (another office's file, a copied backup).
    """
    out = Path(out)
    for protected in (db_path, *companions(db_path)):
        if _same_file(out, protected):
            raise Refused(f"Không ghi ra “{out}”: đó là tệp dữ liệu đang dùng của chương trình (hoặc tệp đi kèm "
                          "của nó); ghi đè sẽ làm mất toàn bộ dữ liệu. Hãy chọn tên tệp khác.")
    folders = [f for f in (backup_folder, default_backup_dir(db_path)) if f is not None]
    if out.exists() and any(_same_file(out.parent, f) for f in folders):
        raise Refused(f"Không ghi đè “{out.name}”: đó là một tệp trong thư mục sao lưu “{out.parent}”. "
                      "Hãy chọn tên tệp khác hoặc thư mục khác.")
    if out.is_file() and _is_sqlite(out):
        raise Refused(f"Không ghi đè “{out}”: tệp này là một cơ sở dữ liệu (có thể là dữ liệu hoặc bản sao lưu của "
                      "một cơ quan). Hãy chọn tên tệp khác.")
    return out


def check_output(db: Database, out: Path) -> Path:
    """check_output_path for an open database (its configured backup folder included)."""
    return check_output_path(out, db.place, backup_dir(db))


def office_tag(db: Database) -> str:
    """The office part of backup names: unit code and a short office id ("03424-1a2b3c4d")."""
    with db.reader() as s:
        code = str(get_setting(s, "home_unit", "") or "")
        office_id = str(get_setting(s, "office_id", "") or "")
    return _tag(code, office_id)


def _tag(code: str, office_id: str) -> str:
    return f"{_SAFE.sub('_', code) or 'don-vi'}-{(office_id or '00000000')[:8]}"


def backup_dir(db: Database) -> Path:
    """Where automatic backups go (setting 'backup_dir', else 'sao-luu' beside the database)."""
    configured = read_setting(db, "backup_dir")
    return Path(configured) if configured else default_backup_dir(db.place)


def default_backup_dir(db_path: Path) -> Path:
    """The backup folder beside a database file (all that is known when the file cannot be opened)."""
    return db_path.parent / DEFAULT_FOLDER


def _read_tag(db_path: Path) -> str | None:
    """The office tag read straight from a (possibly damaged) database file, if it can still be read."""
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as c:
            rows = dict(c.execute("SELECT key, value FROM setting WHERE key IN ('home_unit', 'office_id')"))
        c.close()
        return _tag(str(json.loads(rows.get("home_unit", '""'))), str(json.loads(rows.get("office_id", '""'))))
    except (sqlite3.Error, ValueError):
        return None


def backup_candidates(db_path: Path) -> list[Path]:
    """Backup files in the default folder beside a database: this office's own first, newest first."""
    folder = default_backup_dir(db_path)
    if not folder.is_dir():
        return []
    tag = _read_tag(db_path)
    own = f"{AUTO_PREFIX}-{tag}-" if tag else f"{AUTO_PREFIX}-{db_path.stem}-"
    files = [p for p in folder.glob("*.db") if p.is_file()]
    return sorted(files, key=lambda p: (p.name.startswith(own), p.stat().st_mtime), reverse=True)


def _copy(src: sqlite3.Connection, dest: Path, progress: Callable[[int, int], None] | None) -> None:
    tmp = dest.with_name(dest.name + ".dang-ghi")
    tmp.unlink(missing_ok=True)
    out = sqlite3.connect(str(tmp))
    try:
        def step(_status: int, remaining: int, total: int) -> None:
            if progress:
                progress(total - remaining, total)
        src.backup(out, pages=256, progress=step)
        # A plain rollback-journal file: opening the copy later (to check or restore it) then leaves no
        # -wal/-shm files beside it. The database itself stays in WAL mode.
        out.execute("PRAGMA journal_mode=DELETE")
    finally:
        out.close()
    if not integrity_ok(tmp):
        tmp.unlink(missing_ok=True)
        raise Refused(f"Bản sao lưu “{dest.name}” ghi ra bị lỗi khi kiểm tra lại; chưa lưu. Hãy thử nơi lưu khác.")
    tmp.replace(dest)  # only a verified copy ever carries the final name


def _file(db: Database) -> Path:
    """The SQLite file of an office database (a server's copy is made by _server_copy)."""
    if db.path is None:
        raise Refused(f"Cơ sở dữ liệu “{db.label}” nằm trên máy chủ; chưa sao lưu được theo cách này.")
    return db.path


def _clear(tmp: Path) -> None:
    for p in (tmp, *companions(tmp)):
        p.unlink(missing_ok=True)


def _server_copy(db: Database, dest: Path, progress: Callable[[int, int], None] | None) -> None:
    """A server office's content as a new SQLite file of the same (head) schema, verified, then named dest.

    The server is read in one snapshot (others may keep working); the file is written in one transaction,
    then checked: SQLite's integrity check and the rows per table equal to the rows read.
    """
    tmp = dest.with_name(dest.name + ".dang-ghi")
    _clear(tmp)
    out = open_database(tmp)  # empty, migrated to the head schema
    try:
        with db.engine.connect() as raw:
            source = snapshot(raw)
            with out.transaction() as s:
                copied = copy_tables(source, s.connection(),
                                     (lambda _t, done, total: progress(done, total)) if progress else None)
            source.rollback()
        with out.reader() as s:
            written = row_counts(s.connection())
    except BaseException:
        out.close()
        _clear(tmp)
        raise
    out.close()
    with sqlite3.connect(str(tmp)) as c:  # a plain rollback-journal file, as _copy leaves it
        c.execute("PRAGMA journal_mode=DELETE")
    c.close()
    if written != copied or not integrity_ok(tmp):
        _clear(tmp)
        raise Refused(f"Bản sao lưu “{dest.name}” ghi ra bị lỗi khi kiểm tra lại; chưa lưu. Hãy thử nơi lưu khác.")
    for side in companions(tmp):
        side.unlink(missing_ok=True)
    tmp.replace(dest)  # only a verified copy ever carries the final name


def backup_to(db: Database, dest: Path, progress: Callable[[int, int], None] | None = None) -> BackupInfo:
    """Copy the open database to dest (verified), without permission checks (callers decide).

    A server office is written as an SQLite file of the same schema, which restore and any office opens.
    """
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if db.is_server:
            _server_copy(db, dest, progress)
            return BackupInfo(dest, dt.datetime.now(), "", dest.stat().st_size)
        src = sqlite3.connect(str(_file(db)))
        try:
            _copy(src, dest, progress)
        finally:
            src.close()
    except OSError as e:
        raise Refused(f"Không ghi được bản sao lưu vào “{dest.parent}”: {e.strerror or e}.") from e
    except sqlite3.OperationalError as e:
        raise Refused(f"Không ghi được bản sao lưu “{dest.name}”: {e}.") from e
    return BackupInfo(dest, dt.datetime.now(), "", dest.stat().st_size)


def _audit_backup(db: Database, actor: Actor, info: BackupInfo) -> BackupInfo:
    """Log a backup already written; a failure to log it is a note, never a failed backup (issue 11 item 10)."""
    try:
        with db.transaction() as s:
            write_audit(s, actor.username, "backup", "", "", {"file": str(info.path), "size": info.size})
    except DatabaseUnavailable as e:
        note = (f"Bản sao lưu đã ghi xong và đã kiểm tra, nhưng chưa ghi được vào nhật ký ({e}).")
        return BackupInfo(info.path, info.made_at, info.reason, info.size, note)
    return replace(info, changes=Changes())  # nothing but the audit log


def backup(db: Database, actor: Actor, dest: Path, progress: Callable[[int, int], None] | None = None) -> BackupInfo:
    """A person backs the database up to a file of their choice (never over the database or a backup)."""
    actor.require(Action.BACKUP)
    dest = check_output(db, Path(dest))
    return _audit_backup(db, actor, backup_to(db, dest, progress))


def auto_backup(db: Database, reason: str, progress: Callable[[int, int], None] | None = None, *,
                protect: Path | None = None) -> BackupInfo:
    """An automatic backup into the backup folder, then rotation of this office's own backups only.

    reason: 'truoc-tong-hop', 'hang-ngay'…; `protect` is never rotated away (the file being restored).
    """
    folder = backup_dir(db)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    info = backup_to(db, folder / f"{AUTO_PREFIX}-{office_tag(db)}-{stamp}-{reason}.db", progress)
    with db.reader() as s:
        keep = int(get_setting(s, "backup_keep", DEFAULT_KEEP))
    for old in list_backups(db)[keep:]:
        if protect is None or not _same_file(old.path, protect):
            old.path.unlink(missing_ok=True)
    return BackupInfo(info.path, info.made_at, reason, info.size)


def backup_now(db: Database, actor: Actor, reason: str = "thu-cong",
               progress: Callable[[int, int], None] | None = None) -> BackupInfo:
    """A person backs up into the backup folder now (verified, rotated, recorded in the audit log)."""
    actor.require(Action.BACKUP)
    return _audit_backup(db, actor, auto_backup(db, reason, progress))


def daily_backup_due(db: Database) -> bool:
    """True when no automatic backup was made today."""
    today = dt.date.today().strftime("%Y%m%d")
    return not any(b.made_at.strftime("%Y%m%d") == today for b in list_backups(db))


def backup_due(db: Database, reason: str) -> bool:
    """Whether the automatic backup for `reason` ('truoc-tong-hop', 'khi-dong', 'hang-ngay') is made now.

    An SQLite office is copied before every merge and at every close (SQLite's backup API: seconds). A server
    office's copy is a table-by-table copy into a new file, about 45 s at 100,000 records on a 2-core PC
    (scripts/bench_copy.py), so it is made once a day: the first merge or close of the day, or the daily one.
    Its merges stay undoable from the ledger, and the server has the administrator's pg_dump (README).
    """
    if db.is_server or reason == "hang-ngay":
        return daily_backup_due(db)
    return True


def _stamped(p: Path, prefix: str) -> BackupInfo | None:
    rest = p.stem[len(prefix):]
    try:
        made = dt.datetime.strptime(rest[:22], "%Y%m%d-%H%M%S-%f")
    except ValueError:
        return None
    return BackupInfo(p, made, rest[23:], p.stat().st_size)


def _home_code(path: Path) -> str | None:
    """The home unit code inside a backup file (None if it cannot be read)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
            row = c.execute("SELECT value FROM setting WHERE key = 'home_unit'").fetchone()
        c.close()
        return str(json.loads(row[0])) if row else None
    except (sqlite3.Error, ValueError):
        return None


def list_backups(db: Database) -> list[BackupInfo]:
    """Automatic backups of this office, newest first (another office's files in the folder are not listed).

    Backups made before they were named after the office ("tu-dong-<file name>-<time>-<reason>.db") are
    listed, and rotated, only when the home unit inside them is this office's.
    """
    folder = backup_dir(db)
    if not folder.is_dir():
        return []
    out: list[BackupInfo] = []
    prefix = f"{AUTO_PREFIX}-{office_tag(db)}-"
    for p in folder.glob(f"{prefix}*.db"):
        if (info := _stamped(p, prefix)) is not None:
            out.append(info)
    legacy = f"{AUTO_PREFIX}-{db.place.stem}-"
    home_code = read_setting(db, "home_unit")
    for p in folder.glob(f"{legacy}*.db"):
        info = _stamped(p, legacy)
        if info is not None and not p.name.startswith(prefix) and _home_code(p) == home_code:
            out.append(info)
    return sorted(out, key=lambda b: b.made_at, reverse=True)


def backup_facts(path: Path) -> BackupFacts:
    """Check a file fully as a backup of a Dân vận database, without changing it; Refused with the reason.

    SQLite file, sound (integrity check), our tables, a schema this program can open (not newer), a home unit.
    """
    path = Path(path)
    if not path.is_file():
        raise Refused(f"Không tìm thấy tệp sao lưu “{path}”.")
    if not _is_sqlite(path):
        raise Refused(f"Tệp “{path.name}” không phải bản sao lưu của Dân vận.")
    if not integrity_ok(path):
        raise Refused(f"Tệp sao lưu “{path.name}” bị hỏng (kiểm tra toàn vẹn không đạt).")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"alembic_version", "setting", "unit", "account", "audit_log"} <= tables:
                raise Refused(f"Tệp “{path.name}” không phải bản sao lưu của Dân vận (thiếu các bảng dữ liệu).")
            version = c.execute("SELECT version_num FROM alembic_version").fetchone()
            settings = dict(c.execute("SELECT key, value FROM setting WHERE key IN ('home_unit', 'office_id')"))
            code = str(json.loads(settings["home_unit"])) if "home_unit" in settings else ""
            name_row = c.execute("SELECT name FROM unit WHERE code = ?", (code,)).fetchone()
        c.close()
    except (sqlite3.DatabaseError, ValueError) as e:
        raise Refused(f"Tệp “{path.name}” không phải bản sao lưu của Dân vận ({e}).") from e
    if not version:
        raise Refused(f"Tệp “{path.name}” không phải bản sao lưu của Dân vận (không có phiên bản lược đồ).")
    if str(version[0]) > HEAD_REVISION:
        raise Refused(f"Bản sao lưu “{path.name}” được tạo bởi phiên bản Dân vận mới hơn (lược đồ {version[0]}); "
                      "hãy cập nhật chương trình trước khi khôi phục. Chưa thay đổi gì.")
    if not code:
        raise Refused(f"Tệp “{path.name}” không phải bản sao lưu của Dân vận (không có đơn vị).")
    office_id = str(json.loads(settings["office_id"])) if "office_id" in settings else ""
    return BackupFacts(code, str(name_row[0]) if name_row else code, office_id, str(version[0]))


def check_backup_file(path: Path) -> str:
    """Refuse a file that is not a sound backup of a Dân vận database; returns its home unit code."""
    return backup_facts(path).unit_code


class Restored(NamedTuple):
    """What a restore returns: the re-opened database and the safety copy (unpacks as a pair)."""

    database: Database
    safety: BackupInfo

    @property
    def changes(self) -> Changes:
        """Everything: the whole content was replaced."""
        return Changes.everything()


def restore(db: Database, actor: Actor, source: Path,
            progress: Callable[[int, int], None] | None = None, *,
            other_office_confirmed: bool = False) -> Restored:
    """Replace the database's content with a backup, keeping a copy of the current state first.

    The file is checked fully before anything is replaced (backup_facts); another office's backup raises
    OtherOffice unless a person confirmed it. Returns the re-opened database (upgraded if the backup is
    older) and the safety copy; its `changes` is everything.
    """
    actor.require(Action.RESTORE)
    source = Path(source)
    for live in (db.place, *companions(db.place)):
        if _same_file(source, live):
            raise Refused(f"Tệp “{source.name}” là chính tệp dữ liệu đang dùng, không phải bản sao lưu.")
    facts = backup_facts(source)
    current = read_setting(db, "home_unit")
    if facts.unit_code != current and not other_office_confirmed:
        raise OtherOffice(f"Bản sao lưu “{source.name}” là của đơn vị “{facts.unit_name}” (mã “{facts.unit_code}”), "
                          f"không phải của cơ quan này (mã “{current}”); không khôi phục.",
                          facts.unit_code, facts.unit_name)
    safety = auto_backup(db, "truoc-khoi-phuc", protect=source)
    if db.is_server:
        return Restored(_restore_server(db, actor, source, progress, safety.path), safety)
    path = _file(db)
    db.close()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dest = sqlite3.connect(str(path))
    try:
        # The backup API writes the destination in one locked operation: a crash leaves the old content.
        src.backup(dest, pages=256, progress=(lambda _s, r, t: progress(t - r, t)) if progress else None)
    finally:
        src.close()
        dest.close()
    reopened = open_database(path)
    with reopened.transaction() as s:
        write_audit(s, actor.username, "restore", "", "", {"from": str(source), "safety_copy": str(safety.path)})
    return Restored(reopened, safety)


def _restore_server(db: Database, actor: Actor, source: Path,
                    progress: Callable[[int, int], None] | None, safety: Path) -> Database:
    """Replace a server office's content with a checked backup file's, in one transaction on the server.

    The file is first copied to a temporary folder and upgraded there (the person's file is never changed);
    the server's tables are emptied and filled inside the transaction, so a failure leaves the old content.
    """
    assert db.url is not None
    with tempfile.TemporaryDirectory(prefix="danvan-khoi-phuc-") as folder:
        work = Path(folder) / "khoi-phuc.db"
        shutil.copyfile(source, work)
        old = open_database(work)
        try:
            with old.engine.connect() as src, db.transaction() as s:
                copy_tables(src, s.connection(),
                            (lambda _t, done, total: progress(done, total)) if progress else None)
                write_audit(s, actor.username, "restore", "", "", {"from": str(source), "safety_copy": str(safety)})
        finally:
            old.close()
    target = db.url.render_as_string(hide_password=False)
    db.close()
    return open_database(target)


def replace_damaged(db_path: Path, backup_file: Path) -> Path:
    """Put a sound backup in place of a damaged database file; returns where the damaged file was moved.

    Nothing is deleted: the damaged file (and its -wal/-shm companions, which must not be replayed onto the
    restored copy) is renamed "<name>.hong-<timestamp>.db" beside it. The backup is checked first and copied
    to a temporary file, so a failure at any step leaves either the damaged file or the restored one in place.
    """
    db_path, backup_file = Path(db_path), Path(backup_file)
    check_backup_file(backup_file)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = db_path.with_name(f"{db_path.stem}.hong-{stamp}.db")
    n = 1
    while aside.exists():
        n += 1
        aside = db_path.with_name(f"{db_path.stem}.hong-{stamp}-{n}.db")
    tmp = db_path.with_name(db_path.name + ".dang-khoi-phuc")
    try:
        with backup_file.open("rb") as src, tmp.open("wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        if not integrity_ok(tmp):
            raise Refused(f"Bản sao lưu “{backup_file.name}” chép ra bị lỗi khi kiểm tra lại; chưa khôi phục.")
        if db_path.exists():
            os.replace(db_path, aside)
        for suffix in ("-wal", "-shm", AUDIT_HEAD_SUFFIX):  # the damaged file's audit head stays with it
            side = Path(str(db_path) + suffix)
            if side.exists():
                os.replace(side, Path(str(aside) + suffix))
        os.replace(tmp, db_path)
    except OSError as e:
        raise Refused(f"Không thay được tệp dữ liệu hỏng “{db_path.name}” bằng bản sao lưu: {e.strerror or e}. "
                      "Chưa có tệp nào bị xóa.") from e
    finally:
        # The check opened the copy (a WAL-mode file) read-only, which leaves empty -wal/-shm files beside it.
        for leftover in (tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
            leftover.unlink(missing_ok=True)
    return aside
