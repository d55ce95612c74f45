"""One program per database file: an OS lock on a side file, released by the OS if the program dies."""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from danvan_desktop.store.errors import DatabaseUnavailable


class DatabaseLock:
    """Held while a window has the database open; a second copy is told so instead of sharing the file."""

    def __init__(self, db_path: Path):
        self.path = Path(str(db_path) + ".lock")
        self._lock = FileLock(str(self.path), timeout=0)

    def acquire(self) -> None:
        """Take the lock or raise DatabaseUnavailable with a plain message."""
        try:
            self._lock.acquire()
        except Timeout:
            raise DatabaseUnavailable(
                f"Tệp dữ liệu “{self.path.with_suffix('').name}” đang được mở trong một cửa sổ Dân vận khác "
                "(trên máy này hoặc máy khác dùng chung thư mục). Hãy dùng cửa sổ đó, hoặc đóng nó rồi mở lại."
            ) from None
        except OSError as e:
            raise DatabaseUnavailable(f"Không tạo được tệp khóa “{self.path}”: {e.strerror or e}.") from e

    def release(self) -> None:
        """Let another program open the file."""
        if self._lock.is_locked:
            self._lock.release()
