"""The package format (Gói dữ liệu, SPEC §5): sheets, metadata keys, columns, and the checksum's canonical form.

This module is the contract other offices' programs rely on; the writer (exchange/package.py) and the reader
(below) both follow it.

File
    One .xlsx per unit and period. Every sheet is a table: row 1 the Vietnamese labels (bold, frozen), row 2
    the stable keys (visible, small grey text, frozen, carrying the auto-filter so sorting and filtering
    leave both header rows in place), rows 3… the data. Readers find columns by the key row, never by
    position or label; empty rows are ignored.

Sheets, in this order
    "Thông tin"   metadata, keys ``key``, ``value``, ``description`` (one row per metadata key, below).
    "Tổng hợp"    the summary of SPEC §4 for the unit's subtree, keys ``group``, ``label``, ``current``,
                  ``previous``, ``change``, ``key``: one row per indicator; taken from services.summary.
    "Đơn vị"      the sending unit and every unit below it, keys ``code``, ``name``, ``level``,
                  ``parent_code``, ``scheme``, ``uid``, ``parent_uid``; parents come before their children.
    one sheet per record kind, titled by the kind's label, whose title is also given in the metadata
                  (``sheet.<kind>``); keys: ``unit``, ``unit_name``, the kind's field keys (domain/kinds.py),
                  ``notes``, ``deleted``, ``revision``, ``created_at``, ``created_by``, ``updated_at``,
                  ``updated_by``, ``id``, ``unit_uid``, ``withdrawn``.

Unit identity (SPEC §2)
    ``uid``, ``parent_uid``, ``unit_uid``, ``unit.uid``, ``ancestor.n.uid`` and ``signer.uid`` carry units'
    global identities (domain/unit_identity.py): "scheme:code" for an official unit, a UUID for any other.
    They came with schema 4; a package without them is read as before, each unit's identity derived from
    its code and its parent's (codes were unique then). ``signer.uid`` names the office whose key signed the
    package: the sending unit, or an ancestor that exported the package of a unit below it. ``withdrawn``
    (a whole number, or empty) marks a tombstone left by undoing an import: the revision it withdrew.

Content
    The records of the unit's subtree whose event date is in the period, those changed during the period
    (updated_at in it: an answered petition or a deletion travels with the package of the period it was
    made in), deleted ones as tombstones (``deleted`` yes), and the whole registries (religious sites,
    models). The summary sheet covers the period only.

Cells
    Text as text; text a spreadsheet would take as a formula (= + - @ or a control character first, or an
    error code like "#N/A") is an explicit text cell with the quote prefix. Whole numbers as numbers. Dates
    as Excel dates (dd/mm/yyyy); ``created_at`` / ``updated_at`` as Excel date-times in UTC, whole seconds.
    Closed lists (enums, unit level, code scheme) show the Vietnamese label; a reader accepts the label or
    the key. Yes/no cells (``deleted``, boolean fields) show "Có" / "Không"; a reader also accepts TRUE/
    FALSE, 1/0 and the keys co/khong. Lists of units (``target_units``) are codes joined by ";". Text is
    written with the spreadsheet escape applied to literal "_x…_" sequences ("_x005F_" for their
    underscore) and read with every "_xHHHH_" decoded, as Excel and LibreOffice do (openpyxl does not).

Metadata keys (sheet "Thông tin"; values are text unless said)
    format = "danvan-package"; format_version (number) = 1; unit.code, unit.name, unit.level (tinh, huyen,
    xa, thon), unit.scheme (2025, legacy, local); for each ancestor, nearest first, n = 1, 2, …:
    ancestor.n.code, ancestor.n.name, ancestor.n.level, ancestor.n.scheme; period (e.g. 2025-Q1),
    period.from, period.to (ISO dates), period.label; exported_at (ISO 8601 UTC, "2025-04-02T03:04:05Z"),
    exported_by; program_version; schema_version (number); sheet.summary, sheet.units, sheet.<kind> (sheet
    titles); count.units, count.<kind> (rows of each sheet, tombstones included), count.deleted (the
    tombstones among them); checksum.algorithm = "sha256"; checksum (64 lowercase hex digits);
    signature.algorithm = "ed25519"; signature.public_key (base64 of the sender's 32-byte Ed25519 public
    key); signature (base64 Ed25519 signature over the ASCII bytes "danvan-package/1\n" + checksum).

Canonical form (what ``checksum`` is the SHA-256 of)
    UTF-8 text made of lines, each ended by "\\n":
      1. the line ``danvan-package/1``;
      2. for each section in this order — meta, summary, units, meeting, petition, monitoring,
         religious_site, religious_check, model — the line ``#`` + section name, then the section's key row,
         then each data row in sheet order, every row written as a JSON array.
    A row is the values of the columns that have a key in row 2 (as many as the key row has, missing cells
    null); in the meta section the rows whose key is ``checksum`` or starts with ``signature`` are left out.
    Values by column type: empty
    cell → null; text → JSON string (a number in a text column is written as its digits); whole numbers →
    JSON integers; dates → "YYYY-MM-DD"; date-times → "YYYY-MM-DDTHH:MM:SS"; yes/no → true/false; closed
    lists → the key (a label the reader does not know stays as its text); a cell that cannot be read as its
    column's type → its text. "Any" columns (the metadata value, and any column whose key the format does
    not define) → a JSON integer when the cell holds a whole number, else its text. The key row is its cells
    as strings (empty: null). JSON as Python's ``json.dumps(row, ensure_ascii=False, separators=(",", ":"))``
    writes it (RFC 8259, no spaces, non-ASCII unescaped). Row 1 (labels), sheet titles and cell styles are
    not part of it, so re-saving an unchanged package in a spreadsheet program keeps it valid.
    Column types: meta — key and description text, value "any"; summary — group, label, key text,
    current/previous/change numbers;
    units — code, name, parent_code text, level and scheme closed lists; record sheets — unit, unit_name,
    notes, created_by, updated_by, id, and text, long text, link and unit-list fields text; revision and
    count fields numbers; date fields dates; created_at/updated_at date-times; deleted and boolean fields
    yes/no; enum fields closed lists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from danvan_desktop.domain.fields import FieldType, RecordKind
from danvan_desktop.domain.kinds import ENVELOPE_LABELS, KIND_BY_KEY, KINDS
from danvan_desktop.domain.merge_rule import MAX_REVISION, canonical_id
from danvan_desktop.domain.periods import Period, PeriodError, parse_period
from danvan_desktop.domain.unit_identity import is_identity, unit_identity
from danvan_desktop.domain.validation import ValidationError, Value, check_notes, check_record, check_revision
from danvan_desktop.domain.vocab import BOOLEAN, UNIT_LEVEL, Vocabulary
from danvan_desktop.exchange.xlsx_rows import CellValue, XlsxBook
from danvan_desktop.exchange.xlsx_safety import UnsafeFile
from danvan_desktop.services.signing import verify as verify_signature

FORMAT = "danvan-package"
SIGNATURE_ALGORITHM = "ed25519"
# Metadata rows outside the canonical form: the checksum itself and the signature made over it.
UNHASHED_META = frozenset({"checksum", "signature.algorithm", "signature.public_key", "signature"})
UNSIGNED, BAD_SIGNATURE = "unsigned", "bad_signature"


def signed_message(checksum: str) -> bytes:
    """What the sending office signs: the format tag and the data's checksum."""
    return f"danvan-package/1\n{checksum}".encode("ascii")
