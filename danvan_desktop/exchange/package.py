"""Writing the package (Gói dữ liệu) of a unit and period, streaming, as exchange/package_format.py defines it.

The reader lives in package_format.py (PackageReader); services/merge.py applies what it reads.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell import cell as openpyxl_cell
from openpyxl.cell.cell import Cell as _Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from sqlalchemy import ColumnElement, Integer, String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from danvan_desktop import __version__
from danvan_desktop.domain.fields import FieldType, RecordKind
from danvan_desktop.domain.indicators import GROUPS, INDICATORS
from danvan_desktop.domain.kinds import KINDS
from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.text import sort_key
from danvan_desktop.domain.vnformat import fmt_date
from danvan_desktop.domain.vocab import BOOLEAN, ROLE
from danvan_desktop.exchange import package_report
from danvan_desktop.exchange.package_format import (
    FORMAT,
    FORMAT_VERSION,
    KIND_COLUMNS,
    META_COLUMNS,
    META_SHEET,
    SIGNATURE_ALGORITHM,
    SUMMARY_COLUMNS,
    SUMMARY_SHEET,
    UNIT_COLUMNS,
    UNITS_SHEET,
    CanonicalHash,
    Col,
    Column,
    PackageMeta,
    PackageReader,
    PackageRefused,
    UnitRow,
    file_sha256,
    iso_datetime,
    sheet_title,
    signed_message,
)
from danvan_desktop.exchange.xlsx_safety import MAX_CELL_CHARS, excel_length, needs_text_guard, ooxml_escape
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.backup import check_output
from danvan_desktop.services.changes import NOTHING, Changes
from danvan_desktop.services.completeness import local_day
from danvan_desktop.services.errors import PermissionDenied, Refused
from danvan_desktop.services.signing import fingerprint, sign
from danvan_desktop.services.summary import Figures, as_of_day, both_figures
from danvan_desktop.services.units import ancestry, home, resolve_unit
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import RECORD_TABLES, SCHEMA_VERSION, Unit, Withdrawn, utcnow

__all__ = ["PackageInfo", "export_package", "PackageReader", "PackageRefused", "PackageMeta", "UnitRow",
           "default_file_name"]

Progress = Callable[[int, int], None]

_DATE_FORMAT = "dd/mm/yyyy"
_DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
_CHANGE_FORMAT = "+#,##0;-#,##0;0"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
_KEY_FONT = Font(italic=True, size=8, color="808080")
_PROGRESS_EVERY = 500
_HALF_CELL = MAX_CELL_CHARS // 2
_GUARDED_FIRST = frozenset("=+-@")


class _Day(dt.date):
    """A date openpyxl writes as dd/mm/yyyy: its own entry in openpyxl's table of date formats.

    Passing a styled cell per date instead costs an exception inside openpyxl's write-only append (it first
    tries the cell as a value); a date subclass takes openpyxl's own fast path, as plain dates do.
    """

    __slots__ = ()


class _Moment(dt.datetime):
    """A date-time openpyxl writes as dd/mm/yyyy hh:mm:ss (see _Day)."""

    __slots__ = ()


openpyxl_cell.TIME_FORMATS[_Day] = _DATE_FORMAT
openpyxl_cell.TIME_FORMATS[_Moment] = _DATETIME_FORMAT


@dataclass(frozen=True)
class PackageInfo:
    """What an export wrote."""

    path: Path
    unit_code: str
    unit_name: str
    period: str
    counts: dict[str, int]  # rows per record kind, tombstones included
    deleted: int
    checksum: str
    file_hash: str
    exported_at: dt.datetime
    changes: Changes = field(default=NOTHING, compare=False, repr=False)  # the export's audit entry

    @property
    def total(self) -> int:
        """Records in the package."""
        return sum(self.counts.values())


def default_file_name(unit_code: str, period: Period) -> str:
    """A file name a person recognises: goi-du-lieu_<unit>_<period>.xlsx."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in f"{unit_code}_{period.code}")
    return f"goi-du-lieu_{safe}.xlsx"


def _n(x: int) -> str:
    """A whole number in Vietnamese digit grouping (45.000)."""
    return f"{x:,}".replace(",", ".")


# ---- what goes in ------------------------------------------------------------------------------------------

