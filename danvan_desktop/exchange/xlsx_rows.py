"""The one reader of untrusted .xlsx files (packages and entry templates): lxml's iterparse, after the guards.

A sheet is read row by row and each row's XML freed once read, so memory stays bounded whatever the sheet's
size (a 500,000-row package is read in the memory of a small one; python-calamine, the reader before this,
loads a whole sheet: ~2 kB a row). Before anything is parsed the zip-bomb limits and the DTD/entity refusal
of exchange/xlsx_safety.py run on the raw zip, and the XML parser itself neither loads DTDs nor resolves
entities nor touches the network.

Cells are converted as spreadsheet programs (and python-calamine, whose values tests/integration/
test_xlsx_stream.py compares with) convert them: shared and inline strings with their "_xHHHH_" escapes
decoded, numbers as floats (120.0; readers type them: package_format.read_cell, domain/validation.parse_value),
"b" cells as bools, formula results as their cached value, error cells as empty, and numbers in
a date or time format (styles.xml) as date, datetime, time or timedelta.
Rows come out as (row number, list of cell values) without trailing empty cells; rows with no value at all
are skipped and "" counts as empty.
"""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from danvan_desktop.exchange.xlsx_safety import (
    DEFAULT_LIMITS,
    UnsafeFile,
    ZipLimits,
    ooxml_unescape,
    open_checked_zip,
    refuse_dtd,
)

__all__ = ["XlsxBook", "CellValue"]

CellValue = Any  # str | float | bool | date | datetime | time | timedelta | None

_MAIN_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            "http://purl.oclc.org/ooxml/spreadsheetml/main")  # transitional (Excel, openpyxl) and strict
_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"

# What any broken part raises while it is read: a bad CRC, a truncated member, malformed XML, a shared
# string that is not there, a number that is not one.
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, IndexError, TypeError,
           OverflowError, etree.LxmlError)

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_DATE_BUILTINS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 47})
_DURATION_BUILTINS = frozenset({46})
_DATE, _DURATION = 1, 2


def _parser_kwargs() -> dict[str, Any]:
    # No DTD, no entities, no network; libxml2's size limits kept (huge_tree off): a cell holds 32,767
    # characters at most, far below them.
    return {"resolve_entities": False, "no_network": True, "load_dtd": False}


def _parse(data: bytes) -> Any:
    return etree.fromstring(data, etree.XMLParser(**_parser_kwargs()))


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _format_kind(code: str) -> int:
    """_DATE, _DURATION or 0 for a number format code (the first section only), as spreadsheet readers decide:
    a d, m, y, h or s outside quotes, brackets and escapes makes a date; [h], [m] or [s] a duration."""
    escaped = quoted = False
    brackets = 0
    in_ampm = False
    prev = ""
    hms = False
    for ch in code:
        if escaped:
            escaped = False
        elif quoted:
            quoted = ch != '"'
        elif ch in "_\\":
            escaped = True
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return 0
        elif ch == "[":
            brackets += 1
        elif ch == "]" and brackets == 1 and hms:
            return _DURATION
        elif ch == "]":
            brackets = max(brackets - 1, 0)
        elif brackets == 0 and not in_ampm and ch in "aA":
            in_ampm = True
        elif brackets == 0 and in_ampm and ch in "pmPM/":
            return _DATE
        elif brackets == 0 and not in_ampm and ch in "dmhysDMHYS":
            return _DATE
        elif not (hms and ch.lower() == prev.lower()):
            hms = prev == "[" and ch in "mhsMHS"
        prev = ch
    return 0


def _serial_value(v: float, kind: int, date1904: bool) -> CellValue:
    """A number in a date or duration format as a date, datetime, time or timedelta (the float if out of range)."""
    ms = round(v * 86_400_000)
    if kind == _DURATION:
        return dt.timedelta(milliseconds=ms)
    if date1904:
        base = _EPOCH_1904
    else:
        base = _EXCEL_EPOCH if v >= 60 else _EXCEL_EPOCH + dt.timedelta(days=1)  # Excel's 29/02/1900
    try:
        when = base + dt.timedelta(milliseconds=ms)
    except OverflowError:
        return v
    if not 1 <= when.year <= 9999:
        return v
    if 0 <= v < 1:
        return when.time()
    if when.time() == dt.time():
        return when.date()
    return when


