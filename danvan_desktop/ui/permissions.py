"""What the signed-in account may do in the window, mirrored from the services' rules so that actions it
cannot take are shown disabled with the reason, and unit choices hold only the units it may edit."""

from __future__ import annotations

from typing import Any

from danvan_desktop.domain.roles import Action, denial_message
from danvan_desktop.domain.vocab import ROLE
from danvan_desktop.services.records import Record


def can_edit(actor: Any) -> bool:
    """Whether the account may enter and change records at all."""
    return bool(actor.can(Action.EDIT_OWN) or actor.can(Action.EDIT_SUBTREE))


def edit_denial(actor: Any) -> str:
    """Why an account may not enter records at all ('' when it may)."""
    if can_edit(actor):
        return ""
    return denial_message(actor.username, actor.role, Action.EDIT_OWN)


def may_edit_unit(ctx: Any, unit_code: str) -> bool:
    """Whether the account may enter records for this unit (the rule of services.records._check_edit)."""
    actor = ctx.actor
    if actor.can(Action.EDIT_SUBTREE):
        return True
    if not actor.can(Action.EDIT_OWN):
        return False
    home = ctx.home
    unit = next((u for u in ctx.units if u.key == unit_code), None)
    return unit_code == home.code or (unit is not None and unit.level == "thon" and unit.parent_code == home.code)


def editable_units(ctx: Any) -> list[Any]:
    """The units the account may pick in a form: all of them, or its own office and villages."""
    return [u for u in ctx.units if may_edit_unit(ctx, u.key)]


def edit_refusal(ctx: Any, rec: Record) -> str | None:
    """Why the account may not change this record, or None (the rule of services.records._check_edit).

    Without EDIT_SUBTREE an account changes only the home unit's and its villages' records; at a district
    the records a commune sent up are read-only for it.
    """
    actor = ctx.actor
    if not actor.can(Action.EDIT_OWN) and not actor.can(Action.EDIT_SUBTREE):
        return None  # all or nothing: can_edit() already answers
    home = ctx.home
    if may_edit_unit(ctx, rec.unit_code):
        return None
    return (f"Tài khoản “{actor.username}” ({ROLE.label(actor.role)}) chỉ được nhập, sửa dữ liệu của “{home.name}” "
            f"và các thôn, bản trực thuộc; dữ liệu của “{rec.unit_name}” do đơn vị đó gửi lên.")
