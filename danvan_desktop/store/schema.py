"""SQLAlchemy 2.0 tables: units, accounts, settings, audit and import logs (ORM), record tables (Core).

Record tables are built from the field declarations in domain/kinds.py so each field is declared once;
they are Core tables because services read and write them in bulk (lists, export, merge) and hand out
frozen dataclasses, never ORM objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from danvan_desktop.domain.fields import FieldType, RecordKind
from danvan_desktop.domain.kinds import KINDS
from danvan_desktop.store.postgres import sort_key_in, sort_key_out

# The schema version packages carry; equals the number of the newest Alembic revision (db/versions).
SCHEMA_VERSION = 8
HEAD_REVISION = f"{SCHEMA_VERSION:04d}"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Now in UTC, naive (SQLite keeps no zone; every stored time is UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base sharing one MetaData with the record tables."""

    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """An organisation unit: province, district, commune or village, in a tree of any depth."""

    __tablename__ = "unit"
    # A code need only be unique among siblings (SPEC §2); the identity is global.
    __table_args__ = (UniqueConstraint("parent_id", "code", name="uq_unit_parent_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    # Global identity (domain/unit_identity.py): "scheme:code" for official units, a UUID for the others.
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(8))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # "2025": official code after the 1 July 2025 reform; "legacy": official code before it;
    # "local": a code the office chose. Official codes were reused, so the scheme is part of identity.
    scheme: Mapped[str] = mapped_column(String(8), default="local")
    # Materialised path "/1/5/23/" so a subtree is one indexed LIKE.
    path: Mapped[str] = mapped_column(String(400), index=True, default="")
    name_folded: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Account(Base):
    """A local account with one role; the password is kept only as an Argon2 hash."""

    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    religion_access: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Setting(Base):
    """A key/value setting of the office (home unit, report header, backup folder…), JSON text."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """One line of the append-only audit log; each entry's hash chains it to the one before."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32), default="")
    record_id: Mapped[str] = mapped_column(String(36), default="", index=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON: before/after values, counts…
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")
    # Digest of the record seals this entry's transaction set (services/seals.py); part of the entry's hash.
    seal: Mapped[str] = mapped_column(String(64), default="", server_default="")


class ImportLog(Base):
    """One imported file (template or package): what, from whom, when, with what result."""

    __tablename__ = "import_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # "template" or "package"
    file_name: Mapped[str] = mapped_column(String(400))
    file_hash: Mapped[str] = mapped_column(String(64), index=True)
    unit_code: Mapped[str] = mapped_column(String(32), default="", index=True)
    unit_uid: Mapped[str] = mapped_column(String(64), default="", index=True)  # the sender's identity
    period: Mapped[str] = mapped_column(String(32), default="")
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON


class SortKey(TypeDecorator[str]):
    """domain.text.sort_string as stored: as it is on SQLite; on PostgreSQL escaped (its text holds no NUL) in
    a column of binary order (COLLATE "C"), so the stored form sorts as the original does."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Binary order on a server, whatever the database's own collation."""
        return Text(collation="C") if dialect.name == "postgresql" else Text()

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """The stored form of a sort string."""
        return sort_key_out(value) if value is not None and dialect.name == "postgresql" else value

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """The sort string of a stored form."""
        return sort_key_in(value) if value is not None and dialect.name == "postgresql" else value


_COLUMN_TYPES: dict[FieldType, Callable[[], Any]] = {
    FieldType.TEXT: Text,
    FieldType.LONGTEXT: Text,
    FieldType.INT: Integer,
    FieldType.DATE: Date,
    FieldType.ENUM: lambda: String(32),
    FieldType.BOOL: Boolean,
    FieldType.REF: lambda: String(36),
    FieldType.UNITS: Text,  # codes joined by ";"
}


def _record_table(kind: RecordKind) -> Table:
    cols: list[Column] = [
        Column("id", String(36), primary_key=True),
        Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False, index=True),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("created_by", String(64), nullable=False, default=""),
        Column("updated_by", String(64), nullable=False, default=""),
        Column("revision", Integer, nullable=False, default=1),
        Column("deleted", Boolean, nullable=False, default=False),
        Column("notes", Text, nullable=False, default=""),
        Column("search_text", Text, nullable=False, default=""),  # folded, for diacritic-free search
        # domain.text.sort_string of the title: plain binary order is Vietnamese order, so it can be indexed.
        Column("sort_key", SortKey(), nullable=False, default="", server_default=""),
        # SHA-256 of the row as the program last wrote it (services/seals.py); NULL until sealed at commit.
        Column("row_hash", String(64), nullable=True),
        # When this office stored this version from a package (or withdrew it by undo): a change that
        # arrives after a period was sent upward travels with the next package (exchange/package.py).
        Column("stored_at", DateTime, nullable=True),
    ]
    for f in kind.fields:
        cols.append(Column(f.key, _COLUMN_TYPES[f.type](), nullable=True, index=f.type is FieldType.REF))
    t = Table(kind.key, Base.metadata, *cols)
    Index(f"ix_{kind.key}_live_sort_key", t.c.deleted, t.c.sort_key)
    # Only the rows waiting for their seal: tiny, so sealing at each commit never scans the table.
    Index(f"ix_{kind.key}_unsealed", t.c.id, sqlite_where=t.c.row_hash.is_(None),
          postgresql_where=t.c.row_hash.is_(None))
    if kind.event_field:
        Index(f"ix_{kind.key}_live_{kind.event_field}", t.c.deleted, t.c[kind.event_field])
        Index(f"ix_{kind.key}_unit_{kind.event_field}", t.c.unit_id, t.c.deleted, t.c[kind.event_field])
    if kind.key == "petition":
        Index("ix_petition_live_deadline_status", t.c.deleted, t.c.deadline, t.c.status)
        # Every column of the overdue condition (services/overdue.py), deadline first in its order: the count
        # and the oldest overdue read this index alone.
        Index("ix_petition_live_overdue", t.c.deleted, t.c.type, t.c.deadline, t.c.status, t.c.resolved_date,
              t.c.unit_id)
    return t


RECORD_TABLES: dict[str, Table] = {k.key: _record_table(k) for k in KINDS}
metadata = Base.metadata


# ---- kept figures (issue 14): live records counted per unit, month and the values SPEC §4 groups by ---------


@dataclass(frozen=True)
class Tally:
    """A kept count table: the live records of one kind per unit, month of a date, and a few values.

    Every unit on the record's unit path gets the row (a record of a village also counts for its commune,
    district and province), so any unit's figures are read from its own rows. `only` (SQL over the record's
    columns, `{r}` standing for the row) narrows which records count; `watch` names the columns it reads.
    """

    table: str
    kind: str
    date: str
    dims: tuple[str, ...]
    sums: tuple[str, ...] = ()
    only: str = ""
    watch: tuple[str, ...] = ()


_ANSWERED_SQL = "('giai_trinh', 'da_giai_quyet')"  # services/overdue.py ANSWERED_STATUSES, as SQL
TALLIES: tuple[Tally, ...] = (
    Tally("fig_meeting", "meeting", "date", ("kind", "organizer"), ("participants", "women", "ethnic_minority")),
    Tally("fig_petition", "petition", "received_date", ("type", "status", "field")),
    # Kiến nghị not answered, by deadline month: the slow-moving part of the overdue stock (SPEC §4).
    Tally("fig_petition_open", "petition", "deadline", (),
          only=f"{{r}}.type = 'kien_nghi' AND {{r}}.status NOT IN {_ANSWERED_SQL}", watch=("type", "status")),
    Tally("fig_monitoring", "monitoring", "start_date", ("kind", "follow_up", "lead_body")),
    Tally("fig_religious_check", "religious_check", "date", ("result", "checking_body")),
    Tally("fig_model", "model", "registered_date", ("registrant_kind", "field", "status")),
    Tally("fig_model_award", "model", "award_date", ("registrant_kind",),
          only="{r}.award IS NOT NULL AND {r}.award <> ''", watch=("award",)),
)
TALLY_BY_TABLE: dict[str, Tally] = {t.table: t for t in TALLIES}


def _tally_table(t: Tally) -> Table:
    cols: list[Column] = [Column("unit_id", Integer, primary_key=True), Column("month", String(7), primary_key=True)]
    cols += [Column(d, String(32), primary_key=True) for d in t.dims]  # '' where the record has no value
    cols += [Column("n", Integer, nullable=False)] + [Column(c, Integer, nullable=False) for c in t.sums]
    return Table(t.table, Base.metadata, *cols, sqlite_with_rowid=False)


TALLY_TABLES: dict[str, Table] = {t.table: _tally_table(t) for t in TALLIES}

# Indexes of the queries that stay on the records (issue 14): the stock of answers given after a day, the
# edges of a period that cut a month, the award dates, the religious-site registry.
Index("ix_petition_live_resolved", RECORD_TABLES["petition"].c.deleted, RECORD_TABLES["petition"].c.resolved_date,
      RECORD_TABLES["petition"].c.status, RECORD_TABLES["petition"].c.type, RECORD_TABLES["petition"].c.received_date,
      RECORD_TABLES["petition"].c.deadline, RECORD_TABLES["petition"].c.unit_id)
Index("ix_model_live_award_date", RECORD_TABLES["model"].c.deleted, RECORD_TABLES["model"].c.award_date)
Index("ix_religious_site_live_registry", RECORD_TABLES["religious_site"].c.deleted,
      RECORD_TABLES["religious_site"].c.unit_id, RECORD_TABLES["religious_site"].c.registration,
      RECORD_TABLES["religious_site"].c.followers)


# ---- merging packages (SPEC §6): the ledger's package details, what undo needs, conflicts -------------------


class PackageImport(Base):
    """A package applied by a merge: details beside its import_log line, and whether it was undone."""

    __tablename__ = "package_import"
    id: Mapped[int] = mapped_column(ForeignKey("import_log.id"), primary_key=True)  # the ledger line's id
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    exported_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    exported_by: Mapped[str] = mapped_column(String(64), default="")
    checksum: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="applied", index=True)  # "applied" or "undone"
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    undone_by: Mapped[str] = mapped_column(String(64), default="")