FORMAT_VERSION = 1
CANONICAL_HEADER = f"{FORMAT}/{FORMAT_VERSION}"

META_SHEET = "Thông tin"
SUMMARY_SHEET = "Tổng hợp"
UNITS_SHEET = "Đơn vị"
SECTIONS: tuple[str, ...] = ("meta", "summary", "units", *(k.key for k in KINDS))

SCHEME = Vocabulary("scheme", (("2025", "Mã chính thức (từ 01/7/2025)"),
                               ("legacy", "Mã chính thức (trước 01/7/2025)"),
                               ("local", "Mã do đơn vị tự đặt")))

# Envelope columns around a kind's fields, in sheet order; readers go by key, so the order is free.
ENVELOPE_BEFORE = ("unit", "unit_name")
ENVELOPE_AFTER = ("notes", "deleted", "revision", "created_at", "created_by", "updated_at", "updated_by", "id")
REQUIRED_ENVELOPE = ("id", "unit", "created_at", "updated_at", "created_by", "updated_by", "revision", "deleted",
                     "notes")
_LABELS = {**ENVELOPE_LABELS, "unit": "Mã đơn vị", "unit_name": "Tên đơn vị"}

_EXCEL_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()  # Excel's 1900 system, serials from 61 on


class Col(IntEnum):
    """How a column's cells are read and written canonically."""

    ANY = 0
    TEXT = 1
    INT = 2
    DATE = 3
    DATETIME = 4
    BOOL = 5
    ENUM = 6


@dataclass(frozen=True)
class Column:
    """One column of a package sheet."""

    key: str
    label: str
    type: Col
    vocab: Vocabulary | None = None
    width: float = 14.0
    optional: bool = False  # added after format 1 was first written: older packages lack it


_FIELD_COL = {FieldType.TEXT: Col.TEXT, FieldType.LONGTEXT: Col.TEXT, FieldType.REF: Col.TEXT,
              FieldType.UNITS: Col.TEXT, FieldType.INT: Col.INT, FieldType.DATE: Col.DATE,
              FieldType.ENUM: Col.ENUM, FieldType.BOOL: Col.BOOL}
