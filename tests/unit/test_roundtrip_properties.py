"""Property: records made from the field declarations survive commune → package → district unchanged.

Values are drawn from domain/kinds.py's declarations (Vietnamese text with marks, text starting with = + - @,
long text, any Unicode, dates, enums, counts and links respecting the rules), saved through the services at a
commune office (some then edited or deleted), exported as the year's package, merged into the district office,
and read back through services.records on both sides: every field and the envelope must be equal.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from danvan_desktop.domain.fields import Field, FieldType, RecordKind
from danvan_desktop.domain.kinds import KINDS
from danvan_desktop.domain.periods import parse_period
from danvan_desktop.domain.validation import ValidationError, check_record
from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.merge import apply_package
from danvan_desktop.services.records import RecordQuery, add_record, delete_record, list_records, update_record
from danvan_desktop.store.database import open_database
from tests.integration.test_package_support import ADMIN, DISTRICT, PROVINCE, commune, office

YEAR = parse_period("2025")
UNITS = ("X1", "X1-01")

VOWELS = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ"
LETTERS = VOWELS + VOWELS.upper() + "bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX0123456789"
word = st.text(st.sampled_from(LETTERS + ",.;:()/%“”'\"-"), min_size=1, max_size=10)
phrase = st.lists(word, min_size=1, max_size=8).map(" ".join)
# About 1-5 thousand characters (repeated: a long draw would exhaust Hypothesis' data budget).
long_phrase = st.tuples(st.lists(word, min_size=3, max_size=8).map(" ".join), st.integers(40, 200)).map(
    lambda t: " ".join([t[0]] * t[1]))
# Pasted from the web, Word or an old converter: invisible, control, XML-illegal and astral characters.
ODD = ["\u200b", "\ufeff", "\x00", "\x07", "\r\n", "\t", "\x85", "\ufffe", "\uffff", "\U0001f600", "\u2028", "e\u0301"]
any_text = st.one_of(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30),
                     st.lists(st.sampled_from(ODD), min_size=1, max_size=4).map("".join))
# What a spreadsheet would take for a formula, a number or an error if written as is.
excel_bait = st.sampled_from(["=", "+", "-", "@", "=SUM(A1:A9)", "+84 912 345 678", "-5", "@mention", "#N/A",
                              "=HYPERLINK(\"http://x\")", "1/2", "0012", "TRUE"])
day_2025 = st.dates(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
any_day = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))


def text_value(f: Field) -> st.SearchStrategy[str]:
    """A text for a field: starting with something Excel would misread, marks, long or odd characters."""
    body = st.one_of(phrase, phrase, long_phrase if f.max_len > 3000 else phrase,
                     st.tuples(any_text, phrase).map("".join))
    if f.type is FieldType.LONGTEXT:
        body = st.one_of(body, st.lists(phrase, min_size=2, max_size=4).map("\n".join))
    return st.one_of(body, st.tuples(excel_bait, body).map("".join), excel_bait)


def field_value(f: Field, kind: RecordKind) -> st.SearchStrategy[Any]:
    if f.key == kind.event_field:
        return day_2025
    if f.type in (FieldType.TEXT, FieldType.LONGTEXT):
        s = text_value(f)
    elif f.type is FieldType.INT:
        s = st.integers(0, 1_000_000)
    elif f.type is FieldType.DATE:
        s = any_day
    elif f.type is FieldType.ENUM:
        assert f.vocab is not None
        s = st.one_of(st.sampled_from(f.vocab.keys), st.sampled_from(f.vocab.labels))  # a key or its label
    elif f.type is FieldType.BOOL:
        return st.booleans()
    elif f.type is FieldType.REF:
        return st.one_of(st.none(), st.integers(0, 5))  # index of an earlier record of ref_kind
    elif f.type is FieldType.UNITS:
        return st.lists(st.sampled_from(UNITS), unique=True, max_size=2).map(tuple)
    else:
        raise AssertionError(f.type)
    return s if f.required else st.one_of(st.none(), s)


@st.composite
def record_values(draw: st.DrawFn, kind: RecordKind) -> dict[str, Any]:
    """Values that keep every rule of the kind (filled in or adjusted the way a careful person would)."""
    v = {f.key: draw(field_value(f, kind), label=f.key) for f in kind.fields}
    order = sorted(kind.rules, key=lambda r: r.kind in ("le", "date_not_before"))  # fill before comparing
    for _ in range(2):
        for r in order:
            a, b = kind.field(r.a), kind.field(r.b)
            va, vb = v.get(r.a), v.get(r.b)
            if r.kind == "le" and va is not None:
                if vb is None:
                    v[r.b] = va + draw(st.integers(0, 500))
                elif va > vb:
                    v[r.a] = draw(st.integers(0, vb))
            elif r.kind == "date_not_before" and va is not None and vb is not None and va < vb:
                v[r.a] = vb + dt.timedelta(days=draw(st.integers(0, 90)))
            elif r.kind in ("required_when", "required_if_set") and va in (None, ""):
                b_key = vb if b.vocab is None or vb in b.vocab.keys else b.vocab.lookup(str(vb))
                if (r.kind == "required_when" and b_key == r.value) or (r.kind == "required_if_set" and vb):
                    v[r.a] = draw(any_day if a.type is FieldType.DATE else text_value(a))
    return v


@st.composite
def office_work(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Records of every kind, each with its unit, notes and fate (kept, edited once or deleted)."""
    work = []
    for kind in KINDS:
        for _ in range(draw(st.integers(0, 2), label=f"so_{kind.key}")):
            work.append({"kind": kind, "values": draw(record_values(kind)), "unit": draw(st.sampled_from(UNITS)),
                         "notes": draw(st.one_of(st.just(""), text_value(kind.fields[0]))),
                         "fate": draw(st.sampled_from(["giu", "giu", "sua", "xoa"])),
                         "edit": draw(record_values(kind))})
    return work


