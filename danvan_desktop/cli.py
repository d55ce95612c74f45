"""The scriptable commands of SPEC §8: parse arguments, call services, print Vietnamese messages."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

# argparse's own sentences are English; route them through a small Vietnamese table (it calls
# gettext through the module-level name `_`).
_VI = {
    "usage: ": "Cách dùng: ",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không hiểu được: %s",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn trong %(choices)s)",
    "expected one argument": "cần một giá trị",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "positional arguments": "tham số vị trí",
    "options": "tùy chọn",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "invalid %(type)s value: %(value)r": "giá trị %(type)s không hợp lệ: %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn mơ hồ: %(option)s có thể là %(matches)s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
}
argparse._ = lambda s: _VI.get(s, s)  # type: ignore[attr-defined]
argparse.ngettext = lambda s, p, n: _VI.get(s if n == 1 else p, s if n == 1 else p)  # type: ignore[attr-defined]

from danvan_desktop import __version__  # noqa: E402

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A refusal to print and exit non-zero."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"Lỗi: {message}\n")


def _password(prompt: str, env: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError(f"Thiếu mật khẩu: đặt biến môi trường {env} hoặc chạy lệnh trong cửa sổ dòng lệnh.")
    return getpass.getpass(prompt)


def _db_path(args: argparse.Namespace) -> Path:
    """The database file (for a server URL: the local path standing for it, store/target.server_place)."""
    if args.db and _is_server(args.db):
        from danvan_desktop.store.target import server_place, server_url

        return server_place(server_url(args.db))
    if args.db:
        return Path(args.db)
    from danvan_desktop.app import default_db_path

    return default_db_path()


def _is_server(db: str) -> bool:
    from danvan_desktop.store.target import is_server

    return is_server(db)


def _db_target(args: argparse.Namespace) -> Path | str:
    """What --db names: a file, or a postgresql:// URL kept as text."""
    return str(args.db).strip() if args.db and _is_server(args.db) else _db_path(args)


def _open(args: argparse.Namespace) -> Any:
    from danvan_desktop.store.database import open_database

    if args.db and _is_server(args.db):
        from danvan_desktop.services.moving import office_held

        db = open_database(str(args.db).strip(), create=False)
        if office_held(db) is None:  # an empty server database: say so, not "wrong password"
            db.close()
            raise CliError(f"Cơ sở dữ liệu “{db.label}” trên máy chủ chưa được khởi tạo cho cơ quan nào. "
                           "Hãy khởi tạo bằng lệnh “init”, hoặc chép dữ liệu của cơ quan lên bằng lệnh “copy-to”.")
        return db
    path = _db_path(args)
    if not path.exists():
        raise CliError(f"Không tìm thấy cơ sở dữ liệu “{path}”. Hãy khởi tạo bằng lệnh “init”.")
    return open_database(path, create=False)


def _configured_backup_dir(db_path: Path) -> Path | None:
    """The backup folder a database is set to use, read without opening it for writing (None if unknown)."""
    import sqlite3

    if not db_path.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as c:
            row = c.execute("SELECT value FROM setting WHERE key = 'backup_dir'").fetchone()
        c.close()
        return Path(json.loads(row[0])) if row and json.loads(row[0]) else None
    except (sqlite3.Error, ValueError, TypeError):
        return None


def _actor(args: argparse.Namespace, db: Any) -> Any:
    from danvan_desktop.services.accounts import authenticate

    if not args.user:
        raise CliError("Lệnh này cần tên tài khoản: thêm --user TÊN (mật khẩu trong biến DANVAN_PASSWORD).")
    return authenticate(db, args.user, _password(f"Mật khẩu của {args.user}: ", "DANVAN_PASSWORD"))


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


# ---- commands --------------------------------------------------------------------------------------------