_FIELD_WIDTH = {FieldType.TEXT: 28.0, FieldType.LONGTEXT: 45.0, FieldType.REF: 38.0, FieldType.UNITS: 24.0,
                FieldType.INT: 12.0, FieldType.DATE: 12.0, FieldType.BOOL: 11.0}


def _enum_width(v: Vocabulary) -> float:
    return float(min(34, max(12, max(len(label) for label in v.labels) + 2)))


def kind_columns(kind: RecordKind) -> tuple[Column, ...]:
    """The columns of a record kind's sheet."""
    cols = [Column("unit", _LABELS["unit"], Col.TEXT, width=12), Column("unit_name", _LABELS["unit_name"],
                                                                         Col.TEXT, width=24)]
    for f in kind.fields:
        width = _enum_width(f.vocab) if f.vocab else _FIELD_WIDTH[f.type]
        if f.key == kind.title_field:
            width = 45.0
        cols.append(Column(f.key, f.label, _FIELD_COL[f.type], f.vocab if f.type is FieldType.ENUM else None,
                           width))
    cols += [Column("notes", _LABELS["notes"], Col.TEXT, width=28), Column("deleted", _LABELS["deleted"],
                                                                           Col.BOOL, BOOLEAN, 9),
             Column("revision", _LABELS["revision"], Col.INT, width=9),
             Column("created_at", _LABELS["created_at"], Col.DATETIME, width=19),
             Column("created_by", _LABELS["created_by"], Col.TEXT, width=14),
             Column("updated_at", _LABELS["updated_at"], Col.DATETIME, width=19),
             Column("updated_by", _LABELS["updated_by"], Col.TEXT, width=14),
             Column("id", _LABELS["id"], Col.TEXT, width=38),
             Column("unit_uid", "Định danh đơn vị", Col.TEXT, width=38, optional=True),
             # ANY: a whole number or empty, hashed the same by readers that do not know the column.
             Column("withdrawn", "Hoàn tác lần sửa", Col.ANY, width=10, optional=True)]
    return tuple(cols)


KIND_COLUMNS: dict[str, tuple[Column, ...]] = {k.key: kind_columns(k) for k in KINDS}
META_COLUMNS = (Column("key", "Mục", Col.TEXT, width=24), Column("value", "Giá trị", Col.ANY, width=44),
                Column("description", "Diễn giải", Col.TEXT, width=60))
SUMMARY_COLUMNS = (Column("group", "Nhóm", Col.TEXT, width=30), Column("label", "Chỉ tiêu", Col.TEXT, width=48),
                   Column("current", "Kỳ này", Col.INT, width=14), Column("previous", "Cùng kỳ năm trước",
                                                                          Col.INT, width=14),
                   Column("change", "Tăng (+), giảm (-)", Col.INT, width=12),
                   Column("key", "Mã chỉ tiêu", Col.TEXT, width=38))
UNIT_COLUMNS = (Column("code", "Mã đơn vị", Col.TEXT, width=14), Column("name", "Tên đơn vị", Col.TEXT, width=36),
                Column("level", "Cấp", Col.ENUM, UNIT_LEVEL, 28), Column("parent_code", "Mã đơn vị cấp trên",
                                                                        Col.TEXT, width=16),
                Column("scheme", "Loại mã", Col.ENUM, SCHEME, 30),
                Column("uid", "Định danh đơn vị", Col.TEXT, width=38, optional=True),
                Column("parent_uid", "Định danh đơn vị cấp trên", Col.TEXT, width=38, optional=True))

SECTION_COLUMNS: dict[str, tuple[Column, ...]] = {"meta": META_COLUMNS, "summary": SUMMARY_COLUMNS,
                                                   "units": UNIT_COLUMNS, **KIND_COLUMNS}
# Optional sections after the records; package_report.py registers the report text's columns here.
OPTIONAL_SECTIONS: dict[str, tuple[Column, ...]] = {}


def sheet_title(kind: RecordKind) -> str:
    """A record kind's sheet title: its label, cleaned of what Excel forbids in titles, ≤ 31 characters."""
    return re.sub(r"[\\*?:/\[\]]", "-", kind.label)[:31].strip("'")


# ---- canonical values --------------------------------------------------------------------------------------

def iso_datetime(d: dt.datetime) -> str:
    """A date-time in the canonical form (whole seconds)."""
    return d.replace(microsecond=0).isoformat(timespec="seconds")


def canonical(col: Col, v: Any) -> Any:
    """A typed value (as the writer holds it) in the canonical form."""
    if v is None or v == "":
        return None
    if col is Col.DATE:
        return (v.date() if isinstance(v, dt.datetime) else v).isoformat()
    if col is Col.DATETIME:
        return iso_datetime(v)
    if col is Col.BOOL:
        return bool(v)
    return v


