"""The one place field values are typed and checked; every entry point (form, template, merge) calls it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from danvan_desktop.domain.fields import MAX_NOTES, MAX_REVISION, Field, FieldType, RecordKind, Rule
from danvan_desktop.domain.kinds import ENVELOPE_LABELS
from danvan_desktop.domain.text import clean_text
from danvan_desktop.domain.vnformat import fmt_int, parse_date_vn, parse_int_vn

Value = str | int | bool | dt.date | tuple[str, ...] | None


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, as a Vietnamese sentence naming the field."""

    field: str
    message: str


class ValidationError(ValueError):
    """A record was refused; carries every problem found, not just the first."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


def _quoted(s: str) -> str:
    return f"“{s}”"


def parse_date(raw: object) -> dt.date:
    """A date from a date, a datetime, or text as a person types it (ValueError otherwise)."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    return parse_date_vn(str(raw).strip())


def parse_value(f: Field, raw: object) -> Value:
    """Turn a raw value (typed, or text from a form or a spreadsheet cell) into the field's type."""
    if raw is None or (isinstance(raw, str) and clean_text(raw) == ""):
        return None if f.type is not FieldType.BOOL else False
    if f.type in (FieldType.TEXT, FieldType.LONGTEXT, FieldType.REF):
        s = clean_text(str(raw))
        if f.type is FieldType.TEXT:
            s = " ".join(s.split())  # one-line fields: no stray line breaks from paste
        return s
    if f.type is FieldType.INT:
        try:
            return parse_int_vn(raw if isinstance(raw, int | float) else clean_text(str(raw)))
        except ValueError:
            shown = str(raw) if not isinstance(raw, float) else repr(raw).replace(".", ",")
            raise _err(f, f"{f.label} phải là một số nguyên (đang là {_quoted(shown[:40])})") from None
    if f.type is FieldType.DATE:
        try:
            return parse_date(raw)
        except ValueError:
            raise _err(f, f"{f.label} không phải là ngày hợp lệ: {_quoted(str(raw))} (nhập theo dạng ngày/tháng/năm, "
                          "ví dụ 05/02/2026)") from None
    if f.type is FieldType.ENUM:
        assert f.vocab is not None
        key = f.vocab.lookup(clean_text(str(raw)))
        if key is None:
            raise _err(f, f"{f.label}: giá trị {_quoted(str(raw))} không có trong danh sách "
                          f"(chọn một trong: {'; '.join(f.vocab.labels)})")
        return key
    if f.type is FieldType.BOOL:
        if isinstance(raw, bool):
            return raw
        s = clean_text(str(raw)).lower()
        if s in ("1", "true", "x", "có", "co", "yes"):
            return True
        if s in ("0", "false", "không", "khong", "no"):
            return False
        raise _err(f, f"{f.label} chỉ nhận “Có” hoặc “Không” (đang là {_quoted(str(raw))})")
    if f.type is FieldType.UNITS:
        items = raw if isinstance(raw, list | tuple) else str(raw).replace(";", ",").split(",")
        return tuple(c for c in (clean_text(str(x)) for x in items) if c)
    raise AssertionError(f.type)


class _OneError(Exception):
    def __init__(self, error: FieldError):
        self.error = error


def _err(f: Field, message: str) -> _OneError:
    return _OneError(FieldError(f.key, message))