def cmd_init(args: argparse.Namespace) -> int:
    """Create the office database."""
    from danvan_desktop.domain.text import fold
    from danvan_desktop.services.catalogue import find_unit
    from danvan_desktop.services.setup import UnitSpec, init_office

    def spec(code: str, name: str, level: str) -> UnitSpec:
        official = find_unit(code)
        # An official code counts as such only if the name agrees with the catalogue's (codes were reused).
        same = official is not None and (fold(official.name).endswith(fold(name)) or
                                         fold(name).endswith(fold(official.name)))
        return UnitSpec(code, name, level, "2025" if same else "local")

    parents = args.parent_code or []
    names = args.parent_name or []
    levels = args.parent_level or []
    if not (len(parents) == len(names) == len(levels)):
        raise CliError("Mỗi đơn vị cấp trên cần đủ ba tham số --parent-code, --parent-name, --parent-level.")
    password = _password(f"Mật khẩu cho tài khoản quản trị {args.admin}: ", "DANVAN_PASSWORD")
    db = init_office(_db_target(args), spec(args.unit_code, args.unit_name, args.level),
                     [spec(c, n, lv) for c, n, lv in zip(parents, names, levels, strict=True)],
                     args.admin, password)
    where = db.label if db.is_server else str(db.path)
    db.close()
    print(f"Đã khởi tạo cơ sở dữ liệu “{where}” cho “{args.unit_name}”; tài khoản quản trị: {args.admin}.")
    return EXIT_OK


def cmd_useradd(args: argparse.Namespace) -> int:
    """Add an account."""
    from danvan_desktop.services.accounts import add_account

    db = _open(args)
    actor = _actor(args, db)
    password = _password(f"Mật khẩu cho tài khoản mới {args.name}: ", "DANVAN_NEW_PASSWORD")
    info = add_account(db, actor, args.name, password, args.role, full_name=args.full_name or "",
                       religion_access=args.religion)
    print(f"Đã tạo tài khoản “{info.username}” ({info.role_label}).")
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    """Write the entry template (never over the database named by --db, or the default one, or a backup)."""
    from danvan_desktop.exchange.template import write_template
    from danvan_desktop.services.backup import check_output_path

    out = Path(args.out)
    db_path = _db_path(args).expanduser().resolve()
    check_output_path(out, db_path, _configured_backup_dir(db_path))
    write_template(out)
    print(f"Đã ghi mẫu nhập liệu “{out}”.")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Import an entry template: all rows or none."""
    from danvan_desktop.exchange.template import TemplateRejected, import_template

    db = _open(args)
    actor = _actor(args, db)
    try:
        result = import_template(db, actor, Path(args.file))
    except TemplateRejected as e:
        print(str(e), file=sys.stderr)
        for err in e.errors:
            print(f"  - {err}", file=sys.stderr)
        return EXIT_REFUSED
    total = sum(result.counts.values())
    detail = ", ".join(f"{label}: {n}" for label, n in result.labelled_counts() if n)
    print(f"Đã nhập {total} bản ghi từ “{Path(args.file).name}” ({detail or 'không có dòng dữ liệu'}).")
    return EXIT_OK


def cmd_summary(args: argparse.Namespace) -> int:
    """Print the summary of a period."""
    from danvan_desktop.domain.indicators import INDICATORS
    from danvan_desktop.domain.periods import parse_period
    from danvan_desktop.domain.vnformat import fmt_date, fmt_int
    from danvan_desktop.services.summary import summarize

    period = parse_period(args.period)
    as_of = _day(args.as_of, "--as-of") if args.as_of else None
    db = _open(args)
    actor = _actor(args, db)
    summary = summarize(db, actor, period, args.unit, as_of=as_of)
    if args.json:
        _print_json(summary.as_json())
        return EXIT_OK
    cur_f, prev_f = summary.current, summary.previous
    versus = (f"so với cùng kỳ {prev_f.period.label_vi} đến ngày {fmt_date(prev_f.until)}" if summary.comparable
              else "chưa có số liệu cùng kỳ để so sánh")
    print(f"{summary.unit.name} — {period.label_vi}, số liệu đến ngày {fmt_date(cur_f.as_of)} ({versus})")
    for ind in INDICATORS:
        if not cur_f.shown(ind.key):
            continue
        cur, prev = cur_f.indicators[ind.key], prev_f.indicators[ind.key]
        if cur or prev:
            print(f"  {ind.label}: {fmt_int(cur)}" + (f" (cùng kỳ: {fmt_int(prev)})" if summary.comparable else ""))
    if cur_f.withheld:
        print("  (Không hiện số liệu tôn giáo: tài khoản không có quyền xem dữ liệu tôn giáo.)")
    return EXIT_OK


def cmd_check_figures(args: argparse.Namespace) -> int:
    """Recompute the kept figures from the records; non-zero exit on any difference (beyond SPEC §8)."""
    from danvan_desktop.domain.vnformat import fmt_int
    from danvan_desktop.services.figures_check import check_figures

    db = _open(args)
    result = check_figures(db, _actor(args, db))
    years = ", ".join(str(y) for y in result.years_checked) or "không có"
    if result.ok:
        print(f"Số liệu tổng hợp khớp với hồ sơ: đã so {fmt_int(result.rows_checked)} dòng của bảng tổng hợp và "
              f"số liệu các năm {years}.")
        return EXIT_OK
    print(f"Số liệu tổng hợp KHÁC với hồ sơ ở {fmt_int(len(result.differences))} chỗ:")
    for d in result.differences:
        print(f"  - {d}")
    print("Số liệu trên màn hình và báo cáo lấy từ bảng tổng hợp nên có thể sai; hãy báo cho người quản trị "
          "(khôi phục bản sao lưu gần nhất hoặc nâng cấp lại cơ sở dữ liệu).")
    return EXIT_REFUSED


def _day(text: str, option: str) -> dt.date:
    """A YYYY-MM-DD day given on the command line, or a Vietnamese refusal naming the option."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"Ngày “{text}” của {option} không hợp lệ; viết theo dạng NNNN-TT-NN, "
                       "ví dụ 2026-11-24.") from None