class ImportAdded(Base):
    """The records one import added, per kind (JSON [[id, revision], …]), so undo can take them out again."""

    __tablename__ = "import_added"
    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_log.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    records: Mapped[str] = mapped_column(Text, default="[]")


class ImportReplaced(Base):
    """A record as it stood before an import replaced it (JSON of its envelope and values), for undo."""

    __tablename__ = "import_replaced"
    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_log.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    revision_after: Mapped[int] = mapped_column(Integer)
    before: Mapped[str] = mapped_column(Text)


class MergeConflict(Base):
    """A record that differs between this office and an incoming package: the local copy stays until decided."""

    __tablename__ = "merge_conflict"
    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_log.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    unit_code: Mapped[str] = mapped_column(String(32), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(16))  # "same_revision" or "local_newer"
    local_revision: Mapped[int] = mapped_column(Integer)
    incoming_revision: Mapped[int] = mapped_column(Integer)
    incoming_hash: Mapped[str] = mapped_column(String(64))
    incoming: Mapped[str] = mapped_column(Text)  # JSON: the incoming record, envelope and values
    fields: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[key, local, incoming], …] as shown
    # "open", "keep_local", "take_incoming", "superseded" (a newer version arrived), "undone" (import undone)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str] = mapped_column(String(64), default="")


