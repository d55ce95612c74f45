"""The one definition of an answered and of an overdue petition at a day (SPEC §4), as SQL conditions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_

ANSWERED_STATUSES: tuple[str, ...] = ("giai_trinh", "da_giai_quyet")
FOLLOWED_UP_TYPE = "kien_nghi"  # ý kiến are counted but not followed up by law


def answered_condition(table: Any, as_of: dt.date) -> Any:
    """A petition answered by a day: explained or settled, with no answer date or one on or before that day."""
    return and_(table.c.status.in_(ANSWERED_STATUSES),
                or_(table.c.resolved_date.is_(None), table.c.resolved_date <= as_of))


def overdue_condition(table: Any, as_of: dt.date) -> Any:
    """A kiến nghị overdue at a day: its deadline lies before that day and it was not answered by then."""
    not_answered = or_(table.c.status.not_in(ANSWERED_STATUSES),
                       and_(table.c.resolved_date.is_not(None), table.c.resolved_date > as_of))
    return and_(table.c.type == FOLLOWED_UP_TYPE, table.c.deadline.is_not(None), table.c.deadline < as_of,
                not_answered)