def cmd_export(args: argparse.Namespace) -> int:
    """Export a package (xlsx) or a report (pdf) for a period."""
    from danvan_desktop.domain.periods import parse_period

    period = parse_period(args.period)
    out = Path(args.out)
    if args.format in ("pdf", "docx"):
        from danvan_desktop.exchange.report_issue import issue_report

        db = _open(args)
        issued, _changes = issue_report(db, _actor(args, db), period, args.format, out, args.unit)
        serial = issued.number.strip()
        number = f" số {serial}" if serial and serial[0] not in "-/" else ""
        print(f"Đã xuất báo cáo{number} {period.label_vi} của {issued.unit_name} ra tệp “{out}” "
              f"(phát hành lần {issued.issue_no}).")
        return EXIT_OK
    from danvan_desktop.exchange.package import export_package

    db = _open(args)
    info = export_package(db, _actor(args, db), period, out, args.unit)
    print(f"Đã xuất gói dữ liệu của {info.unit_name} (mã {info.unit_code}), {period.label_vi}, ra tệp “{out}”: "
          f"{info.total} bản ghi" + (f" (trong đó {info.deleted} bản ghi đã xóa)." if info.deleted else "."))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Show the composed report, write a section's text, or set header fields (SPEC §8 `report`)."""
    from danvan_desktop.domain.periods import parse_period
    from danvan_desktop.domain.report_doc import (
        FIELD_KEYS,
        ReportInputError,
        check_field,
        unknown_field_message,
        unknown_section_message,
    )
    from danvan_desktop.services import reports

    period = parse_period(args.period)
    if (args.section is None) != (args.text_file is None):
        raise CliError("--section và --text-file phải đi cùng nhau: báo cáo cần biết ghi tệp nào vào mục nào.")
    values: dict[str, str] = {}
    for item in args.set or []:
        name, eq, value = item.partition("=")
        if not eq:
            raise CliError(f"“{item}” không đúng dạng TRƯỜNG=GIÁ_TRỊ.")
        if name not in FIELD_KEYS:
            raise CliError(unknown_field_message(name))
        # A shell cannot easily pass a newline: recipients may also be separated by ";".
        values[name] = value.replace(";", "\n") if name == "recipients" else value
    text = None
    if args.text_file:
        try:
            text = Path(args.text_file).read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise CliError(f"Tệp “{args.text_file}” không phải văn bản UTF-8.") from e
    db = _open(args)
    actor = _actor(args, db)
    # Everything is checked before anything is written: a refusal changes nothing.
    if args.section is not None:
        valid = reports.section_keys(db, actor, period, args.unit)
        if args.section not in valid:
            raise CliError(unknown_section_message(args.section, valid))
    try:
        for name, value in values.items():
            check_field(name, value)
    except ReportInputError as e:
        raise CliError(str(e)) from e
    if text is not None:
        reports.save_section(db, actor, period, args.section, own=text, unit_code=args.unit)
        print(f"Đã ghi nội dung mục “{args.section}” ({len(text)} ký tự) vào báo cáo {period.label_vi}.")
    if values:
        reports.set_fields(db, actor, period, values, unit_code=args.unit)
        print(f"Đã đặt {', '.join(values)} cho báo cáo {period.label_vi}.")
    if args.json or (text is None and not values):
        _print_json(reports.compose(db, actor, period, args.unit).as_json())
    return EXIT_OK


