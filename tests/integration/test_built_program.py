"""The PyInstaller build works: the one-folder program opens the demo offscreen and exports a package and a report.

Builds build/dist/danvan/ with `python build/build.py --if-stale` (reusing a build made from the same sources
and libraries), then runs only the built executable, from a folder that is not the project, with its own data
folder — so anything found relative to the working directory, or missing from the bundle, fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]  # the built program is checked once

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "build" / "build.py"
BUILD_LOCK = ROOT / "build" / ".build.lock"
EXE = ROOT / "build" / "dist" / "danvan" / ("danvan.exe" if sys.platform == "win32" else "danvan")
PASSWORD = "demo123"  # the demo accounts' password (danvan_desktop.app.DEMO_PASSWORD)


def _show(r: subprocess.CompletedProcess[str]) -> str:
    return f"exit {r.returncode}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}"


@pytest.fixture(scope="module")
def program() -> Iterator[Path]:
    """The built executable (built now unless the last build is up to date).

    The build lock is held until these tests end, so another test run cannot rebuild the folder under them.
    """
    from filelock import FileLock

    with FileLock(str(BUILD_LOCK)):
        r = subprocess.run([sys.executable, str(BUILD_SCRIPT), "--if-stale", "--no-lock"], cwd=ROOT,
                           capture_output=True, text=True, timeout=1200)
        assert r.returncode == 0, f"the build failed: {_show(r)}"
        assert EXE.is_file(), f"no executable at {EXE}"
        yield EXE


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A working directory unrelated to the project, and an empty data folder."""
    return {"cwd": tmp_path_factory.mktemp("elsewhere"), "data": tmp_path_factory.mktemp("danvan-data")}


def run_built(program: Path, place: dict[str, Path], *args: str,
              timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the built program as a user's shell would, offscreen, with its own data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_", "DANVAN_"))}
    env.update(QT_QPA_PLATFORM="offscreen", DANVAN_DATA_DIR=str(place["data"]), DANVAN_PASSWORD=PASSWORD,
               PYTHONIOENCODING="utf-8")
    return subprocess.run([str(program), *args], cwd=place["cwd"], env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", stdin=subprocess.DEVNULL, timeout=timeout)


@pytest.fixture(scope="module")
def demo_smoke(program: Path, place: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    """`danvan --demo --smoke-test`: builds the demo data on first use, opens the window, waits, closes."""
    return run_built(program, place, "--demo", "--smoke-test")


@pytest.fixture(scope="module")
def demo_db(demo_smoke: subprocess.CompletedProcess[str], place: dict[str, Path]) -> Path:
    """The demo database the smoke test made (in DANVAN_DATA_DIR/demo/)."""
    path = place["data"] / "demo" / "danvan-demo.db"
    assert path.is_file(), f"the demo database was not created at {path}: {_show(demo_smoke)}"
    return path


def test_built_program_opens_the_demo_window_offscreen_and_exits_cleanly(demo_smoke, demo_db):
    assert demo_smoke.returncode == 0, _show(demo_smoke)
    assert "Smoke test OK" in demo_smoke.stdout, _show(demo_smoke)


def test_built_program_reopens_a_database_by_path_in_the_window(program, place, demo_db):
    r = run_built(program, place, "--db", str(demo_db), "--user", "admin", "--smoke-test")
    assert r.returncode == 0, _show(r)
    assert "Smoke test OK" in r.stdout, _show(r)


def test_built_program_exports_a_package_that_openpyxl_reads(program, place, demo_db):
    from openpyxl import load_workbook

    out = place["cwd"] / "goi-2026.xlsx"
    r = run_built(program, place, "--db", str(demo_db), "--user", "admin",
                  "export", "--period", "2026", "--format", "xlsx", "--out", str(out))
    assert r.returncode == 0, _show(r)
    assert out.is_file() and out.stat().st_size > 0, _show(r)
    wb = load_workbook(out)
    filled = sum(1 for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                 if any(v not in (None, "") for v in row))
    assert wb.sheetnames, "the package has no sheets"
    assert filled > 2 * len(wb.sheetnames), f"the package holds only {filled} rows in {len(wb.sheetnames)} sheets"


def test_built_program_exports_a_report_that_is_a_valid_pdf(program, place, demo_db):
    out = place["cwd"] / "bao-cao-2026.pdf"
    r = run_built(program, place, "--db", str(demo_db), "--user", "admin",
                  "export", "--period", "2026", "--format", "pdf", "--out", str(out))
    assert r.returncode == 0, _show(r)
    assert out.is_file() and out.read_bytes().startswith(b"%PDF-"), _show(r)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, encoding="utf-8",
                              errors="replace", timeout=60)
        assert info.returncode == 0, info.stderr
        pages = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
        assert pages and int(pages.group(1)) >= 1, info.stdout
        fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, encoding="utf-8",
                               errors="replace", timeout=60) if shutil.which("pdffonts") else None
        if fonts is not None:
            # The bundled fonts were found inside the program (a missing font is an error, never a fallback).
            assert "LiberationSerif" in fonts.stdout, fonts.stdout
    else:  # no poppler (a bare Windows machine): pdfium, which the program ships for printing, must open it
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(out))
        try:
            assert len(doc) >= 1
        finally:
            doc.close()
