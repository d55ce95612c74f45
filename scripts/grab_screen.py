"""Save the whole X screen to a PNG (for scripts/xdotool_entry.sh, where no ImageMagick may be installed)."""

import sys

from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
app.primaryScreen().grabWindow(0).save(sys.argv[1])
