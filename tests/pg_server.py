"""A real PostgreSQL server for the tests: Debian's postgresql package, started in a temporary folder.

initdb and the server refuse to run as root, so as root they run as the `postgres` user (PLATFORM-NOTES).
One server per pytest session; every test database is a copy of a template migrated once to the head schema
(CREATE DATABASE … TEMPLATE: ~50 ms instead of running the migrations per test), dropped after its test.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

TEMPLATE = "danvan_mau"


def _bin(name: str) -> str | None:
    """The PostgreSQL program `name` from PATH or Debian's versioned folder (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return versions[-1] if versions else None


def unavailable_reason() -> str | None:
    """Why no server can be started here (None when it can)."""
    if _bin("initdb") is None or _bin("pg_ctl") is None:
        return "PostgreSQL chưa được cài (apt-get install postgresql postgresql-contrib)"
    if os.name != "posix":
        return "the test server is started only on Linux"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One PostgreSQL server in a temporary folder, trust authentication on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="danvan-pg-"))
        self.port = _free_port()
        self.user = "postgres"
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self._as_postgres:  # initdb and postgres refuse root
            cmd = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(_quote(a) for a in cmd)]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> None:
        """initdb, then pg_ctl start; raises RuntimeError with the server's own words if it fails."""
        if self._as_postgres:
            shutil.chown(self.dir, "postgres")
        data = self.dir / "data"
        r = self._run(str(_bin("initdb")), "-D", str(data), "-A", "trust", "-U", self.user, "-E", "UTF8",
                      "--locale=C.UTF-8")
        if r.returncode:
            raise RuntimeError(f"initdb failed: {r.stderr[-2000:]}")
        # fsync off: a test server's data is thrown away; the program's own settings are untouched.
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        r = self._run(str(_bin("pg_ctl")), "-D", str(data), "-o", opts, "-l", str(self.dir / "server.log"),
                      "-w", "-t", "60", "start")
        if r.returncode:
            log_file = self.dir / "server.log"
            log = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stderr[-1000:]} {log}")

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        self._run(str(_bin("pg_ctl")), "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db: str = "postgres") -> str:
        """The postgresql:// URL a person would give --db (no password: trust on 127.0.0.1)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{db}"

    def admin(self, sql: str) -> None:
        """Run one statement outside a transaction as the server's superuser (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(self.url().replace("postgresql://", "postgresql://", 1), autocommit=True) as c:
            c.execute(sql)

    def make_template(self) -> None:
        """The head-schema database every test database is copied from."""
        from danvan_desktop.store.database import open_database

        self.admin(f"CREATE DATABASE {TEMPLATE}")
        open_database(self.url(TEMPLATE)).close()

    def new_database(self) -> str:
        """A fresh, empty office database at the head schema; returns its name."""
        name = "t_" + uuid.uuid4().hex[:16]
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return name

    def drop(self, name: str) -> None:
        """Drop a test database, ending any connection a test left open."""
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _quote(a: str) -> str:
    return "'" + a.replace("'", "'\\''") + "'"