# json.dumps(row, ensure_ascii=False, separators=(",", ":")), without building an encoder per row.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class CanonicalHash:
    """The running SHA-256 of the canonical form, fed section by section and row by row."""

    def __init__(self) -> None:
        """Start with the header line."""
        self._h = hashlib.sha256()
        self._buf: list[str] = [CANONICAL_HEADER + "\n"]
        self._size = 0

    def section(self, name: str) -> None:
        """Begin a section."""
        self._buf.append(f"#{name}\n")

    def row(self, values: list[Any]) -> None:
        """Add one row."""
        line = _JSON.encode(values)
        self._buf.append(line)
        self._buf.append("\n")
        self._size += len(line)
        if self._size > 1 << 20:
            self._flush()

    def _flush(self) -> None:
        self._h.update("".join(self._buf).encode("utf-8"))
        self._buf.clear()
        self._size = 0

    def hexdigest(self) -> str:
        """The checksum of everything added so far."""
        self._flush()
        return self._h.hexdigest()


# ---- reading cells ---------------------------------------------------------------------------------------

def _serial_date(v: float | int) -> dt.date:
    if v >= 61:
        return dt.date.fromordinal(_EXCEL_EPOCH_ORDINAL + int(v))
    from openpyxl.utils.datetime import from_excel

    return from_excel(v).date()  # type: ignore[no-any-return]


def _serial_datetime(v: float | int) -> dt.datetime:
    if v >= 61:
        day, fraction = divmod(v, 1)
        # The same rounding as openpyxl's from_excel (milliseconds), so both readers agree.
        return (dt.datetime.fromordinal(_EXCEL_EPOCH_ORDINAL + int(day))
                + dt.timedelta(milliseconds=round(fraction * 86400 * 1000)))
    from openpyxl.utils.datetime import from_excel

    return from_excel(v)  # type: ignore[no-any-return]


def _as_text(v: CellValue) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    return str(v)


_BOOL_TEXT = {"có": True, "co": True, "không": False, "khong": False, "true": True, "false": False, "1": True,
              "0": False, "x": True}


class _CellError(Exception):
    pass


def read_cell(col: Column, lookup: Mapping[str, str] | None, v: CellValue) -> tuple[Any, Any]:
    """(typed value, canonical value) of a non-empty cell; raises _CellError when it cannot be read."""
    t = col.type
    if t is Col.TEXT:
        s = v if isinstance(v, str) else _as_text(v)
        return s, s
    if t is Col.ANY:
        if isinstance(v, bool):
            return v, _as_text(v)
        if isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
            return int(v), int(v)
        return _as_text(v), _as_text(v)
    if t is Col.INT:
        if isinstance(v, bool):
            raise _CellError
        if isinstance(v, int):
            return v, v
        if isinstance(v, float) and v.is_integer():
            return int(v), int(v)
        # 40 digits at most: int() of thousands of digits raises (or takes long) instead of refusing the cell.
        if isinstance(v, str) and len(v) <= 40 and v.strip().lstrip("-").isdigit():
            n = int(v.strip())
            return n, n
        raise _CellError
    if t is Col.DATE:
        if isinstance(v, dt.datetime):
            d = v.date()
        elif isinstance(v, dt.date):
            d = v
        elif isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 2_958_466:
            d = _serial_date(v)
        elif isinstance(v, str):
            from danvan_desktop.domain.validation import parse_date

            try:
                d = parse_date(v)
            except ValueError:
                raise _CellError from None
        else:
            raise _CellError
        return d, d.isoformat()
    if t is Col.DATETIME:
        if isinstance(v, dt.datetime):
            d2 = v
        elif isinstance(v, dt.date):  # a date-time cell formatted as a date
            d2 = dt.datetime.combine(v, dt.time())
        elif isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 2_958_466:
            d2 = _serial_datetime(v)
        elif isinstance(v, str):
            try:
                d2 = dt.datetime.fromisoformat(v.strip().replace("Z", ""))
            except ValueError:
                raise _CellError from None
        else:
            raise _CellError
        d2 = d2.replace(microsecond=0, tzinfo=None)
        return d2, d2.isoformat(timespec="seconds")
    if t is Col.BOOL:
        if isinstance(v, bool):
            return v, v
        if isinstance(v, int | float) and v in (0, 1):
            return bool(v), bool(v)
        b = _BOOL_TEXT.get(str(v).strip().lower())
        if b is None:
            raise _CellError
        return b, b
    # ENUM: the key for a label or a key; unknown text stays text for validation to name
    s = v if isinstance(v, str) else _as_text(v)
    key = lookup.get(s) if lookup is not None else None
    if key is None and col.vocab is not None:
        key = col.vocab.lookup(s)
    out = key if key is not None else s
    return out, out


def enum_lookup(col: Column) -> dict[str, str] | None:
    """Exact label/key → key map for a closed-list column (the common case, without folding)."""
    if col.vocab is None:
        return None
    m = {k: k for k in col.vocab.keys}
    m.update({label: k for k, label in col.vocab.items})
    return m


