"""The layers stay apart: only ui/ imports Qt; domain/ is standard library (and Babel for numbers)."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "danvan_desktop"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_only_ui_imports_pyside6():
    offenders = [str(p.relative_to(PKG)) for p in PKG.rglob("*.py")
                 if "PySide6" in imported_modules(p) and p.relative_to(PKG).parts[0] != "ui"]
    assert offenders == []


def test_domain_uses_the_standard_library_only():
    import sys

    allowed = set(sys.stdlib_module_names) | {"danvan_desktop", "babel"}
    for p in (PKG / "domain").rglob("*.py"):
        assert imported_modules(p) <= allowed, p.name


def test_no_module_level_engines():
    for p in PKG.rglob("*.py"):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                fn = node.value.func
                name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
                assert name not in ("create_engine", "make_engine", "open_database"), p.name
