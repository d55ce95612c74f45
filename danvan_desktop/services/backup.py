"""Backups: consistent copies made with SQLite's backup API, verified after writing, rotated; and restore.

Automatic backups (before migrations, before merges, daily, on closing) go to the backup folder, which the
user may point at a USB stick (setting "backup_dir"); the newest `backup_keep` of them are kept.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from danvan_desktop.domain.roles import Action
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.settings import get_setting, read_setting
from danvan_desktop.store.database import SQLITE_MAGIC, Database, open_database
from danvan_desktop.store.sqlite import integrity_ok

DEFAULT_KEEP = 20
AUTO_PREFIX = "tu-dong"
DEFAULT_FOLDER = "sao-luu"  # beside the database file, unless the setting "backup_dir" says otherwise


@dataclass(frozen=True)
class BackupInfo:
    """One backup file."""

    path: Path
    made_at: dt.datetime
    reason: str
    size: int


def backup_dir(db: Database) -> Path:
    """Where automatic backups go (setting 'backup_dir', else 'sao-luu' beside the database)."""
    configured = read_setting(db, "backup_dir")
    return Path(configured) if configured else default_backup_dir(db.path)


def default_backup_dir(db_path: Path) -> Path:
    """The backup folder beside a database file (all that is known when the file cannot be opened)."""
    return db_path.parent / DEFAULT_FOLDER


def backup_candidates(db_path: Path) -> list[Path]:
    """Backup files in the default folder beside a database: this file's own first, newest first."""
    folder = default_backup_dir(db_path)
    if not folder.is_dir():
        return []
    own = f"{AUTO_PREFIX}-{db_path.stem}-"
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


def backup_to(db: Database, dest: Path, progress: Callable[[int, int], None] | None = None) -> BackupInfo:
    """Copy the open database to dest (verified), without permission checks (callers decide)."""
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(str(db.path))
        try:
            _copy(src, dest, progress)
        finally:
            src.close()
    except OSError as e:
        raise Refused(f"Không ghi được bản sao lưu vào “{dest.parent}”: {e.strerror or e}.") from e
    except sqlite3.OperationalError as e:
        raise Refused(f"Không ghi được bản sao lưu “{dest.name}”: {e}.") from e
    return BackupInfo(dest, dt.datetime.now(), "", dest.stat().st_size)


def backup(db: Database, actor: Actor, dest: Path, progress: Callable[[int, int], None] | None = None) -> BackupInfo:
    """A person backs the database up to a file of their choice."""
    actor.require(Action.BACKUP)
    info = backup_to(db, dest, progress)
    with db.transaction() as s:
        write_audit(s, actor.username, "backup", "", "", {"file": str(dest), "size": info.size})
    return info


def auto_backup(db: Database, reason: str, progress: Callable[[int, int], None] | None = None) -> BackupInfo:
    """An automatic backup into the backup folder, then rotation (reason: 'truoc-tong-hop', 'hang-ngay'…)."""
    folder = backup_dir(db)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    info = backup_to(db, folder / f"{AUTO_PREFIX}-{db.path.stem}-{stamp}-{reason}.db", progress)
    with db.reader() as s:
        keep = int(get_setting(s, "backup_keep", DEFAULT_KEEP))
    for old in list_backups(db)[keep:]:
        old.path.unlink(missing_ok=True)
    return BackupInfo(info.path, info.made_at, reason, info.size)


def backup_now(db: Database, actor: Actor, reason: str = "thu-cong",
               progress: Callable[[int, int], None] | None = None) -> BackupInfo:
    """A person backs up into the backup folder now (verified, rotated, recorded in the audit log)."""
    actor.require(Action.BACKUP)
    info = auto_backup(db, reason, progress)
    with db.transaction() as s:
        write_audit(s, actor.username, "backup", "", "", {"file": str(info.path), "size": info.size})
    return info


def daily_backup_due(db: Database) -> bool:
    """True when no automatic backup was made today."""
    today = dt.date.today().strftime("%Y%m%d")
    return not any(b.made_at.strftime("%Y%m%d") == today for b in list_backups(db))


def list_backups(db: Database) -> list[BackupInfo]:
    """Automatic backups of this database, newest first."""
    folder = backup_dir(db)
    out: list[BackupInfo] = []
    prefix = f"{AUTO_PREFIX}-{db.path.stem}-"
    for p in folder.glob(f"{prefix}*.db") if folder.is_dir() else []:
        rest = p.stem[len(prefix):]
        try:
            made = dt.datetime.strptime(rest[:22], "%Y%m%d-%H%M%S-%f")
        except ValueError:
            continue
        out.append(BackupInfo(p, made, rest[23:], p.stat().st_size))
    return sorted(out, key=lambda b: b.made_at, reverse=True)


def check_backup_file(path: Path) -> str:
    """Refuse a file that is not a sound backup of a Dân vận database; returns its home unit code."""
    if not path.is_file():
        raise Refused(f"Không tìm thấy tệp sao lưu “{path}”.")
    with path.open("rb") as f:
        if f.read(16) != SQLITE_MAGIC:
            raise Refused(f"Tệp “{path.name}” không phải bản sao lưu của Dân vận.")
    if not integrity_ok(path):
        raise Refused(f"Tệp sao lưu “{path.name}” bị hỏng (kiểm tra toàn vẹn không đạt).")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
            row = c.execute("SELECT value FROM setting WHERE key='home_unit'").fetchone()
        c.close()
    except sqlite3.DatabaseError:
        row = None
    if not row:
        raise Refused(f"Tệp “{path.name}” không phải bản sao lưu của Dân vận (không có đơn vị).")
    return str(row[0]).strip('"')


def restore(db: Database, actor: Actor, source: Path,
            progress: Callable[[int, int], None] | None = None) -> tuple[Database, BackupInfo]:
    """Replace the database's content with a backup, keeping a copy of the current state first.

    Returns the re-opened database (upgraded if the backup is older) and the safety copy.
    """
    actor.require(Action.RESTORE)
    source = Path(source)
    code = check_backup_file(source)
    current = read_setting(db, "home_unit")
    if code != current:
        raise Refused(f"Bản sao lưu “{source.name}” là của đơn vị mã “{code}”, không phải của cơ quan này "
                      f"(mã “{current}”); không khôi phục.")
    safety = auto_backup(db, "truoc-khoi-phuc")
    path = db.path
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
    return reopened, safety


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
        for suffix in ("-wal", "-shm"):
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