def _selection(kind: RecordKind, period: Period) -> list[ColumnElement[bool]]:
    """Which records of a kind the package holds: events of the period and records changed during it (tombstones
    included), or the whole registry."""
    t = RECORD_TABLES[kind.key]
    if kind.registry or not kind.event_field:
        return []
    ev = t.c[kind.event_field]
    start = dt.datetime.combine(period.start, dt.time())
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time())
    # A change to an older record (a petition answered, a meeting deleted) travels with the package of the
    # period it was made in; otherwise the district would keep the old version for ever.
    # A version this office stored from a package (or withdrew by undo) during the period travels too: it may
    # have arrived after the period it was made in was sent upward.
    return [or_(and_(ev >= period.start, ev <= period.end), and_(t.c.updated_at >= start, t.c.updated_at < end),
                and_(t.c.stored_at >= start, t.c.stored_at < end))]


def _scope(root: Unit) -> ColumnElement[bool]:
    return Unit.path.like(root.path + "%")


def _count(s: Session, kind: RecordKind, root: Unit, period: Period) -> tuple[int, int]:
    t = RECORD_TABLES[kind.key]
    stmt = (select(func.count(), func.coalesce(func.sum(t.c.deleted.cast(Integer)), 0))
            .select_from(t).join(Unit, Unit.id == t.c.unit_id).where(_scope(root), *_selection(kind, period)))
    total, deleted = s.execute(stmt).one()
    return int(total), int(deleted)