# ---- reader ------------------------------------------------------------------------------------------------

# Refusal reasons (SPEC §6); the service adds the unit checks.
NOT_PACKAGE, DAMAGED, EDITED, NEWER = "not_package", "damaged", "edited", "newer_schema"


class PackageRefused(Exception):
    """A package that must not be merged; `reason` is a stable code, str(self) the Vietnamese message.

    `details`: the reader's own technical (English) words, for the person who helps; never in the message.
    """

    def __init__(self, reason: str, message: str, details: str = "") -> None:
        """Keep the reason code, the message and the details."""
        self.reason = reason
        self.details = details
        super().__init__(message)


@dataclass(frozen=True)
class UnitRow:
    """A unit as a package describes it."""

    code: str
    name: str
    level: str
    parent_code: str | None
    scheme: str = "local"
    uid: str = ""  # global identity; derived from code and parent for packages that do not carry it
    parent_uid: str | None = None


@dataclass(frozen=True)
class PackageMeta:
    """What the metadata sheet says."""

    format_version: int
    unit: UnitRow
    ancestry: tuple[UnitRow, ...]  # nearest first
    period: Period
    exported_at: dt.datetime | None
    exported_by: str
    program_version: str
    schema_version: int
    counts: Mapping[str, int]
    checksum: str
    sheets: Mapping[str, str]
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def public_key(self) -> str:
        """The sender's public key (base64), '' if unsigned."""
        return str(self.raw.get("signature.public_key") or "")

    @property
    def signer_uid(self) -> str:
        """Identity of the office whose key signed: the sender, or an ancestor exporting for it."""
        return str(self.raw.get("signer.uid") or "") or self.unit.uid

    @property
    def signature(self) -> str:
        """The signature over the checksum (base64), '' if unsigned."""
        return str(self.raw.get("signature") or "")