def text_length(s: str) -> int:
    """A text's length as spreadsheets count it: characters beyond U+FFFF count twice (UTF-16 units)."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF) if not s.isascii() else len(s)


def _too_long(label: str, limit: int, n: int) -> str:
    return f"{label} không được dài quá {fmt_int(limit)} ký tự (đang có {fmt_int(n)})"


def _check_field(f: Field, v: Value) -> str | None:
    if v is None or v == "" or v == ():
        return f"{f.label} không được để trống" if f.required else None
    if isinstance(v, str) and text_length(v) > f.max_len:
        return _too_long(f.label, f.max_len, text_length(v))
    if isinstance(v, tuple) and text_length(";".join(v)) > f.max_len:
        return _too_long(f.label, f.max_len, text_length(";".join(v)))
    if f.type is FieldType.INT and f.min_value is not None and isinstance(v, int) and v < f.min_value:
        return f"{f.label} không được là số âm"
    if f.type is FieldType.INT and f.max_value is not None and isinstance(v, int) and v > f.max_value:
        return f"{f.label} không được lớn hơn {fmt_int(f.max_value)}"
    if f.type is FieldType.DATE and isinstance(v, dt.date) and not (1900 <= v.year <= 2999):
        return f"{f.label} có năm {v.year} không hợp lệ"
    return None


def _check_rule(kind: RecordKind, r: Rule, values: Mapping[str, Value]) -> FieldError | None:
    a, b = kind.field(r.a), kind.field(r.b)
    va, vb = values.get(r.a), values.get(r.b)
    if r.kind == "le":
        if isinstance(va, int) and isinstance(vb, int) and va > vb:
            return FieldError(r.a, f"{a.label} không được lớn hơn {b.label}")
        if isinstance(va, int) and va > 0 and vb is None:
            return FieldError(r.a, f"{a.label} không được lớn hơn {b.label} (chưa nhập {b.label})")
    elif r.kind == "date_not_before":
        if isinstance(va, dt.date) and isinstance(vb, dt.date) and va < vb:
            return FieldError(r.a, f"{a.label} không được trước {b.label}")
    elif r.kind == "required_when":
        if vb == r.value and (va is None or va == ""):
            assert b.vocab is not None and r.value is not None
            return FieldError(r.a, f"{a.label} không được để trống khi {b.label} là "
                                   f"{_quoted(b.vocab.label(r.value))}")
    elif r.kind == "required_if_set":
        if vb not in (None, "") and va in (None, ""):
            return FieldError(r.a, f"{a.label} không được để trống khi đã có {b.label}")
    else:
        raise AssertionError(r.kind)
    return None


def check_record(kind: RecordKind, raw: Mapping[str, object], *, partial: bool = False) -> dict[str, Value]:
    """Type and check a record's fields; return clean values or raise ValidationError with every problem.

    Keys not in the kind are ignored; with partial=True, missing keys are not filled with empties.
    """
    values: dict[str, Value] = {}
    errors: list[FieldError] = []
    for f in kind.fields:
        if partial and f.key not in raw:
            continue
        try:
            v = parse_value(f, raw.get(f.key))
        except _OneError as e:
            errors.append(e.error)
            continue
        problem = _check_field(f, v)
        if problem:
            errors.append(FieldError(f.key, problem))
        values[f.key] = v
    bad = {e.field for e in errors}
    for r in kind.rules:
        if r.a in bad or r.b in bad:
            continue
        broken = _check_rule(kind, r, values)
        if broken:
            errors.append(broken)
    if errors:
        raise ValidationError(errors)
    return values


NOTES_LABEL = ENVELOPE_LABELS["notes"]
REVISION_LABEL = ENVELOPE_LABELS["revision"]


def check_notes(raw: Any) -> str:
    """The envelope's free-text notes, cleaned; ValidationError (field "notes") when longer than MAX_NOTES."""
    note = "" if raw is None else clean_text(str(raw))
    if text_length(note) > MAX_NOTES:
        raise ValidationError([FieldError("notes", _too_long(NOTES_LABEL, MAX_NOTES, text_length(note)))])
    return note


def check_revision(raw: Any) -> int:
    """A record's revision: a whole number from 1 to MAX_REVISION (2^31 − 1); ValidationError otherwise."""
    try:
        rev = parse_int_vn(raw)
    except ValueError:
        raise ValidationError([FieldError("revision", f"{REVISION_LABEL} phải là một số nguyên "
                                                      f"(đang là {_quoted(str(raw)[:40])})")]) from None
    if not 1 <= rev <= MAX_REVISION:
        raise ValidationError([FieldError("revision", f"{REVISION_LABEL} phải từ 1 đến {fmt_int(MAX_REVISION)} "
                                                      f"(đang là {_quoted(str(rev)[:40])})")])
    return rev
