"""What every screen shares: the open database, the signed-in account, the background runner, the units."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from danvan_desktop.services.actor import Actor
from danvan_desktop.services.changes import Changes
from danvan_desktop.services.units import UnitInfo
from danvan_desktop.store.database import Database
from danvan_desktop.ui.tasks import TaskRunner


class AppContext(QObject):
    """The session of one signed-in account; screens get it passed in (no globals)."""

    # After every committed write of the window: what it changed (services/changes.py). Screens connect
    # here and refresh only if the Changes concern them.
    changed = Signal(object)
    recordsChanged = Signal(str)  # a kind key whose records changed (derived from `changed`)
    unitsChanged = Signal()  # after the admin changed the unit tree
    # What another PC (or program) changed, seen by ui/watch.py: also broadcast on `changed` like a local write;
    # this one lets a screen that writes on every load (the report composer) tell the two apart.
    changedElsewhere = Signal(object)
    databaseReplaced = Signal(object)  # a restore reopened the file: the new Database (the window is rebuilt)

    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, units: list[UnitInfo],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.runner = runner
        self.units = units
        # The record this session last saved or deleted: what Ctrl+Z undoes (through its history).
        self.undo_target: Any = None
        runner.changed.connect(self._broadcast)

    def _broadcast(self, changes: Changes) -> None:
        self.changed.emit(changes)
        for key in sorted(changes.kinds):
            self.recordsChanged.emit(key)
        if changes.units:
            self.reload_units()

    @property
    def home(self) -> UnitInfo:
        """The office's own unit (first of the depth-first unit list)."""
        return self.units[0]

    def unit_name(self, code: str | None) -> str:
        """A unit's name from its code ('' if unknown)."""
        for u in self.units:
            if u.key == code or u.code == code:
                return u.name
        return ""

    def reload_units(self) -> None:
        """Fetch the unit tree again in the background, then tell the screens."""
        from danvan_desktop.services.units import list_units

        def done(units: list[UnitInfo]) -> None:
            self.units = units
            self.unitsChanged.emit()

        self.runner.run(lambda: list_units(self.db), done, owner=self, label="Đang tải danh sách đơn vị…")