# ---- composed reports (SPEC §5.1): drafts per unit and period, their sections, issued copies ---------------


class ReportDraft(Base):
    """The report of one unit for one period as the clerk writes it: header fields (JSON) and a revision."""

    __tablename__ = "report"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    period: Mapped[str] = mapped_column(String(32))
    fields: Mapped[str] = mapped_column(Text, default="{}")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    __table_args__ = (Index("ux_report_unit_period", "unit_id", "period", unique=True),)


class ReportSection(Base):
    """One section of a draft: generated text (and whether the clerk edited it), the figures it states, own text."""

    __tablename__ = "report_section"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    key: Mapped[str] = mapped_column(String(48))
    position: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[int] = mapped_column(Integer, default=1)
    writable: Mapped[bool] = mapped_column(Boolean, default=True)
    actor: Mapped[str] = mapped_column(String(32), default="")
    generated: Mapped[str] = mapped_column(Text, default="")
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    figures: Mapped[str] = mapped_column(Text, default="{}")  # JSON {indicator key: value stated}
    own: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (Index("ux_report_section_key", "report_id", "key", unique=True),)


class ReportIssue(Base):
    """An issued copy, fixed: the whole document as it was (JSON), who issued it, when, in which file."""

    __tablename__ = "report_issue"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    issue_no: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(64), default="")
    format: Mapped[str] = mapped_column(String(8), default="")
    file_name: Mapped[str] = mapped_column(String(400), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    document: Mapped[str] = mapped_column(Text)


class ReportChildText(Base):
    """A unit below's report text for a period, section by section, as its package delivered it."""

    __tablename__ = "report_child_text"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    period: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(48))
    heading: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    import_id: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (Index("ux_report_child_text", "unit_id", "period", "key", unique=True),)


class ImportDelivered(Base):
    """Every record one import delivered (added, replaced or unchanged), per kind (JSON [[id, revision], …]).

    Undo must not withdraw a record that another still-applied import also delivered.
    """

    __tablename__ = "import_delivered"
    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_log.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    records: Mapped[str] = mapped_column(Text, default="[]")


class Withdrawn(Base):
    """A tombstone left by undoing an import: the record's revision it withdrew.

    It travels upward like any tombstone, and gives way when the sender delivers that revision (or a later
    one) again (domain/merge_rule.py).
    """

    __tablename__ = "withdrawn"
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
