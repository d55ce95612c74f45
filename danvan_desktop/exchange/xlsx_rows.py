"""Reading the rows of an untrusted .xlsx: a strict fast path for our own writer's XML, openpyxl for the rest.

openpyxl's read-only reader costs about 12 µs a cell, which makes merging a hundred packages take minutes on
an office PC. Packages written by this program have one exact XML shape (openpyxl write-only output: inline
strings, cells in order, nothing else), which a regular expression tokenises at about 1 µs a cell. The fast
path accepts a sheet only if its tokens cover the sheet data byte for byte and every character reference is
one an XML parser would decode the same way; anything else (a file saved by Excel or LibreOffice, shared
strings, formulas, pretty-printed XML) falls back to openpyxl in read-only mode (defusedxml, reset
dimensions), continuing after the rows already read. Both paths give the same values; tests hold them to it.

Cell text is decoded as spreadsheet programs decode it ("_xHHHH_" escapes included).
Rows come out as (row number, list of cell values: str, int, float, bool, datetime from the fallback, None),
without trailing empty cells; rows with no value at all are skipped and "" counts as empty.
"""

from __future__ import annotations

import codecs
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from defusedxml import ElementTree as SafeET
from lxml import etree

from danvan_desktop.exchange.xlsx_safety import (
    DEFAULT_LIMITS,
    UnsafeFile,
    ZipLimits,
    ooxml_unescape,
    open_checked_zip,
)

__all__ = ["XlsxBook", "CellValue"]

CellValue = Any  # str | int | float | bool | datetime | None

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OFFICE_DOC = _REL_NS + "/officeDocument"

_CHUNK = 1 << 20  # decompressed characters per tokenising step: bounded memory for any sheet size

# One token of <sheetData>: a row start (maybe empty "<row …/>"), a row end, or a cell as openpyxl writes it.
# Groups: whole, row number, row self-closing "/", column letters, cell row, type, <v> text, inline text.
_TOKEN = re.compile(
    r'(<row r="([0-9]+)"[^<>/]*(/?)>'
    r"|</row>"
    r'|<c r="([A-Z]{1,3})([0-9]+)"(?: s="[0-9]+")?(?: t="(inlineStr|n|b)")?'
    r'(?:/>|>(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>))'
)

# What the fast path leaves to a real XML parser: characters XML forbids or rewrites (controls, CR), "&" not
# starting a plain XML reference, numeric references below U+00A0 and 7-digit ones (never written by us).
_ODD = re.compile(
    "[\x00-\x08\x0b-\x1f\ufffe\uffff]"
    r"|&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)"
    r"|&#0*(?:[0-9]{1,2}|1[0-5][0-9]);|&#x0*[0-9a-fA-F]{1,2};|&#[0-9]{7};"
)
_TEXT_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
_DECLARED_ENCODING = re.compile(r"""<\?xml[^>]*?encoding=["']([^"']+)["']""")
_PLAIN_ENCODINGS = {"utf-8", "utf8", "ascii", "us-ascii"}


class _NotOurs(Exception):
    """The sheet is not in the exact shape of our writer: read it with openpyxl instead."""


