"""The entry template (Mẫu nhập liệu): one sheet per record kind, row 1 labels, row 2 keys; and its import.

Import is all-or-nothing: every row is checked by the same rules as the form, every problem is reported by
sheet, row and column, and nothing is stored unless every row is good.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from danvan_desktop.domain.fields import FieldType, RecordKind
from danvan_desktop.domain.kinds import KINDS
from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.validation import ValidationError
from danvan_desktop.domain.vocab import BOOLEAN
from danvan_desktop.exchange.xlsx_rows import XlsxBook
from danvan_desktop.exchange.xlsx_safety import UnsafeFile, ZipLimits, open_checked_zip
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.changes import NOTHING, Changes
from danvan_desktop.services.errors import ServiceError
from danvan_desktop.services.records import insert_new
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import ImportLog

# Sheet titles: ≤ 31 characters, none of \ * ? : / [ ] (Excel's limits).
SHEET_TITLES: dict[str, str] = {
    "meeting": "Hội nghị",
    "petition": "Ý kiến, kiến nghị",
    "monitoring": "Giám sát, kiểm tra",
    "religious_site": "Điểm nhóm, cơ sở tôn giáo",
    "religious_check": "Kiểm tra tôn giáo",
    "model": "Mô hình Dân vận khéo",
}
UNIT_COL = ("unit", "Đơn vị")
NOTES_COL = ("notes", "Ghi chú")
LISTS_SHEET = "Danh mục"
GUIDE_SHEET = "Hướng dẫn"
FIRST_DATA_ROW = 3
PREPARED_ROWS = 500  # rows given drop-downs and date formats

MAX_FILE_BYTES = 50 * 1024 * 1024
# A template is typed by people: far smaller than a package, so tighter bounds than the package reader's.
TEMPLATE_LIMITS = ZipLimits(max_entry_bytes=300 * 1024 * 1024, max_total_bytes=300 * 1024 * 1024, max_ratio=100)
MAX_ROWS = 100_000


class TemplateRejected(ServiceError):
    """The file was refused; `errors` lists every problem as 'Trang …, dòng …, cột …: …'."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = errors or []


@dataclass(frozen=True)
class ImportResult:
    """What an import stored: records per kind."""

    counts: dict[str, int] = field(default_factory=dict)
    changes: Changes = field(default=NOTHING, compare=False, repr=False)  # the records added, the import ledger

    def labelled_counts(self) -> list[tuple[str, int]]:
        """(Vietnamese sheet title, count) in template order."""
        return [(SHEET_TITLES[k], self.counts.get(k, 0)) for k in SHEET_TITLES]


def columns(kind: RecordKind) -> list[tuple[str, str]]:
    """(key, label) of each template column of a kind: unit, the fields, notes."""
    return [UNIT_COL, *((f.key, f.label) for f in kind.fields), NOTES_COL]


def _guide_lines() -> list[str]:
    return [
        "MẪU NHẬP LIỆU DÂN VẬN",
        "Mỗi trang là một loại dữ liệu. Dòng 1 là tên cột, dòng 2 là mã cột (không sửa, không xóa).",
        "Nhập dữ liệu từ dòng 3. Dòng để trống hoàn toàn sẽ được bỏ qua.",
        "Cột “Đơn vị”: ghi mã hoặc tên đơn vị (để trống: đơn vị của cơ quan).",
        "Cột có danh sách: chọn trong danh sách, hoặc ghi đúng tên hay mã của giá trị.",
        "Cột ngày: nhập ngày của Excel hoặc theo dạng ngày/tháng/năm, ví dụ 05/02/2026.",
        "Cột “Hội nghị” (trang Ý kiến, kiến nghị) và “Điểm nhóm” (trang Kiểm tra tôn giáo): ghi số dòng "
        "của hội nghị / điểm nhóm trong tệp này (ví dụ 3), hoặc mã bản ghi đã có trong chương trình.",
        "Khi nhập vào chương trình, mọi dòng được kiểm tra; nếu có dòng sai thì không dòng nào được nhập "
        "và chương trình liệt kê từng lỗi theo trang, dòng, cột.",
    ]


