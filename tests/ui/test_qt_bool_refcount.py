"""Guard against the PySide6 6.12.0 bug that loses a reference to True/False on every bool signal.

The program aborted at exit ("bool_dealloc: deallocating True or False") after a few hundred clicks.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox


class _Emitter(QObject):
    flag = Signal(bool)


def test_bool_signals_keep_the_reference_count_of_true(qapp):
    e = _Emitter()
    e.flag.connect(lambda _b: None)
    box = QCheckBox()
    box.toggled.connect(lambda _b: None)
    before = sys.getrefcount(True)
    for i in range(50):
        e.flag.emit(True)
        box.setChecked(i % 2 == 0)
    assert abs(sys.getrefcount(True) - before) < 10
