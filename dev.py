#!/usr/bin/env python3
"""Set up and run Dân vận Desktop from a source checkout, on Debian/Ubuntu or Windows.

    python3 dev.py demo    install what is missing, then open the program on the demo data
    python3 dev.py test    install what is missing, then run every test (what CI runs)
    python3 dev.py run     install what is missing, then open the program on the office's own database

Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
WINDOWS = os.name == "nt"
PY = VENV / ("Scripts/python.exe" if WINDOWS else "bin/python")
CONSTRAINTS = ROOT / "constraints.txt"

# Debian packages Qt needs to open a window (PLATFORM-NOTES.md), fonts with every Vietnamese glyph,
# and the real readers the tests use on produced files (pdftotext, LibreOffice).
DEB_RUNTIME = [
    "libgl1", "libegl1", "libx11-6", "libxkbcommon0", "libfontconfig1", "libfreetype6", "libdbus-1-3",
    "libglib2.0-0", "fonts-dejavu-core", "fonts-liberation2", "libxcb-cursor0", "libxcb-icccm4",
    "libxcb-image0", "libxcb-keysyms1", "libxcb-render-util0", "libxcb-render0", "libxcb-shape0",
    "libxcb-util1", "libxcb-xkb1", "libxkbcommon-x11-0", "libxcb-randr0", "libxcb-xfixes0", "libxcb-sync1",
    "libxcb-shm0", "libxcb-xinerama0",
]
# postgresql: the server the tests start in a temporary folder (issue 15); postgresql-contrib: pg_trgm.
DEB_TEST = ["poppler-utils", "libreoffice-calc-nogui", "libreoffice-writer-nogui", "xvfb", "xauth", "postgresql",
            "postgresql-contrib"]


def say(msg: str) -> None:
    """Progress line, flushed so CI logs keep order."""
    print(f"[dev.py] {msg}", flush=True)


def missing_debs(names: list[str]) -> list[str]:
    """Debian packages of the list that are not installed."""
    out = []
    for n in names:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", n], capture_output=True, text=True)
        if "install ok installed" not in r.stdout:
            out.append(n)
    return out


def ensure_debian(names: list[str]) -> None:
    """apt-get install what is missing (as root, or through sudo)."""
    if WINDOWS or not shutil.which("dpkg-query") or not shutil.which("apt-get"):
        return
    todo = missing_debs(names)
    if not todo:
        return
    prefix: list[str] = [] if os.geteuid() == 0 else (["sudo"] if shutil.which("sudo") else [])
    if os.geteuid() != 0 and not prefix:
        say("Thiếu gói hệ thống (cần quyền root để cài): " + " ".join(todo))
        sys.exit(1)
    say("Cài gói hệ thống: " + " ".join(todo))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([*prefix, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *todo], check=True,
                   env=env)


def ensure_venv() -> None:
    """Create .venv and install the project (editable) with its test tools, when pyproject changed."""
    if not PY.exists():
        say("Tạo môi trường Python .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".danvan-installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + CONSTRAINTS.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == want:
        return
    say("Cài các gói Python (lần đầu mất vài phút)")
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    # The versions the suite last passed with (constraints.txt): a new release upstream changes nothing unseen.
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "-c", str(CONSTRAINTS), "-e", f"{ROOT}[test]"],
                   check=True)
    stamp.write_text(want)


def main(argv: list[str]) -> int:
    """Dispatch demo / run / test."""
    what = argv[0] if argv else "demo"
    if what not in ("demo", "run", "test"):
        print(__doc__)
        return 2
    ensure_debian(DEB_RUNTIME + (DEB_TEST if what == "test" else []))
    ensure_venv()
    if what == "test":
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        lint = [p for p in ("danvan_desktop", "tests", "scripts", "build", "dev.py") if (ROOT / p).exists()]
        r = subprocess.run([str(PY), "-m", "ruff", "check", *lint], cwd=ROOT, env=env)
        if r.returncode:
            return r.returncode
        r = subprocess.run([str(PY), "-m", "mypy", "danvan_desktop"], cwd=ROOT, env=env)
        if r.returncode:
            return r.returncode
        return subprocess.run([str(PY), "-m", "pytest", "-q", *argv[1:]], cwd=ROOT, env=env).returncode
    args = ["--demo"] if what == "demo" else []
    return subprocess.run([str(PY), "-m", "danvan_desktop", *args], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