@dataclass(frozen=True, slots=True)
class IncomingRecord:
    """One record read from a package, checked by the domain rules."""

    kind: str
    id: str
    unit_code: str
    created_at: dt.datetime
    updated_at: dt.datetime
    created_by: str
    updated_by: str
    revision: int
    deleted: bool
    notes: str
    values: dict[str, Value]
    row: int
    checked: bool  # False: values are as read, not yet through check_record
    unit_uid: str = ""  # the record's unit's global identity
    withdrawn: int | None = None  # a tombstone left by undo: the revision it withdrew


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (the ledger's file hash)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_MAX_PROBLEMS = 8


class PackageReader:
    """Reads one package section by section, hashing as it goes; call verify() after the last record.

    Order: construct (metadata), read_units() (summary, then units), records() (every kind), verify().
    Problems with the data (a bad cell, a missing column, a record breaking a rule) are collected and
    reported by verify(): a package whose checksum does not match is "edited", not "damaged".
    """

    def __init__(self, path: Path | str, *, newest_schema: int) -> None:
        """Open the file and read its metadata; PackageRefused if it is no package or a newer one."""
        self.path = Path(path)
        self.problems: list[str] = []
        self._hash = CanonicalHash()
        self._rows_seen: dict[str, int] = {}
        self._deleted_seen = 0
        self._ids: set[str] = set()
        self._uid_by_code: dict[str, str] = {}  # for packages that name units by code only
        try:
            self.book = XlsxBook(self.path)
        except UnsafeFile as e:
            raise PackageRefused(NOT_PACKAGE if e.reason == "not_xlsx" else DAMAGED, str(e), e.details) from e
        try:
            self.file_hash = file_sha256(self.path)
            self.meta = self._read_meta(newest_schema)
        except BaseException:
            self.book.close()
            raise

    def close(self) -> None:
        """Release the file."""
        self.book.close()

    def __enter__(self) -> PackageReader:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the file."""
        self.close()

    # -- sections --

    def _problem(self, text: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(text)

    def _table(self, section: str, title: str) -> Iterator[tuple[int, dict[int, Column], list[Any], list[Any]]]:
        """Hash a table sheet; yield (row, {position: column}, typed, canonical) for each data row."""
        columns = SECTION_COLUMNS.get(section) or OPTIONAL_SECTIONS[section]
        known = {c.key: c for c in columns}
        self._hash.section(section)
        if title not in self.book.sheets:
            self._problem(f"Thiếu trang “{title}”.")
            return
        try:
            yield from self._table_rows(section, title, known)
        except UnsafeFile as e:
            raise PackageRefused(DAMAGED, str(e), e.details) from e

    def _table_rows(self, section: str, title: str,
                    known: dict[str, Column]) -> Iterator[tuple[int, dict[int, Column], list[Any], list[Any]]]:
        rows = self.book.rows(title)
        try:
            next(rows)  # row 1: labels, not hashed
            _, key_cells = next(rows)
        except StopIteration:
            self._problem(f"Trang “{title}” không có dòng tên cột (dòng 2).")
            return
        keys = [c if isinstance(c, str) else (None if c is None else _as_text(c)) for c in key_cells]
        self._hash.row(keys)
        cols: dict[int, Column] = {}
        for i, k in enumerate(keys):
            if k in known:
                cols[i] = known[k]
        missing = [c.label for c in known.values() if c.key not in keys and not c.optional]
        if missing and section != "meta":
            self._problem(f"Trang “{title}” thiếu cột: {', '.join(missing)}.")
        lookups = {i: enum_lookup(c) for i, c in cols.items()}
        n = len(keys)
        text_cols = [i for i, c in cols.items() if c.type is Col.TEXT]
        other_cols = [i for i, c in cols.items() if c.type is not Col.TEXT]
        unknown_cols = [i for i in range(n) if i not in cols]
        count = 0
        for rownum, cells in rows:
            count += 1
            if len(cells) < n:
                cells = cells + [None] * (n - len(cells))
            elif len(cells) > n:
                cells = cells[:n]
            typed = list(cells)
            canon = list(cells)
            # Text columns hold strings already in files we wrote: only odd cells need work.
            for i in text_cols:
                v = cells[i]
                if v is not None and v.__class__ is not str:
                    typed[i] = canon[i] = _as_text(v)
            for i in unknown_cols:
                v = cells[i]
                if v is not None and v.__class__ is not str:
                    canon[i] = read_cell(META_COLUMNS[1], None, v)[1]
            for i in other_cols:
                v = cells[i]
                if v is None:
                    continue
                try:
                    typed[i], canon[i] = read_cell(cols[i], lookups[i], v)
                except _CellError:
                    typed[i] = canon[i] = _as_text(v)
                    self._problem(f"Trang “{title}”, dòng {rownum}, cột “{cols[i].label}”: "
                                  f"giá trị “{_as_text(v)}” không đọc được.")
            if section == "meta" and canon[0] in UNHASHED_META:
                yield rownum, cols, typed, canon
                continue
            self._hash.row(canon)
            yield rownum, cols, typed, canon
        self._rows_seen[section] = count

    def _read_meta(self, newest_schema: int) -> PackageMeta:
        title = META_SHEET if META_SHEET in self.book.sheets else next(iter(self.book.sheets), "")
        not_package = PackageRefused(NOT_PACKAGE, f"Tệp “{self.path.name}” không phải gói dữ liệu của Dân vận "
                                                  "(không có trang “Thông tin” của gói).")
        if not title:
            raise not_package
        raw: dict[str, Any] = {}
        for _, cols, typed, _ in self._table("meta", title):
            pos = {c.key: i for i, c in cols.items()}
            if "key" not in pos or "value" not in pos:
                raise not_package
            if not raw and (typed[pos["key"]], typed[pos["value"]]) != ("format", FORMAT):
                raise not_package  # the first row names the format: no need to read a stranger's sheet
            if isinstance(typed[pos["key"]], str):
                raw[typed[pos["key"]]] = typed[pos["value"]]
        if raw.get("format") != FORMAT:
            raise not_package
        try:
            fmt = int(raw.get("format_version", 0))
            schema = int(raw.get("schema_version", 0))
        except (TypeError, ValueError):
            raise PackageRefused(DAMAGED, f"Gói dữ liệu “{self.path.name}” bị hỏng: phiên bản không đọc được.") \
                from None
        if fmt > FORMAT_VERSION or schema > newest_schema:
            raise PackageRefused(NEWER, f"Gói dữ liệu “{self.path.name}” được tạo bởi phiên bản Dân vận mới hơn "
                                        f"(lược đồ {schema}, định dạng {fmt}); hãy cập nhật chương trình rồi "
                                        "tổng hợp lại.")

        def text(key: str) -> str:
            v = raw.get(key)
            return "" if v is None else str(v)

        try:
            unit = UnitRow(text("unit.code"), text("unit.name"), text("unit.level"), None,
                           text("unit.scheme") or "local", text("unit.uid"))
            ancestry: list[UnitRow] = []
            n = 1
            while f"ancestor.{n}.code" in raw:
                p = f"ancestor.{n}."
                ancestry.append(UnitRow(text(p + "code"), text(p + "name"), text(p + "level"), None,
                                        text(p + "scheme") or "local", text(p + "uid")))
                n += 1
            # Each unit's parent is the next ancestor up; identities top down (derived where not carried).
            chain = [unit, *ancestry]
            linked: list[UnitRow] = []
            parent_uid: str | None = None
            for i in reversed(range(len(chain))):
                u = chain[i]
                uid = u.uid or unit_identity(u.scheme, u.code, parent_uid)
                linked.insert(0, UnitRow(u.code, u.name, u.level, chain[i + 1].code if i + 1 < len(chain) else None,
                                         u.scheme, uid, parent_uid))
                parent_uid = uid
            period = parse_period(text("period"))
            exported = text("exported_at")
            exported_at = dt.datetime.fromisoformat(exported.replace("Z", "")) if exported else None
            counts = {k[len("count."):]: int(v) for k, v in raw.items() if k.startswith("count.")}
            sheets = {k[len("sheet."):]: str(v) for k, v in raw.items() if k.startswith("sheet.")}
        except (PeriodError, ValueError, TypeError) as e:
            said = f" {e}" if isinstance(e, PeriodError) else ""  # a period's message is Vietnamese, others not
            raise PackageRefused(DAMAGED, f"Gói dữ liệu “{self.path.name}” bị hỏng: thông tin gói không đọc được."
                                          f"{said}", f"{type(e).__name__}: {e}") from e
        if not unit.code or unit.level not in UNIT_LEVEL.keys:
            raise PackageRefused(DAMAGED, f"Gói dữ liệu “{self.path.name}” bị hỏng: thiếu đơn vị gửi.")
        for u in linked:
            self._uid_by_code.setdefault(u.code, u.uid)
        return PackageMeta(fmt, linked[0], tuple(linked[1:]), period, exported_at, text("exported_by"),
                           text("program_version"), schema, counts, text("checksum").lower(), sheets, raw)

    def summary(self) -> dict[str, tuple[int, int]]:
        """The summary sheet (hashed): indicator key → (current, previous)."""
        out: dict[str, tuple[int, int]] = {}
        for _, cols, typed, _ in self._table("summary", self.meta.sheets.get("summary", SUMMARY_SHEET)):
            pos = {c.key: i for i, c in cols.items()}
            try:
                out[str(typed[pos["key"]])] = (int(typed[pos["current"]] or 0), int(typed[pos["previous"]] or 0))
            except (KeyError, TypeError, ValueError):
                continue
        return out

    def read_units(self) -> list[UnitRow]:
        """The summary (hashed, unused) then the units sheet: the sender and the units below it."""
        self.summary()
        out: list[UnitRow] = []
        title = self.meta.sheets.get("units", UNITS_SHEET)
        for rownum, cols, typed, _ in self._table("units", title):
            pos = {c.key: i for i, c in cols.items()}
            if not {"code", "name", "level", "parent_code"} <= set(pos):
                continue
            code, name, level = typed[pos["code"]], typed[pos["name"]], typed[pos["level"]]
            scheme = typed[pos["scheme"]] if "scheme" in pos else "local"
            if not code or not name or level not in UNIT_LEVEL.keys or scheme not in SCHEME.keys:
                self._problem(f"Trang “{title}”, dòng {rownum}: đơn vị thiếu mã, tên hoặc cấp không hợp lệ.")
                continue
            parent_code = typed[pos["parent_code"]] or None
            parent_uid = (typed[pos["parent_uid"]] if "parent_uid" in pos else None) or \
                (self._uid_by_code.get(str(parent_code)) if parent_code else None)
            uid = (typed[pos["uid"]] if "uid" in pos else None) or unit_identity(str(scheme), str(code), parent_uid)
            if not is_identity(str(uid)) or (parent_uid is not None and not is_identity(str(parent_uid))):
                self._problem(f"Trang “{title}”, dòng {rownum}: định danh đơn vị “{uid}” không hợp lệ.")
                continue
            self._uid_by_code.setdefault(str(code), str(uid))
            out.append(UnitRow(str(code), str(name), str(level), parent_code, str(scheme), str(uid),
                               None if parent_uid is None else str(parent_uid)))
        return out

    def records(self, batch: int = 500, *, check: bool = True) -> Iterator[tuple[str, list[IncomingRecord]]]:
        """Every record, kind by kind in canonical order, in batches; with check=False values stay as read."""
        for kind in KINDS:
            title = self.meta.sheets.get(kind.key, sheet_title(kind))
            buf: list[IncomingRecord] = []
            for rownum, cols, typed, _ in self._table(kind.key, title):
                rec = self._record(kind, title, rownum, cols, typed, check)
                if rec is not None:
                    buf.append(rec)
                    if len(buf) >= batch:
                        yield kind.key, buf
                        buf = []
            if buf:
                yield kind.key, buf

    def _record(self, kind: RecordKind, title: str, rownum: int, cols: dict[int, Column], typed: list[Any],
                check: bool) -> IncomingRecord | None:
        pos = getattr(self, "_pos_cache", None)
        if pos is None or pos[0] is not cols:
            self._pos_cache = pos = (cols, {c.key: i for i, c in cols.items()})
        where = f"Trang “{title}”, dòng {rownum}"
        p = pos[1]
        if not all(k in p for k in REQUIRED_ENVELOPE) or not all(f.key in p for f in kind.fields):
            return None  # the missing columns are already a problem
        raw_id, unit, rev = typed[p["id"]], typed[p["unit"]], typed[p["revision"]]
        created_at, updated_at, deleted = typed[p["created_at"]], typed[p["updated_at"]], typed[p["deleted"]]
        rid = canonical_id(raw_id) if isinstance(raw_id, str) else None
        if rid is None:
            self._problem(f"{where}: mã bản ghi “{raw_id}” không hợp lệ.")
            return None
        if rid in self._ids:
            self._problem(f"{where}: mã bản ghi “{rid}” bị trùng trong gói.")
            return None
        self._ids.add(rid)
        if not unit or not isinstance(rev, int) or not isinstance(created_at, dt.datetime) \
                or not isinstance(updated_at, dt.datetime) or not isinstance(deleted, bool):
            self._problem(f"{where}: thiếu hoặc sai thông tin chung của bản ghi (đơn vị, lần sửa, ngày tạo, "
                          "ngày sửa, đã xóa).")
            return None
        try:  # always, even unchecked: a revision beyond 2^31 must never reach the preview or the database
            rev = check_revision(rev)
        except ValidationError as e:
            self._problem(f"{where}: " + "; ".join(err.message for err in e.errors))
            return None
        if deleted:
            self._deleted_seen += 1
        values = {f.key: typed[p[f.key]] for f in kind.fields}
        notes = typed[p["notes"]] or ""
        if check:
            try:
                values = check_record(kind, values)
                notes = check_notes(notes)
            except ValidationError as e:
                self._problem(f"{where}: " + "; ".join(err.message for err in e.errors))
                return None
        unit_uid = str((typed[p["unit_uid"]] if "unit_uid" in p else None) or self._uid_by_code.get(str(unit), ""))
        withdrawn = typed[p["withdrawn"]] if "withdrawn" in p else None
        if withdrawn is not None and (not isinstance(withdrawn, int) or not 1 <= withdrawn <= MAX_REVISION):
            self._problem(f"{where}, cột “Hoàn tác lần sửa”: giá trị “{withdrawn}” không hợp lệ.")
            return None
        return IncomingRecord(kind.key, rid, str(unit), created_at, updated_at, str(typed[p["created_by"]] or ""),
                              str(typed[p["updated_by"]] or ""), rev, deleted, notes, values, rownum, check,
                              unit_uid, withdrawn)

    def check(self, rec: IncomingRecord) -> IncomingRecord | None:
        """Run the domain rules on a record read with check=False (None, and a problem noted, if it breaks one)."""
        kind = KIND_BY_KEY[rec.kind]
        try:
            values = check_record(kind, rec.values)
            notes = check_notes(rec.notes)
        except ValidationError as e:
            title = self.meta.sheets.get(kind.key, sheet_title(kind))
            self._problem(f"Trang “{title}”, dòng {rec.row}: " + "; ".join(err.message for err in e.errors))
            return None
        return IncomingRecord(rec.kind, rec.id, rec.unit_code, rec.created_at, rec.updated_at, rec.created_by,
                              rec.updated_by, rec.revision, rec.deleted, notes, values, rec.row, True, rec.unit_uid,
                              rec.withdrawn)

    def verify(self) -> None:
        """Raise PackageRefused unless checksum and signature match and nothing was wrong (after records())."""
        digest = self._hash.hexdigest()
        if digest != self.meta.checksum:
            raise PackageRefused(EDITED, f"Gói dữ liệu “{self.path.name}” đã bị sửa sau khi xuất (mã kiểm tra "
                                         "không khớp). Hãy đề nghị đơn vị gửi xuất lại gói từ chương trình Dân vận, "
                                         "không sửa tay trong Excel.")
        if not self.meta.signature or not self.meta.public_key:
            raise PackageRefused(UNSIGNED, f"Gói dữ liệu “{self.path.name}” không có chữ ký số của đơn vị gửi; "
                                           "không rõ nguồn gốc nên không tổng hợp.")
        if not verify_signature(self.meta.public_key, self.meta.signature, signed_message(self.meta.checksum)):
            raise PackageRefused(BAD_SIGNATURE, f"Chữ ký số của gói dữ liệu “{self.path.name}” không khớp với dữ "
                                                "liệu: gói đã bị sửa hoặc bị giả mạo.")
        counts = self.meta.counts
        for section in ("units", *(k.key for k in KINDS)):
            if counts.get(section, 0) != self._rows_seen.get(section, 0):
                self._problem(f"Số dòng trang “{self.meta.sheets.get(section, section)}” "
                              f"({self._rows_seen.get(section, 0)}) khác số ghi trong trang “Thông tin” "
                              f"({counts.get(section, 0)}).")
        if self.problems:
            raise PackageRefused(DAMAGED, f"Gói dữ liệu “{self.path.name}” bị hỏng: " + " ".join(self.problems))

