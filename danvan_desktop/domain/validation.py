"""The one place field values are typed and checked; every entry point (form, template, merge) calls it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from danvan_desktop.domain.fields import Field, FieldType, RecordKind, Rule
from danvan_desktop.domain.text import clean_text
from danvan_desktop.domain.vnformat import parse_date_vn

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
        if isinstance(raw, bool):
            raise _err(f, f"{f.label} phải là một số nguyên")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        s = clean_text(str(raw)).replace(".", "").replace(" ", "")  # "1.858" is Vietnamese for 1858
        if s.lstrip("-").isdigit():
            return int(s)
        raise _err(f, f"{f.label} phải là một số nguyên (đang là {_quoted(str(raw))})")
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


def _check_field(f: Field, v: Value) -> str | None:
    if v is None or v == "" or v == ():
        return f"{f.label} không được để trống" if f.required else None
    if isinstance(v, str) and len(v) > f.max_len:
        return f"{f.label} không được dài quá {f.max_len:,} ký tự (đang có {len(v):,})".replace(",", ".")
    if f.type is FieldType.INT and f.min_value is not None and isinstance(v, int) and v < f.min_value:
        return f"{f.label} không được là số âm"
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


def check_notes(raw: Any) -> str:
    """The envelope's free-text notes, cleaned."""
    return "" if raw is None else clean_text(str(raw))