def write_template(out: Path) -> None:
    """Write the entry template workbook."""
    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET
    for i, line in enumerate(_guide_lines(), start=1):
        guide.cell(i, 1, line).font = Font(bold=i == 1, size=13 if i == 1 else 11)
    guide.column_dimensions["A"].width = 120

    lists = wb.create_sheet(LISTS_SHEET)
    list_ranges: dict[str, str] = {}
    vocabs = {f.vocab.name: f.vocab for k in KINDS for f in k.fields if f.vocab is not None}
    vocabs[BOOLEAN.name] = BOOLEAN
    for col, (name, vocab) in enumerate(sorted(vocabs.items()), start=1):
        letter = get_column_letter(col)
        lists.cell(1, col, name)
        for r, label in enumerate(vocab.labels, start=2):
            lists.cell(r, col, label)
        list_ranges[name] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(vocab.labels) + 1}"
    lists.sheet_state = "hidden"

    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for k in KINDS:
        ws = wb.create_sheet(SHEET_TITLES[k.key])
        for col, (key, label) in enumerate(columns(k), start=1):
            letter = get_column_letter(col)
            f = k.field(key) if key in k.keys else None
            c1 = ws.cell(1, col, label + (" *" if f is not None and f.required else ""))
            c1.font, c1.fill = Font(bold=True), head_fill
            c1.alignment = Alignment(wrap_text=True, vertical="top")
            c2 = ws.cell(2, col, key)
            c2.font = Font(color="808080", size=9)
            ws.column_dimensions[letter].width = 14 if f is not None and f.type is FieldType.DATE else 24
            rng = f"{letter}{FIRST_DATA_ROW}:{letter}{PREPARED_ROWS}"
            if f is not None and (f.vocab is not None or f.type is FieldType.BOOL):
                name = f.vocab.name if f.vocab is not None else BOOLEAN.name
                dv = DataValidation(type="list", formula1=list_ranges[name], allow_blank=True,
                                    showErrorMessage=True, errorTitle="Giá trị không có trong danh sách",
                                    error=f"Hãy chọn {label} trong danh sách.")
                ws.add_data_validation(dv)
                dv.add(rng)
            if f is not None and f.type is FieldType.DATE:
                for r in range(FIRST_DATA_ROW, PREPARED_ROWS + 1):
                    ws.cell(r, col).number_format = "DD/MM/YYYY"
        ws.freeze_panes = "A3"
        ws.row_dimensions[1].height = 32
    wb.save(out)


