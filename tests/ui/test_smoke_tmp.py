from danvan_desktop.ui.main_window import MainWindow
from tests.ui.helpers import wait_idle


def test_window_opens(qtbot, ctx):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    wait_idle(qtbot, ctx)
    for key in list(w.pages):
        w.show_page(key)
        wait_idle(qtbot, ctx)
    assert w.windowTitle() == "Dân vận – Xã Bản Bo"