def _check_lengths(s: Session, kind: RecordKind, root: Unit, period: Period) -> None:
    """Refuse, before anything is written, a text Excel would cut (SQL length counts characters)."""
    t = RECORD_TABLES[kind.key]
    text_cols = [f for f in kind.fields if f.type in (FieldType.TEXT, FieldType.LONGTEXT)]
    checks = [(f.key, f.label) for f in text_cols] + [("notes", "Ghi chú")]
    cond = or_(*(func.length(t.c[k]) > MAX_CELL_CHARS // 2 for k, _ in checks))
    stmt = (select(t).join(Unit, Unit.id == t.c.unit_id).where(_scope(root), cond, *_selection(kind, period)))
    for row in s.execute(stmt):
        m = row._mapping
        for key, label in checks:
            v = m[key]
            if isinstance(v, str) and excel_length(v) > MAX_CELL_CHARS:
                title = str(m[kind.title_field] or "")[:60]
                raise Refused(f"Không xuất được gói dữ liệu: {kind.label} “{title}” có “{label}” dài "
                              f"{_n(len(v))} ký tự, quá giới hạn {_n(MAX_CELL_CHARS)} ký tự một ô của Excel. "
                              "Hãy rút gọn nội dung này rồi xuất lại.")


# ---- cells -------------------------------------------------------------------------------------------------

class _SheetWriter:
    """One write-only sheet: two header rows, cells typed by column, canonical rows fed to the hash."""

    def __init__(self, wb: Any, title: str, columns: tuple[Column, ...], labels: dict[str, str] | None = None,
                 number_formats: dict[str, str] | None = None):
        self.ws = wb.create_sheet(title)
        self.title = title
        self.columns = columns
        self.rows = 0
        ws = self.ws
        for i, c in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = c.width
        ws.freeze_panes = "A3"
        ws.print_title_rows = "1:2"
        ws.page_setup.orientation = "landscape"
        header = []
        for c in columns:
            cell = WriteOnlyCell(ws, ooxml_escape((labels or {}).get(c.key, c.label)))
            cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
            header.append(cell)
        ws.append(header)
        keys = []
        for c in columns:
            cell = WriteOnlyCell(ws, ooxml_escape(c.key))
            cell.font = _KEY_FONT
            keys.append(cell)
        ws.append(keys)
        # One reusable styled cell per column: write-only mode writes each row before append returns.
        self._quote = [self._styled(quote=True) for _ in columns]
        self._numbers = {i: self._styled(number_format=(number_formats or {})[c.key])
                         for i, c in enumerate(columns) if c.key in (number_formats or {})}
        # Dates as openpyxl writes them (the same serial number, the same format), through one styled cell per
        # column: openpyxl would style a new cell for every date (≈ 10% of an export's time).
        self._days = {i: self._styled(number_format=_DATE_FORMAT if c.type is Col.DATE else _DATETIME_FORMAT)
                      for i, c in enumerate(columns) if c.type in (Col.DATE, Col.DATETIME)}
        ws._values_to_row = self._values_to_row

    def _styled(self, *, quote: bool = False, number_format: str | None = None) -> Any:
        cell = WriteOnlyCell(self.ws)
        if quote:
            cell.quotePrefix = True
        if number_format:
            cell.number_format = number_format
        return cell

    def text(self, i: int, v: str) -> Any:
        """A text cell that stays text whatever it starts with."""
        if len(v) > MAX_CELL_CHARS // 2 and excel_length(v) > MAX_CELL_CHARS:
            raise Refused(f"Không xuất được: một ô của trang “{self.title}” dài quá {_n(MAX_CELL_CHARS)} ký tự.")
        if needs_text_guard(v):
            cell = self._quote[i]
            cell.value = ooxml_escape(v)
            cell.data_type = "s"  # openpyxl makes "=…" a formula and "#N/A" an error otherwise
            return cell
        return ooxml_escape(v)

    def day(self, i: int, v: dt.date) -> Any:
        """A date or date-time cell (whole seconds) in the column's format."""
        cell = self._days[i]
        cell.value = to_excel(v)
        return cell

    def _values_to_row(self, values: list[Any], row_idx: int) -> Iterator[Any]:
        """openpyxl's write-only row conversion (WriteOnlyWorksheet._values_to_row, openpyxl 3.1), telling a
        cell passed in from a value by its class instead of by the exception openpyxl raises first."""
        plain = WriteOnlyCell(self.ws)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if value.__class__ is _Cell:
                cell = value
            else:
                cell = plain
                cell.value = value
            cell.column = col_idx
            cell.row = row_idx
            if cell.hyperlink is not None:
                cell.hyperlink.ref = cell.coordinate
            yield cell
            if cell is plain and (cell.has_style or cell.hyperlink):
                plain = WriteOnlyCell(self.ws)

    def number(self, i: int, v: int) -> Any:
        """A number, in the column's own format if it has one."""
        cell: Any = self._numbers.get(i)
        if cell is None:
            return v
        cell.value = v
        return cell

    def append(self, cells: list[Any]) -> None:
        """Write one data row."""
        self.ws.append(cells)
        self.rows += 1

    def finish(self) -> None:
        """Put the auto-filter on the key row over the data."""
        last = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A2:{last}{self.rows + 2}"


def _simple_row(w: _SheetWriter, h: CanonicalHash, values: list[Any]) -> None:
    """Write and hash a row of a small sheet (text, numbers, closed-list keys shown by label)."""
    cells: list[Any] = []
    canon: list[Any] = []
    for i, (c, v) in enumerate(zip(w.columns, values, strict=True)):
        if v is None or v == "":
            cells.append(None)
            canon.append(None)
        elif c.type is Col.ENUM:
            assert c.vocab is not None
            cells.append(w.text(i, c.vocab.label(v)))
            canon.append(v)
        elif isinstance(v, str):
            cells.append(w.text(i, v))
            canon.append(v)
        else:
            cells.append(w.number(i, v))
            canon.append(v)
    w.append(cells)
    h.row(canon)


# ---- record rows -------------------------------------------------------------------------------------------

def _record_rows(s: Session, kind: RecordKind, root: Unit, period: Period) -> Iterator[Any]:
    """The package's records of a kind, one result row per sheet row, columns in sheet order."""
    t = RECORD_TABLES[kind.key]
    order = [t.c[kind.event_field], t.c.id] if kind.event_field and not kind.registry else [Unit.code, t.c.id]
    picked: list[Any] = []
    for c in KIND_COLUMNS[kind.key]:
        if c.key == "unit":
            picked.append(Unit.code)
        elif c.key == "unit_name":
            picked.append(Unit.name)
        elif c.key == "unit_uid":
            picked.append(Unit.uid)
        elif c.key == "withdrawn":
            picked.append(select(Withdrawn.revision).where(Withdrawn.record_id == t.c.id).scalar_subquery())
        elif c.type in (Col.DATE, Col.DATETIME):
            # As stored text, parsed below by the C fromisoformat; SQLAlchemy's SQLite date processors
            # parse each value with a regular expression.
            picked.append(type_coerce(t.c[c.key], String))
        else:
            picked.append(t.c[c.key])
    stmt = (select(*picked).join(Unit, Unit.id == t.c.unit_id).where(_scope(root), *_selection(kind, period))
            .order_by(*order).execution_options(yield_per=1000))
    return iter(s.connection().execute(stmt))  # Core rows: the ORM's row loading costs ≈ 0.3 s a 100,000


def _write_kind(s: Session, w: _SheetWriter, h: CanonicalHash, kind: RecordKind, root: Unit, period: Period,
                tick: Callable[[], None]) -> None:
    """Write and hash a kind's rows; only the columns that need work are touched (most are copied as they are)."""
    cols = KIND_COLUMNS[kind.key]
    texts = [i for i, c in enumerate(cols) if c.type is Col.TEXT]
    dates = [i for i, c in enumerate(cols) if c.type is Col.DATE]
    moments = [i for i, c in enumerate(cols) if c.type is Col.DATETIME]
    bools = [i for i, c in enumerate(cols) if c.type is Col.BOOL]
    enums = [(i, dict(c.vocab.items)) for i, c in enumerate(cols) if c.type is Col.ENUM and c.vocab is not None]
    yes, no = BOOLEAN.label("co"), BOOLEAN.label("khong")
    for row in _record_rows(s, kind, root, period):
        canon = list(row)
        cells = list(row)
        for i in texts:
            v = canon[i]
            if v is None:
                continue
            if v == "":
                canon[i] = cells[i] = None
            # Most text needs no care: checked here, the careful path only when it might.
            elif len(v) > _HALF_CELL or "_x" in v or v[0] in _GUARDED_FIRST or v[0] < " " or v[0] == "#":
                cells[i] = w.text(i, v)
        for i, labels in enums:
            v = canon[i]
            if v is not None:
                cells[i] = labels.get(v, v)
        for i in bools:
            b = bool(canon[i])
            canon[i] = b
            cells[i] = yes if b else no
        for i in dates:
            v = canon[i]
            if v is not None:
                d = _Day.fromisoformat(v) if v.__class__ is str else _Day(v.year, v.month, v.day)
                cells[i] = w.day(i, d)
                canon[i] = d.isoformat()
        for i in moments:
            v = canon[i]
            if v is not None:
                # Whole seconds: they survive the spreadsheet's floating-point days exactly (the stored text's
                # fraction is cut before parsing, which is cheaper than replace() after).
                m = (_Moment.fromisoformat(v[:19]) if v.__class__ is str else
                     _Moment(v.year, v.month, v.day, v.hour, v.minute, v.second))
                cells[i] = w.day(i, m)
                canon[i] = m.isoformat(timespec="seconds")
        w.append(cells)
        h.row(canon)
        tick()


# ---- the export --------------------------------------------------------------------------------------------

def _units_below(s: Session, root: Unit) -> list[UnitRow]:
    units = s.scalars(select(Unit).where(_scope(root))).all()
    by_id = {u.id: u for u in units}
    parent = s.get(Unit, root.parent_id) if root.parent_id else None
    if parent is not None:
        by_id[parent.id] = parent
    ordered = sorted(units, key=lambda u: (u.path.count("/"), sort_key(u.name)))
    return [UnitRow(u.code, u.name, u.level, by_id[u.parent_id].code if u.parent_id else None, u.scheme, u.uid,
                    by_id[u.parent_id].uid if u.parent_id else None)
            for u in ordered]


def _until(f: Figures) -> str:
    """", đến ngày 24/11/2026" when the figures stop before the period's end, else ""."""
    return f", đến ngày {fmt_date(f.until)}" if f.until < f.period.end else ""


def _meta_rows(root: Unit, anc: list[Any], period: Period, now: dt.datetime, actor: Actor,
               counts: dict[str, int], units: int, deleted: int, titles: dict[str, str],
               signer: Unit) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["format", FORMAT, "Định dạng tệp: gói dữ liệu của chương trình Dân vận"],
        ["format_version", FORMAT_VERSION, "Phiên bản định dạng gói"],
        ["unit.code", root.code, "Mã đơn vị gửi"],
        ["unit.name", root.name, "Tên đơn vị gửi"],
        ["unit.level", root.level, "Cấp của đơn vị gửi (tinh, huyen, xa, thon)"],
        ["unit.scheme", root.scheme, "Loại mã đơn vị (2025: mã chính thức từ 01/7/2025; legacy: mã chính thức "
                                     "trước đó; local: mã đơn vị tự đặt)"],
        ["unit.uid", root.uid, "Định danh đơn vị gửi (loại mã:mã nếu là mã chính thức, nếu không là một UUID)"],
    ]
    for n, a in enumerate(anc, 1):
        where = "gần nhất" if n == 1 else f"thứ {n}"
        rows += [[f"ancestor.{n}.code", a.code, f"Đơn vị cấp trên {where}: mã"],
                 [f"ancestor.{n}.name", a.name, f"Đơn vị cấp trên {where}: tên"],
                 [f"ancestor.{n}.level", a.level, f"Đơn vị cấp trên {where}: cấp"],
                 [f"ancestor.{n}.scheme", a.scheme, f"Đơn vị cấp trên {where}: loại mã"],
                 [f"ancestor.{n}.uid", a.uid, f"Đơn vị cấp trên {where}: định danh"]]
    rows += [
        ["period", period.code, "Kỳ báo cáo"],
        ["period.from", period.start.isoformat(), "Từ ngày"],
        ["period.to", period.end.isoformat(), "Đến ngày"],
        ["period.label", period.label_vi, "Tên kỳ báo cáo"],
        ["exported_at", iso_datetime(now) + "Z", "Thời điểm xuất gói (giờ UTC)"],
        ["exported_by", actor.username, "Tài khoản xuất gói"],
        ["signer.uid", signer.uid, f"Định danh cơ quan ký gói ({signer.name})"],
        ["program_version", __version__, "Phiên bản chương trình Dân vận"],
        ["schema_version", SCHEMA_VERSION, "Phiên bản lược đồ dữ liệu"],
        ["sheet.summary", SUMMARY_SHEET, "Tên trang số liệu tổng hợp"],
        ["sheet.units", UNITS_SHEET, "Tên trang danh sách đơn vị"],
    ]
    rows += [[f"sheet.{k.key}", titles[k.key], f"Tên trang {k.plural}"] for k in KINDS]
    rows += [["count.units", units, "Số đơn vị trong trang Đơn vị"]]
    rows += [[f"count.{k.key}", counts[k.key], f"Số dòng trang “{titles[k.key]}” (kể cả bản ghi đã xóa)"]
             for k in KINDS]
    rows += [["count.deleted", deleted, "Trong đó số bản ghi đã xóa (để việc xóa được tổng hợp lên trên)"],
             ["checksum.algorithm", "sha256", "Thuật toán mã kiểm tra"]]
    return rows


def _report_texts(db: Database, actor: Actor, period: Period, unit_code: str) -> list[tuple[str, str, str]]:
    """The unit's report text of the period, if it has one and the account may compose it."""
    from danvan_desktop.services.reports import own_texts_for_package

    try:
        return own_texts_for_package(db, actor, period, unit_code)
    except PermissionDenied:
        return []


def export_package(db: Database, actor: Actor, period: Period, out_path: Path | str, unit_code: str | None = None,
                   progress: Progress | None = None) -> PackageInfo:
    """Write the package of a unit (default: the office's own) for a period; the file appears only when whole."""
    actor.require(Action.EXPORT_PACKAGE)
    out = check_output(db, Path(out_path))  # never over the live database or a backup (issue 11 item 4)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.dang-ghi")
    now = utcnow().replace(microsecond=0)
    with db.reader() as s:  # one read transaction: every sheet sees the same data
        root = home(s)
        u = resolve_unit(s, root, unit_code) if unit_code else root
        anc = ancestry(s, u)
        counts: dict[str, int] = {}
        deleted = 0
        for k in KINDS:
            counts[k.key], d = _count(s, k, u, period)
            deleted += d
        sensitive = sum(counts[k.key] for k in KINDS if k.sensitive)
        if sensitive and not actor.can(Action.RELIGION):
            raise PermissionDenied(f"Gói dữ liệu của “{u.name}” có {sensitive} bản ghi về tôn giáo; tài khoản "
                                   f"“{actor.username}” ({ROLE.label(actor.role)}) không có quyền xem dữ liệu tôn giáo "
                                   "nên không xuất được gói. "
                                   "Hãy nhờ tài khoản có quyền này xuất gói.")
        for k in KINDS:
            if counts[k.key]:
                _check_lengths(s, k, u, period)
        units = _units_below(s, u)
        report_rows = package_report.sheet_rows(_report_texts(db, actor, period, u.code))
        # Figures as of the export day when the period is still running, cut at the same day a year earlier.
        current, previous = both_figures(s, u, period, as_of_day(period, today=local_day(now)))
        titles = {k.key: sheet_title(k) for k in KINDS}
        total = sum(counts.values())
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            if progress is not None and done % _PROGRESS_EVERY == 0:
                progress(done, total)

        h = CanonicalHash()
        wb = Workbook(write_only=True)
        try:
            meta = _SheetWriter(wb, META_SHEET, META_COLUMNS)
            h.section("meta")
            h.row([c.key for c in META_COLUMNS])
            for row in _meta_rows(u, anc, period, now, actor, counts, len(units), deleted, titles, root):
                _simple_row(meta, h, row)
            for row in package_report.meta_rows(report_rows):
                _simple_row(meta, h, row)

            labels = {"current": f"Kỳ này ({period.label_vi}{_until(current)})",
                      "previous": f"Cùng kỳ năm trước ({previous.period.label_vi}{_until(previous)})"
                                  + ("" if previous.has_data else ": chưa có số liệu")}
            summ = _SheetWriter(wb, SUMMARY_SHEET, SUMMARY_COLUMNS, labels, {"change": _CHANGE_FORMAT})
            h.section("summary")
            h.row([c.key for c in SUMMARY_COLUMNS])
            for ind in INDICATORS:
                cur, prev = current.indicators[ind.key], previous.indicators[ind.key]
                _simple_row(summ, h, [GROUPS[ind.group], ind.label, cur, prev, cur - prev, ind.key])

            uw = _SheetWriter(wb, UNITS_SHEET, UNIT_COLUMNS)
            h.section("units")
            h.row([c.key for c in UNIT_COLUMNS])
            for un in units:
                _simple_row(uw, h, [un.code, un.name, un.level, un.parent_code, un.scheme, un.uid, un.parent_uid])

            for k in KINDS:
                w = _SheetWriter(wb, titles[k.key], KIND_COLUMNS[k.key])
                h.section(k.key)
                h.row([c.key for c in KIND_COLUMNS[k.key]])
                _write_kind(s, w, h, k, u, period, tick)
                if w.rows != counts[k.key]:  # same read transaction: cannot differ unless something is wrong
                    raise Refused(f"Số bản ghi “{k.label}” thay đổi trong khi xuất; hãy xuất lại.")
                w.finish()
            package_report.write_sheet(wb, h, report_rows, _SheetWriter, _simple_row)
            checksum = h.hexdigest()
            _simple_row(meta, CanonicalHash(), ["checksum", checksum,
                                                "Mã kiểm tra SHA-256 của dữ liệu (cách tính: xem tài liệu định "
                                                "dạng gói); sửa bất kỳ ô dữ liệu nào sẽ làm mã không khớp"])
            # The office's Ed25519 signature over the checksum: the district pins each unit's key.
            with db.transaction() as ks:
                signature, public_key = sign(ks, signed_message(checksum))
            for key, value, label in (
                    ("signature.algorithm", SIGNATURE_ALGORITHM, "Thuật toán chữ ký số"),
                    ("signature.public_key", public_key, f"Khóa công khai của đơn vị gửi (dấu vân tay "
                                                         f"{fingerprint(public_key)})"),
                    ("signature", signature, "Chữ ký số của đơn vị gửi trên mã kiểm tra")):
                _simple_row(meta, CanonicalHash(), [key, value, label])
            for sw in (meta, summ, uw):
                sw.finish()
            wb.active = 1  # open on the summary: what a person wants to see first
            out.parent.mkdir(parents=True, exist_ok=True)
            wb.save(tmp)
            os.replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if progress is not None:
            progress(total, total)
    info = PackageInfo(out, u.code, u.name, period.code, counts, deleted, checksum, file_sha256(out), now)
    with db.transaction() as s:
        write_audit(s, actor.username, "export", "package", "", {
            "file": out.name, "unit": u.code, "period": period.code, "counts": counts, "deleted": deleted,
            "checksum": checksum})
    return replace(info, changes=Changes())  # the audit log only

