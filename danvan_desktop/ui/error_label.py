"""The red rule message under a field or a form: light to import, so the sign-in can use it at start-up."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


class ErrorLabel(QLabel):
    """The rule message shown under a field (hidden when there is none)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet("color: #b00020;")
        self.setVisible(False)

    def show_message(self, text: str) -> None:
        """Show a message, or hide the label for ''."""
        self.setText(text)
        self.setVisible(bool(text))