def _local_time(at: Any) -> str:
    """A stored UTC time as the office's clock shows it."""
    if at is None:
        return "không rõ"
    return at.replace(tzinfo=dt.UTC).astimezone().strftime("%d/%m/%Y %H:%M")


def _print_preview(n: int, total: int, p: Any, applied: bool) -> None:
    from danvan_desktop.services.merge import REFUSAL_TITLES

    head = f"[{n}/{total}] {p.file_name}"
    if not p.ok:
        print(f"{head} — BỊ TỪ CHỐI ({REFUSAL_TITLES.get(p.reason, p.reason)}): {p.message}")
        return
    print(f"{head} — {p.unit_name} (mã {p.unit_code}), {p.period_label}, xuất lúc {_local_time(p.exported_at)}"
          f"{' bởi ' + p.exported_by if p.exported_by else ''}")
    verb = "Đã tổng hợp" if applied else "Sẽ tổng hợp"
    print(f"    {verb}: {p.counts.describe()}")
    if p.applied_before is not None:
        print(f"    Tệp này đã được tổng hợp lúc {_local_time(p.applied_before)}.")
    if p.new_units:
        print(f"    Đơn vị mới được thêm vào danh sách: {', '.join(p.new_units)}")
    if p.key_status == "new":
        print(f"    Lần đầu nhận gói ký bằng khóa này: dấu vân tay {p.key_fingerprint} (hãy gọi điện đối chiếu).")
    for r in p.refused_records:
        print(f"    Từ chối: {r.describe()}")
    for c in p.conflicts:
        print(f"    Xung đột{f' số {c.id}' if c.id else ''}: {c.kind_label} “{c.title[:80]}” — {c.reason_label}")
        for d in c.fields:
            print(f"        {d.label}: tại chỗ “{d.local}” ↔ nhận vào “{d.incoming}”")


def cmd_merge(args: argparse.Namespace) -> int:
    """Merge packages from units below (or only preview them with --dry-run)."""
    from danvan_desktop.services.merge import apply_packages, find_packages, preview_packages

    files = find_packages(args.paths)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise CliError(f"Không tìm thấy tệp: {', '.join(missing)}.")
    if not files:
        raise CliError("Không tìm thấy tệp gói dữ liệu (.xlsx) nào trong các đường dẫn đã cho.")
    db = _open(args)
    actor = _actor(args, db)
    results: list[Any] = (preview_packages(db, actor, files) if args.dry_run else apply_packages(db, actor, files))
    for n, p in enumerate(results, 1):
        _print_preview(n, len(results), p, not args.dry_run)
    refused = sum(1 for p in results if not p.ok)
    conflicts = sum(p.counts.conflicts for p in results if p.ok)
    ok = len(results) - refused
    if args.dry_run:
        print(f"Xem trước {len(results)} gói: {ok} gói hợp lệ, {refused} gói bị từ chối. "
              "Chưa ghi gì vào cơ sở dữ liệu.")
    else:
        print(f"Đã tổng hợp {ok}/{len(results)} gói" + (f"; {refused} gói bị từ chối, không ghi gì." if refused
                                                          else "."))
    if conflicts:
        print(f"Có {conflicts} xung đột {'sẽ phải' if args.dry_run else 'đang chờ'} quyết định: giữ bản tại chỗ hoặc "
              "lấy bản nhận vào (màn hình Tổng hợp dữ liệu). Trong lúc chờ, bản tại chỗ được giữ nguyên.")
    return EXIT_REFUSED if refused else EXIT_OK


