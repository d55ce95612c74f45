"""Local accounts: creation by an admin, sign-in, roles. Passwords are kept only as Argon2 hashes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.text import clean_text
from danvan_desktop.domain.vocab import ROLE
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.errors import AuthenticationFailed, NotFound, Refused
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import Account

# Argon2id with the library's RFC 9106 "low memory" profile: slow for an attacker, ~0.1 s on an old PC.
_HASHER = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=2)
MIN_PASSWORD = 6
USERNAME_RE = re.compile(r"^[a-z0-9_.\-]{2,64}$")


@dataclass(frozen=True)
class AccountInfo:
    """An account as the admin screen shows it (never the hash)."""

    username: str
    full_name: str
    role: str
    religion_access: bool
    active: bool

    @property
    def role_label(self) -> str:
        """Vietnamese name of the role."""
        return ROLE.label(self.role)


def _info(a: Account) -> AccountInfo:
    return AccountInfo(a.username, a.full_name, a.role, a.religion_access, a.active)


def check_new_account(username: str, password: str, role: str) -> None:
    """Refuse a bad user name, short password or unknown role, in Vietnamese."""
    if not USERNAME_RE.match(username):
        raise Refused(f"Tên đăng nhập “{username}” không hợp lệ: dùng 2–64 chữ thường không dấu, số, "
                      "dấu chấm, gạch dưới hoặc gạch ngang.")
    if len(password) < MIN_PASSWORD:
        raise Refused(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")
    if role not in ROLE.keys:
        raise Refused(f"Vai trò “{role}” không hợp lệ (chọn: {', '.join(ROLE.keys)}).")


def insert_account(s: Session, username: str, password: str, role: str, full_name: str = "",
                   religion_access: bool = False) -> Account:
    """Add an account inside the caller's transaction."""
    username = clean_text(username)
    check_new_account(username, password, role)
    if s.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise Refused(f"Tên đăng nhập “{username}” đã có.")
    a = Account(username=username, full_name=clean_text(full_name), role=role, religion_access=religion_access,
                password_hash=_HASHER.hash(password), active=True)
    s.add(a)
    return a


def add_account(db: Database, actor: Actor, username: str, password: str, role: str, *, full_name: str = "",
                religion_access: bool = False) -> AccountInfo:
    """An admin creates an account."""
    actor.require(Action.ADMIN)
    with db.transaction() as s:
        a = insert_account(s, username, password, role, full_name, religion_access)
        write_audit(s, actor.username, "create", "account", a.username, {"role": role,
                                                                          "religion_access": religion_access})
        return _info(a)


def update_account(db: Database, actor: Actor, username: str, *, role: str | None = None,
                   active: bool | None = None, religion_access: bool | None = None,
                   password: str | None = None, full_name: str | None = None) -> AccountInfo:
    """An admin changes an account's role, status, grant, name or password."""
    actor.require(Action.ADMIN)
    with db.transaction() as s:
        a = s.scalar(select(Account).where(Account.username == username))
        if a is None:
            raise NotFound(f"Không có tài khoản “{username}”.")
        changes: dict[str, object] = {}
        if role is not None and role != a.role:
            check_new_account(a.username, "x" * MIN_PASSWORD, role)
            changes["role"] = [a.role, role]
            a.role = role
        if active is not None and active != a.active:
            if not active and a.username == actor.username:
                raise Refused("Không thể tự khóa tài khoản đang đăng nhập.")
            changes["active"] = [a.active, active]
            a.active = active
        if religion_access is not None and religion_access != a.religion_access:
            changes["religion_access"] = [a.religion_access, religion_access]
            a.religion_access = religion_access
        if full_name is not None:
            a.full_name = clean_text(full_name)
        if password is not None:
            check_new_account(a.username, password, a.role)
            a.password_hash = _HASHER.hash(password)
            changes["password"] = "đổi mật khẩu"
        if a.role != "admin" or not a.active:
            still = s.scalar(select(Account.id).where(Account.role == "admin", Account.active.is_(True),
                                                      Account.id != a.id).limit(1))
            if still is None:
                raise Refused("Phải còn ít nhất một tài khoản quản trị đang hoạt động.")
        write_audit(s, actor.username, "update", "account", a.username, changes)
        return _info(a)


def list_accounts(db: Database, actor: Actor) -> list[AccountInfo]:
    """Every account (admin only)."""
    actor.require(Action.ADMIN)
    with db.reader() as s:
        return [_info(a) for a in s.scalars(select(Account).order_by(Account.username))]


def authenticate(db: Database, username: str, password: str) -> Actor:
    """Sign in: the Actor for a right user name and password, else AuthenticationFailed."""
    with db.reader() as s:
        a = s.scalar(select(Account).where(Account.username == clean_text(username)))
    bad = AuthenticationFailed("Sai tên đăng nhập hoặc mật khẩu.")
    if a is None:
        _HASHER.hash(password)  # same time as a real check, so names cannot be probed
        raise bad
    try:
        _HASHER.verify(a.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise bad from None
    if not a.active:
        raise AuthenticationFailed(f"Tài khoản “{a.username}” đã bị khóa. Hãy liên hệ quản trị viên.")
    return Actor(a.username, a.role, a.full_name, a.religion_access)