def _column_index(letters: str) -> int:
    """0-based index of a column given by letters ("A" → 0, "AA" → 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


_COLUMNS: dict[str, int] = {}


def _col(letters: str) -> int:
    i = _COLUMNS.get(letters)
    if i is None:
        i = _COLUMNS[letters] = _column_index(letters)
    return i


def _number(text: str) -> int | float:
    """A <v> number as openpyxl reads it: int unless it has a point or an exponent."""
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text)


def _trimmed(row: list[CellValue]) -> list[CellValue]:
    while row and row[-1] is None:
        row.pop()
    return row


class _FastSheet:
    """Tokenises one sheet part in chunks; raises _NotOurs at the first thing it is not sure about."""

    def __init__(self) -> None:
        self.last_row = 0

    def parse(self, text: str) -> list[tuple[int, list[CellValue]]]:
        """Rows found in a piece of <sheetData> that ends on a row boundary."""
        if _ODD.search(text):
            raise _NotOurs
        tokens = _TOKEN.findall(text)
        # Non-overlapping matches whose lengths add up to the text's cover it entirely: nothing skipped.
        if sum(len(t[0]) for t in tokens) != len(text):
            raise _NotOurs
        out: list[tuple[int, list[CellValue]]] = []
        escaped: list[tuple[list[CellValue], int]] = []
        cur: list[CellValue] | None = None
        cur_r = ""
        r = 0
        for _whole, row_r, empty_row, col, cell_r, ctype, v, tx in tokens:
            if row_r:
                r = int(row_r)
                if r <= self.last_row or cur is not None:
                    raise _NotOurs
                self.last_row = r
                if not empty_row:
                    cur, cur_r = [], row_r
            elif col:
                if cur is None or cell_r != cur_r:
                    raise _NotOurs
                i = _col(col)
                n = len(cur)
                if i < n:
                    raise _NotOurs  # cells out of order
                if ctype == "inlineStr":
                    if v:
                        raise _NotOurs
                    val: CellValue = tx or None
                elif tx:
                    raise _NotOurs
                elif ctype == "b":
                    val = None if v == "" else v == "1"
                elif v == "":
                    val = None
                else:
                    try:
                        val = _number(v)
                    except ValueError:
                        raise _NotOurs from None
                if i > n:
                    cur.extend([None] * (i - n))
                cur.append(val)
                if tx:
                    if "&" in tx:
                        escaped.append((cur, i))
                    elif "_x" in tx:
                        cur[i] = ooxml_unescape(tx)
            else:  # </row>
                if cur is None:
                    raise _NotOurs
                out.append((r, cur))
                cur = None
        if cur is not None:
            raise _NotOurs
        if escaped:
            # Character references decoded by libxml2 itself, all texts of the chunk in one small document
            # (no DTD, no entity expansion): exactly what an XML parser reads, at C speed.
            doc = "<r><x>" + "</x><x>".join(row[i] for row, i in escaped) + "</x></r>"  # type: ignore[misc]
            try:
                parts = [x.text or "" for x in etree.fromstring(doc, _TEXT_PARSER)]
            except etree.XMLSyntaxError:
                raise _NotOurs from None
            if len(parts) != len(escaped):
                raise _NotOurs
            for (row, i), part in zip(escaped, parts, strict=True):
                row[i] = ooxml_unescape(part)
        return [(n, row) for n, row in out if _trimmed(row)]


class XlsxBook:
    """An .xlsx opened for reading after the zip-bomb check: its sheet titles and their rows."""

    def __init__(self, path: Path, limits: ZipLimits = DEFAULT_LIMITS) -> None:
        """Open and check the file and read the list of sheets (UnsafeFile if it is not a sound .xlsx)."""
        self.path = Path(path)
        self._zip = open_checked_zip(self.path, limits)
        self._openpyxl: Any = None
        self.fast_sheets = 0  # how many sheets the fast path read entirely (for tests and the benchmark)
        try:
            self.sheets = self._read_sheet_list()
        except UnsafeFile:
            self.close()
            raise
        except Exception as e:  # malformed XML, missing parts, forbidden DTDs (defusedxml)
            self.close()
            raise UnsafeFile("not_xlsx", f"Tệp “{self.path.name}” không phải tệp Excel hợp lệ ({e}).") from e

    def __enter__(self) -> XlsxBook:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the file."""
        self.close()

    def close(self) -> None:
        """Release the file (and openpyxl's workbook if the fallback opened it)."""
        if self._openpyxl is not None:
            self._openpyxl.close()
            self._openpyxl = None
        self._zip.close()

    def _xml(self, name: str) -> Any:
        return SafeET.fromstring(self._zip.read(name))

    def _read_sheet_list(self) -> dict[str, str]:
        """Sheet title → zip member, in workbook order."""
        names = set(self._zip.namelist())
        main = "xl/workbook.xml"
        if "_rels/.rels" in names:
            for rel in self._xml("_rels/.rels"):
                if rel.get("Type") == _OFFICE_DOC:
                    main = rel.get("Target", main).lstrip("/")
        if main not in names:
            raise UnsafeFile("not_xlsx", f"Tệp “{self.path.name}” không phải tệp Excel (.xlsx).")
        base = PurePosixPath(main).parent
        rels_name = str(base / "_rels" / (PurePosixPath(main).name + ".rels"))
        targets: dict[str, str] = {}
        if rels_name in names:
            for rel in self._xml(rels_name):
                target = rel.get("Target", "")
                full = target.lstrip("/") if target.startswith("/") else str(base / target)
                targets[rel.get("Id", "")] = _normalise(full)
        sheets: dict[str, str] = {}
        for el in self._xml(main).iter():
            if el.tag.endswith("}sheet"):
                rid = el.get(f"{{{_REL_NS}}}id") or el.get("{http://purl.oclc.org/ooxml/officeDocument/relationships}id")
                member = targets.get(rid or "")
                if member and member in names:
                    sheets[el.get("name", "")] = member
        return sheets

    def rows(self, title: str) -> Iterator[tuple[int, list[CellValue]]]:
        """The non-empty rows of a sheet, in order; UnsafeFile("damaged") if the file breaks while reading."""
        try:
            yield from self._rows(title)
        except UnsafeFile:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, IndexError, TypeError,
                SyntaxError, etree.LxmlError) as e:
            # A bad CRC, a truncated member, a shared string that is not there: this file, not the program.
            raise UnsafeFile("damaged", f"Tệp “{self.path.name}” bị hỏng, không đọc được trang “{title}” "
                                        f"({type(e).__name__}: {e}).") from e

    def _rows(self, title: str) -> Iterator[tuple[int, list[CellValue]]]:
        member = self.sheets[title]
        done = 0
        try:
            for row in self._fast_rows(member):
                yield row
                done += 1
            self.fast_sheets += 1
            return
        except _NotOurs:
            pass
        for i, row in enumerate(self._slow_rows(title)):
            if i >= done:
                yield row

    def _fast_rows(self, member: str) -> Iterator[tuple[int, list[CellValue]]]:
        parser = _FastSheet()
        decoder = codecs.getincrementaldecoder("utf-8")()
        buf = ""
        started = False
        checked_prolog = False
        with self._zip.open(member) as raw:
            while True:
                chunk = raw.read(_CHUNK)
                final = not chunk
                try:
                    buf += decoder.decode(chunk, final)
                except UnicodeDecodeError:
                    raise _NotOurs from None
                if not checked_prolog and (len(buf) >= 200 or final):
                    checked_prolog = True
                    m = _DECLARED_ENCODING.match(buf)
                    if buf.startswith("\ufeff") or (m and m[1].lower() not in _PLAIN_ENCODINGS):
                        raise _NotOurs
                if not started:
                    i = buf.find("<sheetData")
                    j = buf.find(">", i) if i >= 0 else -1
                    if j < 0:
                        if final or len(buf) > 8 * _CHUNK:
                            raise _NotOurs
                        continue
                    if buf[j - 1] == "/":  # <sheetData/>: no rows
                        return
                    buf = buf[j + 1:]
                    started = True
                end = buf.find("</sheetData>")
                if end >= 0:
                    yield from parser.parse(buf[:end])
                    return
                cut = buf.rfind("</row>")
                if cut < 0:
                    if final or len(buf) > 8 * _CHUNK:
                        raise _NotOurs
                    continue
                piece, buf = buf[:cut + 6], buf[cut + 6:]
                yield from parser.parse(piece)
                if final:
                    raise _NotOurs  # no </sheetData>

    def _slow_rows(self, title: str) -> Iterator[tuple[int, list[CellValue]]]:
        if self._openpyxl is None:
            import openpyxl  # parses through defusedxml when it is installed (it is a dependency)

            try:
                self._openpyxl = openpyxl.load_workbook(self.path, read_only=True, data_only=True,
                                                        keep_links=False)
            except Exception as e:
                raise UnsafeFile("damaged", f"Tệp “{self.path.name}” bị hỏng, không đọc được ({e}).") from e
        ws = self._openpyxl[title]
        ws.reset_dimensions()  # other programs sometimes declare wrong dimensions
        try:
            for cells in ws.iter_rows():
                row = _trimmed([None if c.value == "" else ooxml_unescape(c.value) if isinstance(c.value, str)
                                else c.value for c in cells])
                if row:
                    yield next(c.row for c in cells if getattr(c, "row", None)), row
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, IndexError,
                SyntaxError) as e:  # SyntaxError: XML ParseError; IndexError: a shared string not there
            raise UnsafeFile("damaged", f"Tệp “{self.path.name}” bị hỏng, không đọc được ({e}).") from e


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