def cmd_completeness(args: argparse.Namespace) -> int:
    """Which units below have delivered a package for a period."""
    from danvan_desktop.domain.periods import parse_period
    from danvan_desktop.services.completeness import completeness, completeness_json

    period = parse_period(args.period)
    db = _open(args)
    rows = completeness(db, _actor(args, db), period)
    if args.json:
        _print_json(completeness_json(period, rows))
        return EXIT_OK
    done = sum(1 for r in rows if r.delivered)
    print(f"Tình hình gửi gói dữ liệu {period.label_vi}: {done}/{len(rows)} đơn vị đã gửi đủ.")
    for r in rows:
        state = "đã gửi" if r.delivered else ("CHẬM" if r.late else "chưa gửi")
        when = f", lần tổng hợp gần nhất {_local_time(r.last_import)}" if r.last_import else ""
        months = " ".join(f"{m.label}:{'✓' if m.delivered else '✗'}" for m in r.months) if len(r.months) > 1 else ""
        print(f"  {r.name} (mã {r.code}): {state}{when}" + (f"  [{months}]" if months else ""))
    return EXIT_OK


def cmd_accept_key(args: argparse.Namespace) -> int:
    """An admin accepts the new signing key of the unit that sent a package (after checking it by phone)."""
    from danvan_desktop.services.merge import accept_new_key

    db = _open(args)
    fp, _changes = accept_new_key(db, _actor(args, db), Path(args.file))
    print(f"Đã chấp nhận khóa ký mới (dấu vân tay {fp}) của đơn vị gửi tệp “{Path(args.file).name}”.")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    """Back the database up to a file."""
    from danvan_desktop.services.backup import backup

    db = _open(args)
    info = backup(db, _actor(args, db), Path(args.out))
    print(f"Đã sao lưu vào “{info.path}” ({info.size // 1024} KB), đã kiểm tra toàn vẹn.")
    if info.note:  # the copy is good; only its audit entry is missing
        print(info.note, file=sys.stderr)
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore the database from a backup file (a copy of the current state is kept first)."""
    from danvan_desktop.services.backup import restore

    db = _open(args)
    reopened, safety = restore(db, _actor(args, db), Path(args.file))
    reopened.close()
    print(f"Đã khôi phục từ “{args.file}”. Dữ liệu trước khi khôi phục được giữ ở “{safety.path}”.")
    return EXIT_OK


def _open_dest(target: str) -> Any:
    """The destination of copy-to: a server database (it must exist) or a file (created if absent)."""
    from danvan_desktop.store.database import open_database

    return open_database(target.strip() if _is_server(target) else Path(target), create=True)


def cmd_copy_to(args: argparse.Namespace) -> int:
    """Copy the whole office to another store, in one transaction, then check the copy (beyond SPEC §8)."""
    from danvan_desktop.services.moving import copy_office

    db = _open(args)
    actor = _actor(args, db)
    dest = _open_dest(args.dest)
    shown_at = [0]

    def progress(table: str, done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != shown_at[0] or done == total:  # one line per percent, not per chunk
            shown_at[0] = percent
            print(f"\rĐang chép… {percent}% ({done}/{total} dòng, bảng {table})", end="", file=sys.stderr,
                  flush=True)

    try:
        result = copy_office(db, dest, actor, progress)
    finally:
        print(file=sys.stderr)
        dest.close()
        db.close()
    print(f"Đã chép {result.total} dòng của {len(result.counts)} bảng sang “{dest.label}”.")
    if not result.ok:
        print("Kiểm tra sau khi chép phát hiện sai khác:", file=sys.stderr)
        for p in result.problems:
            print(f"  - {p}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"Đã kiểm tra: số dòng từng bảng bằng nhau, {result.figures_rows} dòng số liệu tổng hợp khớp với hồ sơ, "
          f"số liệu năm {result.year} của đơn vị như nhau ở hai nơi, nhật ký liền mạch.")
    return EXIT_OK


# ---- parser ----------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The argument parser of SPEC §8."""
    p = _Parser(prog="danvan", description="Dân vận Desktop — ghi chép, tổng hợp, báo cáo công tác dân vận.")
    p.add_argument("--db", metavar="TỆP", help="tệp cơ sở dữ liệu (mặc định: trong thư mục dữ liệu người dùng)")
    p.add_argument("--user", metavar="TÀI_KHOẢN", help="tài khoản thực hiện lệnh (mật khẩu: DANVAN_PASSWORD)")
    p.add_argument("--demo", action="store_true", help="mở dữ liệu mẫu để làm quen với chương trình")
    p.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)  # checks a built program
    p.add_argument("--version", action="version", version=f"Dân vận Desktop {__version__}",
                   help="in phiên bản rồi thoát")
    sub = p.add_subparsers(dest="command", metavar="LỆNH", parser_class=_Parser)

    s = sub.add_parser("init", help="khởi tạo cơ sở dữ liệu cho một đơn vị")
    s.add_argument("--unit-code", required=True, metavar="MÃ")
    s.add_argument("--unit-name", required=True, metavar="TÊN")
    s.add_argument("--level", required=True, choices=["tw", "tinh", "huyen", "xa"])
    s.add_argument("--parent-code", action="append", metavar="MÃ")
    s.add_argument("--parent-name", action="append", metavar="TÊN")
    s.add_argument("--parent-level", action="append", choices=["tw", "tinh", "huyen", "xa"])
    s.add_argument("--admin", required=True, metavar="TÀI_KHOẢN")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("useradd", help="thêm tài khoản (mật khẩu mới: DANVAN_NEW_PASSWORD)")
    s.add_argument("name", metavar="TÊN")
    s.add_argument("--role", required=True, choices=["admin", "can_bo", "tong_hop", "van_thu"])
    s.add_argument("--full-name", metavar="HỌ_TÊN")
    s.add_argument("--religion", action="store_true", help="cho phép xem dữ liệu tôn giáo")
    s.set_defaults(func=cmd_useradd)

    s = sub.add_parser("template", help="ghi mẫu nhập liệu Excel")
    s.add_argument("--out", required=True, metavar="TỆP.xlsx")
    s.set_defaults(func=cmd_template)

    s = sub.add_parser("import", help="nhập dữ liệu từ mẫu Excel (tất cả các dòng hoặc không dòng nào)")
    s.add_argument("file", metavar="TỆP.xlsx")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("export", help="xuất gói dữ liệu (xlsx) hoặc phát hành báo cáo (docx, pdf)")
    s.add_argument("--period", required=True, metavar="KỲ")
    s.add_argument("--format", required=True, choices=["xlsx", "pdf", "docx"])
    s.add_argument("--out", required=True, metavar="TỆP")
    s.add_argument("--unit", metavar="MÃ")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("report", help="xem, viết báo cáo của một kỳ (nội dung, số, ngày, người ký…)")
    s.add_argument("--period", required=True, metavar="KỲ")
    s.add_argument("--unit", metavar="MÃ")
    s.add_argument("--json", action="store_true", help="in báo cáo dạng JSON")
    s.add_argument("--section", metavar="MỤC", help="mục cần ghi nội dung (cùng --text-file)")
    s.add_argument("--text-file", metavar="TỆP", help="tệp văn bản UTF-8: nội dung riêng của mục")
    s.add_argument("--set", nargs="+", metavar="TRƯỜNG=GIÁ_TRỊ", help="đặt trường: " + ", ".join(
        ("number", "place", "date", "title", "cutoff", "signer_prefix", "signer_title", "signer_name", "recipients")))
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("merge", help="tổng hợp gói dữ liệu của đơn vị cấp dưới")
    s.add_argument("--dry-run", action="store_true", help="chỉ xem trước, không ghi")
    s.add_argument("paths", nargs="+", metavar="ĐƯỜNG_DẪN")
    s.set_defaults(func=cmd_merge)

    s = sub.add_parser("summary", help="số liệu tổng hợp của một kỳ")
    s.add_argument("--period", required=True, metavar="KỲ")
    s.add_argument("--unit", metavar="MÃ")
    s.add_argument("--as-of", metavar="NGÀY", help="ngày chốt số liệu (NNNN-TT-NN)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_summary)

    s = sub.add_parser("check-figures", help="kiểm tra số liệu tổng hợp bằng cách tính lại từ hồ sơ")
    s.set_defaults(func=cmd_check_figures)

    s = sub.add_parser("completeness", help="đơn vị cấp dưới đã gửi gói dữ liệu hay chưa")
    s.add_argument("--period", required=True, metavar="KỲ")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_completeness)

    s = sub.add_parser("accept-key", help="chấp nhận khóa ký mới của đơn vị gửi gói (quản trị)")
    s.add_argument("file", metavar="TỆP.xlsx")
    s.set_defaults(func=cmd_accept_key)

    s = sub.add_parser("backup", help="sao lưu cơ sở dữ liệu")
    s.add_argument("--out", required=True, metavar="TỆP")
    s.set_defaults(func=cmd_backup)

    s = sub.add_parser("restore", help="khôi phục từ bản sao lưu")
    s.add_argument("file", metavar="TỆP")
    s.set_defaults(func=cmd_restore)

    s = sub.add_parser("copy-to", help="chép toàn bộ dữ liệu sang tệp hoặc máy chủ khác (quản trị)")
    s.add_argument("dest", metavar="ĐÍCH", help="tệp .db hoặc postgresql://tên@máy_chủ/tên_csdl (phải còn trống)")
    s.set_defaults(func=cmd_copy_to)
    return p