def check_xlsx_container(path: Path) -> None:
    """Refuse files that are not xlsx, too big, or that would unpack to far more than they weigh (zip bombs)."""
    if not path.is_file():
        raise TemplateRejected(f"Không tìm thấy tệp “{path}”.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise TemplateRejected(f"Tệp “{path.name}” quá lớn ({path.stat().st_size // 1_048_576} MB).")
    try:
        zf = open_checked_zip(path, TEMPLATE_LIMITS)
    except UnsafeFile as e:
        raise TemplateRejected(str(e)) from None
    with zf:
        if "xl/workbook.xml" not in zf.namelist():
            raise TemplateRejected(f"Tệp “{path.name}” không phải tệp Excel (.xlsx).")


def _cell_text(v: Any) -> str:
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # a code typed as a number: 12, not 12.0
    return "" if v is None else str(v)


def import_template(db: Database, actor: Actor, path: Path,
                    progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import a filled template: all rows or none; TemplateRejected lists every bad cell."""
    actor.require(Action.IMPORT_TEMPLATE)
    check_xlsx_container(path)
    try:
        with XlsxBook(path, TEMPLATE_LIMITS) as book:
            sheets = _read_sheets(book, path.name)
    except UnsafeFile as e:
        raise TemplateRejected(str(e)) from None  # Vietnamese; the reader's English stays in e.details
    errors: list[str] = []
    counts: dict[str, int] = {}
    total = sum(len(rows) for _, rows in sheets.values())
    done = 0
    with db.transaction() as s:
        created: dict[tuple[str, int], str] = {}  # (kind, row number) -> new id, for links within the file
        for key in SHEET_TITLES:
            if key not in sheets:
                continue
            k = get_kind(key)
            colmap, rows = sheets[key]
            title = SHEET_TITLES[key]
            for rownum, data in rows:
                raw = {c: data.get(c) for c in k.keys}
                for f in k.fields:
                    if f.type is FieldType.REF and raw.get(f.key) not in (None, ""):
                        ref = _cell_text(raw[f.key]).strip()
                        if ref.isdigit() and (f.ref_kind, int(ref)) in created:
                            raw[f.key] = created[(f.ref_kind or "", int(ref))]
                        elif ref.isdigit():
                            errors.append(f"Trang “{title}”, dòng {rownum}, cột {colmap[f.key]}: {f.label}: không có "
                                          f"dòng {ref} hợp lệ trong trang “{SHEET_TITLES[f.ref_kind or '']}”")
                            raw[f.key] = None
                try:
                    rid = insert_new(s, actor, k, raw, unit=_cell_text(data.get("unit")).strip() or None,
                                     notes=_cell_text(data.get("notes")), audit=False)
                    created[(key, rownum)] = rid
                    counts[key] = counts.get(key, 0) + 1
                except ValidationError as e:
                    errors += [f"Trang “{title}”, dòng {rownum}, cột {colmap.get(fe.field, '?')}: {fe.message}"
                               for fe in e.errors]
                except ServiceError as e:
                    errors.append(f"Trang “{title}”, dòng {rownum}, cột {colmap['unit']}: Đơn vị: {e}")
                done += 1
                if progress:
                    progress(done, total)
        if errors:
            s.rollback()
            raise TemplateRejected(
                f"Tệp “{path.name}” có {len(errors)} lỗi; chưa nhập dòng nào. Hãy sửa rồi nhập lại.", errors)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        s.add(ImportLog(username=actor.username, source="template", file_name=path.name, file_hash=digest,
                        counts=str(counts).replace("'", '"')))
        write_audit(s, actor.username, "import", "template", "", {"file": path.name, "sha256": digest,
                                                                  "counts": counts})
    added = Changes(kinds=frozenset(counts), record_ids=frozenset(created.values()), imports=True)
    return ImportResult(counts, added)


def _read_sheets(book: XlsxBook, file_name: str) -> dict[str, tuple[dict[str, str],
                                                                   list[tuple[int, dict[str, Any]]]]]:
    """Rows of each known sheet as {key: value}, with each key's column letter; checks the key row."""
    out: dict[str, tuple[dict[str, str], list[tuple[int, dict[str, Any]]]]] = {}
    by_title = {t: k for k, t in SHEET_TITLES.items()}
    problems: list[str] = []
    for title in book.sheets:
        key = by_title.get(title)
        if key is None:
            continue
        k = get_kind(key)
        allowed = {c for c, _ in columns(k)}
        keys_row: list[Any] = []
        data_rows: list[tuple[int, list[Any]]] = []
        # The one reader of packages and templates (exchange/xlsx_rows.py), row by row: a sheet of too many
        # rows is refused at the first row too many, not after reading them all.
        for n, cells in book.rows(title):
            if n == 2:
                keys_row = cells
            elif n >= FIRST_DATA_ROW:
                data_rows.append((n, cells))
                if len(data_rows) > MAX_ROWS:
                    break
        colmap: dict[str, str] = {}
        index: dict[int, str] = {}
        for i, v in enumerate(keys_row):
            if v is None or str(v).strip() == "":
                continue
            name = str(v).strip()
            if name not in allowed:
                problems.append(f"Trang “{title}”, dòng 2, cột {get_column_letter(i + 1)}: mã cột “{name}” "
                                "không có trong mẫu")
                continue
            colmap[name], index[i] = get_column_letter(i + 1), name
        missing = [label for c, label in columns(k) if c not in colmap and (c == "unit" or k.field(c).required
                                                                            if c in k.keys else False)]
        if missing:
            problems.append(f"Trang “{title}”: thiếu cột {', '.join(missing)} (dòng 2 phải giữ mã cột của mẫu)")
        colmap.setdefault("unit", "A")
        rows: list[tuple[int, dict[str, Any]]] = []
        if len(data_rows) > MAX_ROWS:
            raise TemplateRejected(f"Trang “{title}” có quá {MAX_ROWS:,} dòng; hãy chia thành nhiều tệp."
                                   .replace(",", "."))
        for n, values in data_rows:
            data = {index[i]: v for i, v in enumerate(values) if i in index}
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in data.values()):
                continue
            rows.append((n, data))
        out[key] = (colmap, rows)
    if problems:
        raise TemplateRejected(f"Tệp “{file_name}” không đúng mẫu nhập liệu.", problems)
    if not out:
        raise TemplateRejected(f"Tệp “{file_name}” không có trang nào của mẫu nhập liệu "
                               f"({', '.join(SHEET_TITLES.values())}).")
    return out
