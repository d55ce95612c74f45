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


# Bounds declared here once; validation enforces them for the form, the template and the merge alike.
# Long text: under Excel's 32,767-unit cell limit with room for the "_xHHHH_" escapes packages add, so any
# stored text can always travel upward (a longer note once blocked a district's whole export).
MAX_TEXT = 32_000
# One-line fields (names, places, references): a line of a form, not an essay; 1,000 characters is many
# times the longest official name or document reference and keeps lists and PDF tables printable.
MAX_LINE = 1_000
# Notes (Ghi chú) of the envelope: long text.
MAX_NOTES = MAX_TEXT
# A record's revision: a signed 32-bit integer (PostgreSQL INTEGER, Excel-safe); 2^31 edits never happen.
MAX_REVISION = 2**31 - 1


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
    max_value: int | None = None  # INT fields: the largest believable value (sums stay far from 2^63)
    ref_kind: str | None = None  # for REF fields: the kind it points at
    searchable: bool = False  # part of the folded search text
    hint: str = ""


def text(key: str, label: str, *, required: bool = False, max_len: int | None = None,
         searchable: bool = True, long: bool = False, hint: str = "") -> Field:
    """A text field (searchable by default); one line holds MAX_LINE characters, long text MAX_TEXT."""
    limit = max_len if max_len is not None else (MAX_TEXT if long else MAX_LINE)
    return Field(key, label, FieldType.LONGTEXT if long else FieldType.TEXT, required=required,
                 max_len=limit, searchable=searchable, hint=hint)


def count(key: str, label: str, *, maximum: int) -> Field:
    """A whole number from 0 to maximum (each field says why its maximum is far beyond real use)."""
    return Field(key, label, FieldType.INT, min_value=0, max_value=maximum)


def day(key: str, label: str, *, required: bool = False) -> Field:
    """A calendar date."""
    return Field(key, label, FieldType.DATE, required=required)


def choice(key: str, label: str, vocab: Vocabulary, *, required: bool = True) -> Field:
    """One value of a closed list."""
    return Field(key, label, FieldType.ENUM, required=required, vocab=vocab)


def link(key: str, label: str, ref_kind: str) -> Field:
    """An optional link to a record of another kind (its id, a UUID of 36 characters)."""
    return Field(key, label, FieldType.REF, ref_kind=ref_kind, max_len=36)


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