def _open_window(args: argparse.Namespace) -> int:
    if args.smoke_test:
        from danvan_desktop.ui.smoke import run_smoke

        db_text = str(args.db).strip() if args.db else ""
        return run_smoke(db_path=(db_text if "://" in db_text else Path(db_text)) if db_text else None,
                         demo=args.demo, user=args.user)
    from danvan_desktop.ui.main import run_gui

    # A URL stays text (a server; open_database checks its scheme). Told apart without importing SQLAlchemy,
    # so the sign-in still shows before the data layer is loaded.
    db = str(args.db).strip() if args.db else ""
    return run_gui(db_path=db if "://" in db else Path(db) if db else None, demo=args.demo)


def run(argv: Sequence[str]) -> int:
    """Parse and run one command; returns the exit code (non-zero on any refusal)."""
    args = build_parser().parse_args(list(argv))
    if not args.command:
        return _open_window(args)  # before importing the domain rules: the sign-in shows sooner (issue 14)
    from danvan_desktop.domain.periods import PeriodError
    from danvan_desktop.domain.validation import ValidationError
    from danvan_desktop.services.errors import ServiceError
    from danvan_desktop.store.errors import StoreError

    try:
        return int(args.func(args))
    except ValidationError as e:
        print("Dữ liệu không hợp lệ:", file=sys.stderr)
        for err in e.errors:
            print(f"  - {err.message}", file=sys.stderr)
        return EXIT_REFUSED
    except (CliError, ServiceError, StoreError, PeriodError) as e:
        print(str(e), file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as e:
        print(f"Lỗi đọc/ghi tệp “{e.filename or ''}”: {e.strerror or e}.", file=sys.stderr)
        return EXIT_REFUSED