@pytest.fixture(scope="module")
def offices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The commune X1 (with village X1-01) and its district 105, each built once; examples work on copies."""
    folder = tmp_path_factory.mktemp("khuon")
    x1 = commune(folder, "X1")
    x1.close()
    district = office(folder / "huyen.db", DISTRICT, [PROVINCE])
    district.close()
    yield folder / "x1.db", folder / "huyen.db"


def _resolve(kind: RecordKind, values: dict[str, Any], made: dict[str, list[str]]) -> dict[str, Any]:
    out = dict(values)
    for f in kind.fields:
        if f.type is FieldType.REF:
            ids = made.get(f.ref_kind or "", [])
            out[f.key] = ids[values[f.key] % len(ids)] if values[f.key] is not None and ids else None
    return out


def _valid(kind: RecordKind, values: dict[str, Any]) -> bool:
    plain = {k: (None if kind.field(k).type is FieldType.REF else v) for k, v in values.items()}
    try:
        check_record(kind, plain)
    except ValidationError as e:
        note(f"không hợp lệ: {e}")
        return False
    return True


def _all(db: Any, kind_key: str, unit: str | None = None) -> dict[str, Any]:
    page = list_records(db, ADMIN, kind_key, RecordQuery(unit_code=unit, limit=None, include_deleted=True))
    return {r.id: r for r in page.rows}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                  HealthCheck.function_scoped_fixture])
@given(work=office_work())
def test_export_then_merge_gives_back_the_same_records(offices, work):
    for item in work:
        assume(_valid(item["kind"], item["values"]) and _valid(item["kind"], item["edit"]))
    commune_file, district_file = offices
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(commune_file, folder / "x1.db")
        shutil.copy(district_file, folder / "huyen.db")
        x1, district = open_database(folder / "x1.db"), open_database(folder / "huyen.db")
        try:
            made: dict[str, list[str]] = {}
            for item in work:
                kind = item["kind"]
                r = add_record(x1, ADMIN, kind.key, _resolve(kind, item["values"], made), unit=item["unit"],
                               notes=item["notes"])
                made.setdefault(kind.key, []).append(r.id)
                item["id"] = r.id
            for item in work:  # edits first: an edit may link to a record deleted below
                kind = item["kind"]
                if item["fate"] == "sua":
                    update_record(x1, ADMIN, kind.key, item["id"], _resolve(kind, item["edit"], made),
                                  notes=item["notes"] + " (đã sửa)")
            for item in work:
                if item["fate"] == "xoa":
                    delete_record(x1, ADMIN, item["kind"].key, item["id"])
            package = folder / "X1-2025.xlsx"
            info = export_package(x1, ADMIN, YEAR, package)
            assert info.total == len(work)
            result = apply_package(district, ADMIN, package)
            assert result.ok, result.message
            for kind in KINDS:
                here, there = _all(x1, kind.key), _all(district, kind.key, "X1")
                assert set(there) == set(here), kind.key
                for rid, a in here.items():
                    b = there[rid]
                    for f in kind.fields:
                        assert b.values[f.key] == a.values[f.key], (kind.key, f.key, a.values[f.key],
                                                                    b.values[f.key])
                    assert (b.unit_code, b.revision, b.deleted, b.notes, b.created_by, b.updated_by) == \
                        (a.unit_code, a.revision, a.deleted, a.notes, a.created_by, a.updated_by), kind.key
                    assert b.created_at.replace(microsecond=0) == a.created_at.replace(microsecond=0)
                    assert b.updated_at.replace(microsecond=0) == a.updated_at.replace(microsecond=0)
        finally:
            x1.close()
            district.close()
