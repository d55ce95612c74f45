"""Text that must fit its column: PostgreSQL enforces a String(n) column's length (SQLite would store more), so
the services refuse an over-long name in Vietnamese before either store sees it."""

from __future__ import annotations

from typing import Any

from danvan_desktop.domain.vnformat import fmt_int
from danvan_desktop.services.errors import Refused


def check_fits(value: str, column: Any, what: str) -> None:
    """Refused, naming what and its length, when value is longer than the column holds."""
    limit = getattr(getattr(column, "type", None), "length", None)
    if limit and len(value) > limit:
        shown = value if len(value) <= 60 else value[:60] + "…"
        raise Refused(f"{what} “{shown}” dài {fmt_int(len(value))} ký tự, quá giới hạn {fmt_int(limit)} ký tự. "
                      "Hãy viết ngắn lại.")
