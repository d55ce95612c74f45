"""What a write changed, so each open screen decides whether to refresh (ARCHITECTURE.md, "one lane").

Every write service returns a Changes (alone, or beside its result); the window broadcasts it once the
write has committed, and a screen refreshes only when the change concerns it — never from a timer.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Changes:
    """The parts of the database one committed write touched."""

    kinds: frozenset[str] = field(default_factory=frozenset)  # record kinds with added/changed/deleted rows
    record_ids: frozenset[str] = field(default_factory=frozenset)
    units: bool = False
    accounts: bool = False
    settings: bool = False
    imports: bool = False  # import ledger, conflicts, pinned keys
    reports: bool = False  # composed or issued reports
    audit: bool = True  # nearly every write leaves an audit entry

    @property
    def figures(self) -> bool:
        """True when indicator figures may differ (records, units or imports changed)."""
        return bool(self.kinds) or self.units or self.imports

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            kinds=self.kinds | other.kinds,
            record_ids=self.record_ids | other.record_ids,
            units=self.units or other.units,
            accounts=self.accounts or other.accounts,
            settings=self.settings or other.settings,
            imports=self.imports or other.imports,
            reports=self.reports or other.reports,
            audit=self.audit or other.audit,
        )

    @classmethod
    def records(cls, kind: str, *ids: str) -> Changes:
        """Rows of one record kind changed."""
        return cls(kinds=frozenset({kind}), record_ids=frozenset(ids))

    @classmethod
    def everything(cls) -> Changes:
        """The whole database was replaced (a restore): every record kind and every other part."""
        from danvan_desktop.domain.kinds import KINDS

        return cls(kinds=frozenset(k.key for k in KINDS), units=True, accounts=True, settings=True, imports=True,
                   reports=True)


NOTHING = Changes(audit=False)