class XlsxBook:
    """An .xlsx opened for reading after the zip-bomb and entity checks: its sheet titles and their rows."""

    def __init__(self, path: Path | str, limits: ZipLimits = DEFAULT_LIMITS) -> None:
        """Check the file, then read its sheet list, shared strings and styles (UnsafeFile if it is not a sound
        .xlsx)."""
        self.path = Path(path)
        self._zip = open_checked_zip(self.path, limits)
        try:
            names = set(self._zip.namelist())
            if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
                raise UnsafeFile("not_xlsx", f"Tệp “{self.path.name}” không phải tệp Excel (.xlsx).")
            refuse_dtd(self._zip, self.path.name)
            try:
                self._read_workbook(names)
            except UnsafeFile:
                raise
            except (*_BROKEN, AttributeError) as e:
                raise UnsafeFile("not_xlsx", f"Tệp “{self.path.name}” không phải tệp Excel hợp lệ.",
                                 f"{type(e).__name__}: {e}") from e
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self) -> XlsxBook:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the file."""
        self.close()

    def close(self) -> None:
        """Release the file."""
        self._zip.close()

    # -- the workbook's parts --

    def _rels(self, part: str, names: set[str]) -> dict[str, tuple[str, str]]:
        """Relationship id → (type's last word, member) of one part."""
        p = PurePosixPath(part)
        rels_name = str(p.parent / "_rels" / (p.name + ".rels"))
        out: dict[str, tuple[str, str]] = {}
        if rels_name not in names:
            return out
        for rel in _parse(self._zip.read(rels_name)).iter(_PKG_REL):
            target = rel.get("Target", "")
            full = target.lstrip("/") if target.startswith("/") else str(p.parent / target)
            out[rel.get("Id", "")] = (rel.get("Type", "").rpartition("/")[2], _normalise(full))
        return out

    def _read_workbook(self, names: set[str]) -> None:
        main = "xl/workbook.xml"
        for _type, target in self._rels("", names).values():
            if _type == "officeDocument" and target in names:
                main = target
        if main not in names:  # a binary workbook (.xlsb) renamed: not ours to read
            raise UnsafeFile("not_xlsx", f"Tệp “{self.path.name}” không phải tệp Excel (.xlsx).")
        rels = self._rels(main, names)
        root = _parse(self._zip.read(main))
        self.date1904 = False
        self.sheets: dict[str, str] = {}  # title → zip member, in workbook order
        for el in root.iter():
            name = _local(el.tag)
            if name == "workbookPr":
                self.date1904 = el.get("date1904", "0").lower() in ("1", "true")
            elif name == "sheet":
                rid = next((el.get(f"{{{ns}}}id") for ns in _REL_NS if el.get(f"{{{ns}}}id")), None)
                rel = rels.get(rid or "")
                if rel and rel[1] in names:
                    self.sheets[el.get("name", "")] = rel[1]
        by_type = {t: m for t, m in rels.values() if m in names}
        self._strings: list[str] = self._read_strings(by_type["sharedStrings"]) if "sharedStrings" in by_type else []
        self._styles: list[int] = self._read_styles(by_type["styles"]) if "styles" in by_type else []

    def _read_strings(self, member: str) -> list[str]:
        """The shared strings, each the text of its runs (phonetic hints left out), escapes decoded."""
        out: list[str] = []
        with self._zip.open(member) as f:
            for _ev, si in etree.iterparse(f, events=("end",), tag=[f"{{{ns}}}si" for ns in _MAIN_NS],
                                           **_parser_kwargs()):
                out.append(_string_of(si) or "")
                si.clear(keep_tail=False)
        return out

    def _read_styles(self, member: str) -> list[int]:
        """For each cell style (cellXfs, by index): _DATE, _DURATION or 0."""
        root = _parse(self._zip.read(member))
        custom: dict[int, int] = {}
        kinds: list[int] = []
        for el in root:
            name = _local(el.tag)
            if name == "numFmts":
                for nf in el:
                    if _local(nf.tag) == "numFmt" and nf.get("numFmtId", "").isdigit():
                        custom[int(nf.get("numFmtId"))] = _format_kind(nf.get("formatCode", ""))
            elif name == "cellXfs":
                for xf in el:
                    if _local(xf.tag) != "xf":
                        continue
                    fid = int(xf.get("numFmtId", "0") or 0)
                    if fid in custom:
                        kinds.append(custom[fid])
                    else:
                        kinds.append(_DATE if fid in _DATE_BUILTINS else _DURATION if fid in _DURATION_BUILTINS else 0)
        return kinds

    # -- rows --

    def rows(self, title: str) -> Iterator[tuple[int, list[CellValue]]]:
        """The non-empty rows of a sheet, in order; UnsafeFile("damaged") if the file breaks while reading."""
        try:
            yield from self._rows(self.sheets[title])
        except _BROKEN as e:
            raise UnsafeFile("damaged", f"Tệp “{self.path.name}” bị hỏng, không đọc được trang “{title}”.",
                             f"{type(e).__name__}: {e}") from e

    def _rows(self, member: str) -> Iterator[tuple[int, list[CellValue]]]:
        strings, styles, date1904 = self._strings, self._styles, self.date1904
        n_styles = len(styles)
        columns: dict[str, int] = {}
        last_row = 0
        ns = ""
        c_tag = v_tag = is_tag = t_tag = ""
        with self._zip.open(member) as f:
            tags = [f"{{{ns}}}row" for ns in _MAIN_NS]
            for _ev, row_el in etree.iterparse(f, events=("end",), tag=tags, **_parser_kwargs()):
                if not ns:  # the sheet's namespace, once: full tag names compare faster than local names
                    ns = row_el.tag[:-3]
                    c_tag, v_tag, is_tag, t_tag = ns + "c", ns + "v", ns + "is", ns + "t"
                r = row_el.get("r")
                rownum = int(r) if r else last_row + 1
                last_row = rownum
                cells: list[CellValue] = []
                for c in row_el:
                    if c.tag != c_tag:
                        continue
                    # The value: the text of <v>, or the string of <is> (a formula <f> may come first).
                    t = c.get("t")
                    v: CellValue = None
                    for child in c:
                        tag = child.tag
                        if tag == v_tag:
                            v = child.text
                        elif tag == is_tag and t == "inlineStr":
                            first = child[0] if len(child) == 1 else None
                            if first is not None and first.tag == t_tag:  # one plain <t>: most strings
                                v = first.text
                                if v and "_x" in v:
                                    v = ooxml_unescape(v)
                            else:
                                v = _string_of(child)
                    if v is None or v == "":
                        v = None
                    elif t is None or t == "n":
                        v = float(v)
                        st = c.get("s")
                        if st is not None:
                            k = int(st)
                            if k < n_styles and styles[k]:
                                v = _serial_value(v, styles[k], date1904)
                    elif t != "inlineStr":
                        v = _typed(t, v, strings)
                    ref = c.get("r")
                    if ref is not None:
                        letters = ref.rstrip("0123456789")
                        i = columns.get(letters)
                        if i is None:
                            i = columns[letters] = _column_index(letters)
                        n = len(cells)
                        if i > n:
                            cells.extend([None] * (i - n))
                        elif i < n:  # out of order or repeated: the later cell wins, as in Excel
                            cells[i] = v
                            continue
                    cells.append(v)
                # Free what was read: the row's own tree and the finished rows before it.
                row_el.clear(keep_tail=False)
                parent = row_el.getparent()
                if parent is not None:
                    while row_el.getprevious() is not None:
                        del parent[0]
                end = len(cells)
                while end and cells[end - 1] is None:
                    end -= 1
                if end:
                    yield rownum, cells[:end] if end < len(cells) else cells


def _typed(t: str, v: str, strings: list[str]) -> CellValue:
    """A cell's value by its type (t) other than a number or an inline string; v is not empty."""
    if t == "s":
        return strings[int(v)] or None  # IndexError: a shared string that is not there
    if t == "str":
        return ooxml_unescape(v) or None
    if t == "b":
        return v.strip() != "0"
    if t == "d":
        return _iso_value(v)
    if t == "e":
        return None  # an error ("#N/A", "#DIV/0!") holds no value; calamine and the readers before read it so
    return float(v)  # an unknown type: read as a number, as calamine does (ValueError: damaged)


def _string_of(el: Any) -> str | None:
    """The text of a shared or inline string: a <t>, or the <t> of each rich-text run; "_xHHHH_" decoded."""
    if len(el) == 1 and _local(el[0].tag) == "t":  # the common case: one plain text
        text = el[0].text
        return ooxml_unescape(text) if text else None
    parts: list[str] = []
    for child in el:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts.append(t.text or "")
    return ooxml_unescape("".join(parts)) or None


def _iso_value(v: str) -> CellValue:
    """A "d" cell (ISO 8601 text): a datetime, date or time, else the text itself."""
    text = v.strip().replace("Z", "")
    for parse in (dt.datetime.fromisoformat, dt.time.fromisoformat):
        try:
            out = parse(text)
        except ValueError:
            continue
        if isinstance(out, dt.datetime) and out.time() == dt.time() and "T" not in text:
            return out.date()
        return out
    return v


def _column_index(letters: str) -> int:
    """0-based index of a column given by letters ("A" → 0, "AA" → 26)."""
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"bad cell reference {letters!r}")
        n = n * 26 + ord(ch) - 64
    if not 1 <= n <= 16_384:
        raise ValueError(f"bad cell reference {letters!r}")
    return n - 1


def _normalise(member: str) -> str:
    """Resolve "." and ".." in a zip member path."""
    parts: list[str] = []
    for p in member.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p not in ("", "."):
            parts.append(p)
    return "/".join(parts)
