"""Roles and what each may do (SPEC §7); the services enforce this table, the window only mirrors it."""

from __future__ import annotations

from enum import StrEnum

from danvan_desktop.domain.vocab import ROLE


class Action(StrEnum):
    """Things an account may be allowed to do."""

    VIEW = "view"  # see records and figures
    EDIT_OWN = "edit_own"  # enter and edit records of the office's own units
    EDIT_SUBTREE = "edit_subtree"  # edit records of every unit below (merged data)
    IMPORT_TEMPLATE = "import_template"
    EXPORT_PACKAGE = "export_package"
    REPORT = "report"  # produce and print PDF reports
    MERGE = "merge"
    ADMIN = "admin"  # accounts, units, settings
    BACKUP = "backup"
    RESTORE = "restore"
    AUDIT = "audit"  # read the audit log
    RELIGION = "religion"  # see religious-affairs records (sensitive personal data)


ACTION_LABELS: dict[Action, str] = {
    Action.VIEW: "xem dữ liệu",
    Action.EDIT_OWN: "nhập, sửa dữ liệu",
    Action.EDIT_SUBTREE: "sửa dữ liệu của đơn vị cấp dưới",
    Action.IMPORT_TEMPLATE: "nhập dữ liệu từ mẫu Excel",
    Action.EXPORT_PACKAGE: "xuất gói dữ liệu",
    Action.REPORT: "lập, in báo cáo",
    Action.MERGE: "tổng hợp dữ liệu",
    Action.ADMIN: "quản trị tài khoản, đơn vị, cài đặt",
    Action.BACKUP: "sao lưu dữ liệu",
    Action.RESTORE: "khôi phục dữ liệu",
    Action.AUDIT: "xem nhật ký",
    Action.RELIGION: "xem dữ liệu tôn giáo",
}

# The religion right is never part of a role: it is granted per account (SPEC §7), for every role alike.
PERMISSIONS: dict[str, frozenset[Action]] = {
    "admin": frozenset(Action) - {Action.RELIGION},
    "can_bo": frozenset({Action.VIEW, Action.EDIT_OWN, Action.IMPORT_TEMPLATE, Action.EXPORT_PACKAGE,
                         Action.REPORT}),
    "tong_hop": frozenset({Action.VIEW, Action.EDIT_OWN, Action.EDIT_SUBTREE, Action.IMPORT_TEMPLATE,
                           Action.EXPORT_PACKAGE, Action.REPORT, Action.MERGE, Action.BACKUP, Action.AUDIT}),
    "van_thu": frozenset({Action.VIEW, Action.REPORT}),
}


def allowed(role: str, action: Action, *, religion_access: bool = False) -> bool:
    """Whether a role may do an action; religious records need the account's own grant, whatever the role."""
    if action is Action.RELIGION:
        return religion_access and role in PERMISSIONS
    return action in PERMISSIONS.get(role, frozenset())


def denial_message(username: str, role: str, action: Action) -> str:
    """The Vietnamese sentence shown when an account is refused an action."""
    return (f"Tài khoản “{username}” ({ROLE.label(role)}) không có quyền {ACTION_LABELS[action]}.")
