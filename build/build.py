"""Build the one-folder program build/dist/danvan/ with PyInstaller: `python build/build.py` (same on Windows).

Needs the project installed with its build tool in the running Python (`pip install -c constraints.txt
-e .[build]`, or `.[test]`, which includes PyInstaller), at the versions of constraints.txt (checked).
Options: `--if-stale` skips the build when the last one was made from the same sources and libraries;
`--clean` empties PyInstaller's cache first.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

BUILD = Path(__file__).resolve().parent
ROOT = BUILD.parent
SPEC = BUILD / "danvan.spec"
DIST = BUILD / "dist"
WORK = BUILD / "work"
APP = DIST / "danvan"
FINGERPRINT = DIST / "danvan.fingerprint"  # beside the folder, not in it: it describes how it was made
LOCK = BUILD / ".build.lock"  # held while building (and by the test while it runs the built program)

# What goes into the program: a change to any of these makes the last build stale.
SOURCES = [("danvan_desktop", "*.py"), ("db", "*"), ("resources", "*"), ("build", "danvan.spec"),
           ("build", "entry.py"), ("build", "build.py"), (".", "pyproject.toml")]
DISTRIBUTIONS = ["PySide6-Essentials", "shiboken6", "SQLAlchemy", "alembic", "Mako", "openpyxl", "et_xmlfile",
                 "defusedxml", "lxml", "reportlab", "pillow", "Babel", "argon2-cffi", "argon2-cffi-bindings",
                 "cffi", "platformdirs", "filelock", "vietnam-provinces", "pypdfium2",
                 "python-docx", "pyinstaller", "pyinstaller-hooks-contrib"]
CONSTRAINTS = ROOT / "constraints.txt"


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def drift_from_constraints() -> list[str]:
    """Installed libraries whose version is not the one in constraints.txt (what the suite passed with)."""
    pinned: dict[str, str] = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pinned[_normal(name)] = version.strip()
    out = []
    for name in DISTRIBUTIONS:
        want = pinned.get(_normal(name))
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            have = "-"
        if want is not None and have != want:
            out.append(f"{name} {have} (constraints.txt: {want})")
    return out


def executable() -> Path:
    """The built console program (danvan, or danvan.exe on Windows)."""
    return APP / ("danvan.exe" if sys.platform == "win32" else "danvan")


def _source_files() -> list[Path]:
    files: set[Path] = set()
    for folder, pattern in SOURCES:
        base = ROOT / folder
        found = base.glob(pattern) if folder in (".", "build") else base.rglob(pattern)
        files.update(p for p in found if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    return sorted(files)


def fingerprint() -> str:
    """A hash of the sources, the Python and the library versions the program would be built from."""
    h = hashlib.sha256()
    h.update(f"{sys.version}|{platform.platform()}|{sys.executable}\n".encode())
    for name in DISTRIBUTIONS:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name}={version}\n".encode())
    for path in _source_files():
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def is_up_to_date() -> bool:
    """Whether build/dist/danvan/ exists and was built from exactly the current sources and libraries."""
    return (executable().is_file() and FINGERPRINT.is_file()
            and FINGERPRINT.read_text(encoding="utf-8").strip() == fingerprint())


def folder_size(path: Path) -> int:
    """Bytes taken by the files under a folder."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(*, clean: bool = False) -> float:
    """Run PyInstaller on the spec; returns the seconds it took. Raises CalledProcessError on failure."""
    FINGERPRINT.unlink(missing_ok=True)
    stamp = fingerprint()  # of the sources as they are when the build starts
    if clean:
        shutil.rmtree(WORK, ignore_errors=True)
    cmd = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--log-level", "WARN",
           "--distpath", str(DIST), "--workpath", str(WORK)]
    if clean:
        cmd.append("--clean")
    started = time.monotonic()
    # The working directory is the project root so nothing depends on where the command was typed.
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    elapsed = time.monotonic() - started
    FINGERPRINT.write_text(stamp + "\n", encoding="utf-8")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Command line of the build."""
    p = argparse.ArgumentParser(description="Build the one-folder program build/dist/danvan/ with PyInstaller.")
    p.add_argument("--if-stale", action="store_true", help="do nothing if the last build is up to date")
    p.add_argument("--clean", action="store_true", help="empty PyInstaller's cache before building")
    p.add_argument("--no-lock", action="store_true", help=argparse.SUPPRESS)  # the caller holds LOCK already
    args = p.parse_args(argv)
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        print("PyInstaller is not installed in this Python: pip install -e .[build]", file=sys.stderr)
        return 2
    drift = drift_from_constraints()
    if drift:
        # The program would ship libraries the tests never ran with.
        print("Installed libraries differ from constraints.txt: " + "; ".join(drift), file=sys.stderr)
        print("Run: pip install -c constraints.txt -e .[build]", file=sys.stderr)
        return 2
    from contextlib import nullcontext

    from filelock import FileLock  # a dependency of the program

    # Two builds at once (parallel test runs) would write over each other: the second waits, then reuses.
    with nullcontext() if args.no_lock else FileLock(str(LOCK)):
        if args.if_stale and is_up_to_date():
            print(f"Up to date: {APP} ({folder_size(APP) / 2**20:.0f} MB)")
            return 0
        try:
            elapsed = build(clean=args.clean)
        except subprocess.CalledProcessError as e:
            print(f"PyInstaller failed (exit {e.returncode})", file=sys.stderr)
            return 1
    print(f"Built {executable()} in {elapsed:.0f} s; folder {folder_size(APP) / 2**20:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
