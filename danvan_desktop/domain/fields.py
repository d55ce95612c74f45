"""Field declarations: each field's key, Vietnamese label, type and rules, declared once (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from danvan_desktop.domain.vocab import Vocabulary


class FieldType(StrEnum):
    """How a field's value is typed, stored and edited."""

    TEXT = "text"  # one line
    LONGTEXT = "longtext"  # several lines
    INT = "int"
    DATE = "date"
    ENUM = "enum"
    BOOL = "bool"
    REF = "ref"  # id of another record (a petition's meeting, a check's site)
    UNITS = "units"  # a list of unit codes


# Excel's cell limit; longer text would be cut silently on export (PLATFORM-NOTES).
MAX_TEXT = 32_000


@dataclass(frozen=True)
class Field:
    """One field of a record kind."""

    key: str
    label: str
    type: FieldType
    required: bool = False
    vocab: Vocabulary | None = None
    max_len: int = MAX_TEXT
    min_value: int | None = None
    ref_kind: str | None = None  # for REF fields: the kind it points at
    searchable: bool = False  # part of the folded search text
    hint: str = ""


def text(key: str, label: str, *, required: bool = False, max_len: int = MAX_TEXT,
         searchable: bool = True, long: bool = False, hint: str = "") -> Field:
    """A text field (searchable by default)."""
    return Field(key, label, FieldType.LONGTEXT if long else FieldType.TEXT, required=required,
                 max_len=max_len, searchable=searchable, hint=hint)


def count(key: str, label: str) -> Field:
    """A whole number ≥ 0."""
    return Field(key, label, FieldType.INT, min_value=0)


def day(key: str, label: str, *, required: bool = False) -> Field:
    """A calendar date."""
    return Field(key, label, FieldType.DATE, required=required)


def choice(key: str, label: str, vocab: Vocabulary, *, required: bool = True) -> Field:
    """One value of a closed list."""
    return Field(key, label, FieldType.ENUM, required=required, vocab=vocab)


def link(key: str, label: str, ref_kind: str) -> Field:
    """An optional link to a record of another kind."""
    return Field(key, label, FieldType.REF, ref_kind=ref_kind)


@dataclass(frozen=True)
class Rule:
    """A rule tying two fields together; its message is built from the fields' labels."""

    kind: str  # "le" (a ≤ b), "date_not_before" (a ≥ b), "required_when" (a needed if b == value),
    #            "required_if_set" (a needed if b is set)
    a: str
    b: str
    value: str | None = None


@dataclass(frozen=True)
class RecordKind:
    """A kind of record: its fields, rules, event date and labels."""

    key: str
    label: str  # singular, e.g. "Hội nghị"
    plural: str  # list title, e.g. "Hội nghị, tiếp xúc, đối thoại"
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    event_field: str | None = None  # date that places a record in a period; None for registries
    title_field: str = ""  # the field naming a record in lists and messages
    sensitive: bool = False  # religious affairs: visible to allowed roles only
    registry: bool = False  # exported whole, whatever the period

    def field(self, key: str) -> Field:
        """The field with this key (KeyError if none)."""
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        """The field keys in form order."""
        return tuple(f.key for f in self.fields)
