"""Spreadsheet safety both ways: text a spreadsheet would run as a formula, Excel's text limit, zip bombs."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MAX_CELL_CHARS",
    "ERROR_TEXTS",
    "UnsafeFile",
    "ZipLimits",
    "DEFAULT_LIMITS",
    "excel_length",
    "needs_text_guard",
    "open_checked_zip",
    "refuse_dtd",
    "ooxml_escape",
    "ooxml_unescape",
]

# Excel keeps at most 32,767 characters (UTF-16 code units) in a cell; openpyxl cuts longer text silently.
MAX_CELL_CHARS = 32_767

# Texts openpyxl would store as error cells rather than as text (openpyxl.cell.cell.ERROR_CODES).
ERROR_TEXTS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})

# First characters that make Excel or LibreOffice treat typed or pasted text as a formula (CSV injection).
_FORMULA_START = frozenset("=+-@")


def needs_text_guard(s: str) -> bool:
    """Whether a text must be written as an explicit text cell (formula-like, control start, error code)."""
    if not s:
        return False
    first = s[0]
    return first in _FORMULA_START or first < " " or first == "\x7f" or s in ERROR_TEXTS


def excel_length(s: str) -> int:
    """The length Excel counts: UTF-16 code units (characters beyond U+FFFF count twice)."""
    n = len(s)
    if n * 2 <= MAX_CELL_CHARS:  # cannot exceed the limit even if every character were astral
        return n
    return n + sum(1 for ch in s if ord(ch) > 0xFFFF)


# Spreadsheet XML text has its own escape, "_xHHHH_" for a character (ECMA-376 ST_Xstring): Excel decodes
# it in every cell and LibreOffice even "_xa_". A literal "_x…_" is kept by escaping its underscore.
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{1,4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def ooxml_escape(s: str) -> str:
    """Text as written in a cell so that spreadsheet programs read it back unchanged."""
    return _LITERAL_ESCAPE.sub("_x005F_", s) if "_x" in s else s


def ooxml_unescape(s: str) -> str:
    """Cell text as spreadsheet programs show it ("_x005F_" is "_", "_x000A_" a line break)."""
    return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), s) if "_x" in s else s


class UnsafeFile(Exception):
    """A file refused; `reason` is "not_xlsx", "damaged" or "too_big", str(self) the Vietnamese message.

    `details` keeps the reader's own (English) words for the person who helps; they never enter the message.
    """

    def __init__(self, reason: str, message: str, details: str = "") -> None:
        """Keep the machine reason, the Vietnamese message and the technical details."""
        self.reason = reason
        self.details = details
        super().__init__(message)


@dataclass(frozen=True)
class ZipLimits:
    """Bounds on an untrusted .xlsx before it is opened; generous for real packages, fatal to zip bombs."""

    max_entries: int = 1_000
    max_entry_bytes: int = 1_024 * 1_024 * 1_024  # one sheet of ~1 million records is about this
    max_total_bytes: int = 2 * 1_024 * 1_024 * 1_024
    max_ratio: int = 200  # spreadsheet XML compresses 5-30×; a bomb compresses 1000×
    ratio_floor_bytes: int = 4 * 1_024 * 1_024  # small parts may compress very well; ignore their ratio


DEFAULT_LIMITS = ZipLimits()


def open_checked_zip(path: Path, limits: ZipLimits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    """Open an .xlsx as a zip after checking every member's declared size (zipfile never reads past it)."""
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError as e:
        raise UnsafeFile("not_xlsx", f"Không đọc được tệp “{path.name}”: {e.strerror or e}.") from e
    if head[:2] != b"PK":
        raise UnsafeFile("not_xlsx", f"Tệp “{path.name}” không phải tệp Excel (.xlsx).")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise UnsafeFile("damaged", f"Tệp “{path.name}” bị hỏng, không mở được như một tệp Excel.",
                         f"{type(e).__name__}: {e}") from e
    try:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise UnsafeFile("too_big", f"Tệp “{path.name}” có quá nhiều thành phần ({len(infos)}); "
                                        "không phải gói dữ liệu hợp lệ.")
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if (info.file_size > limits.max_entry_bytes or total > limits.max_total_bytes
                    or (info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio)):
                size = f"{info.file_size:,}".replace(",", ".")
                raise UnsafeFile("too_big", f"Tệp “{path.name}” giải nén ra quá lớn (thành phần “{info.filename}”"
                                            f" {size} byte); có thể là tệp độc hại, không mở.")
    except UnsafeFile:
        zf.close()
        raise
    return zf


_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_PROLOG_BYTES = 4_096  # a DTD can only stand before the root element


def refuse_dtd(zf: zipfile.ZipFile, name: str) -> None:
    """Refuse a file whose XML parts declare a DTD or entities (entity expansion, external entities)."""
    for info in zf.infolist():
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        try:
            with zf.open(info) as f:
                head = f.read(_PROLOG_BYTES)
        except Exception as e:  # BadZipFile (bad CRC), EOFError, zlib.error on a damaged member
            raise UnsafeFile("damaged", f"Tệp “{name}” bị hỏng, không đọc được thành phần “{info.filename}”.",
                             f"{type(e).__name__}: {e}") from e
        if _DTD.search(head):
            raise UnsafeFile("damaged", f"Tệp “{name}” bị hỏng hoặc độc hại: có khai báo DTD/thực thể XML, điều "
                                        "tệp Excel không có; không mở.")
