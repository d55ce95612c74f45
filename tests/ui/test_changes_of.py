"""The writer lane reads what a service's result says it changed (ui/tasks.changes_of), in every shape the
services return it: a Changes, a `.changes`, a pair, a list of merge results."""

from __future__ import annotations

from pathlib import Path

from danvan_desktop.services.changes import NOTHING, Changes
from danvan_desktop.services.merge import ImportResult
from danvan_desktop.ui.tasks import changes_of


def test_the_lane_reads_each_shape_of_result():
    a, b = Changes.records("meeting", "m1"), Changes(units=True, imports=True)
    merged = [ImportResult(Path("a.xlsx"), "h", True, changes=a), ImportResult(Path("b.xlsx"), "h", True, changes=b),
              ImportResult(Path("c.xlsx"), "h", False)]  # a refused package changed nothing
    assert changes_of(merged) == a | b
    assert changes_of(("fingerprint", b)) == b
    assert changes_of(a) == a
    assert changes_of(42) is None and changes_of([]) is None and changes_of(None) is None
    assert changes_of(ImportResult(Path("c.xlsx"), "h", False)) == NOTHING


def test_a_result_that_says_what_it_changed_is_believed_before_what_it_holds():
    from danvan_desktop.services.backup import BackupInfo, Restored

    safety = BackupInfo(Path("s.db"), __import__("datetime").datetime(2025, 1, 1), "truoc-khoi-phuc", 1)
    restored = Restored(object(), safety)  # type: ignore[arg-type]
    assert changes_of(restored) == Changes.everything()  # not the safety copy's NOTHING
