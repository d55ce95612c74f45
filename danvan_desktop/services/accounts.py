"""Local accounts: creation by an admin, sign-in, roles. Passwords are kept only as Argon2 hashes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.text import clean_text
from danvan_desktop.domain.vocab import ROLE
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.changes import NOTHING, Changes
from danvan_desktop.services.errors import AuthenticationFailed, NotFound, Refused
from danvan_desktop.services.fits import check_fits
from danvan_desktop.store.database import Database
from danvan_desktop.store.errors import DatabaseUnavailable
from danvan_desktop.store.schema import Account, AuditEntry, utcnow

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
    changes: Changes = field(default=NOTHING, compare=False, repr=False)  # set by the write that returned it

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
    check_fits(clean_text(full_name), Account.__table__.c.full_name, "Họ tên")
    if s.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise Refused(f"Tên đăng nhập “{username}” đã có.")
    a = Account(username=username, full_name=clean_text(full_name), role=role, religion_access=religion_access,
                password_hash=_HASHER.hash(password), active=True)
    s.add(a)
    return a


def add_account(db: Database, actor: Actor, username: str, password: str, role: str, *, full_name: str = "",
                religion_access: bool = False) -> AccountInfo:
    """An admin creates an account; the result's `changes` says accounts changed."""
    actor.require(Action.ADMIN)
    with db.transaction() as s:
        a = insert_account(s, username, password, role, full_name, religion_access)
        write_audit(s, actor.username, "create", "account", a.username, {"role": role,
                                                                          "religion_access": religion_access})
        return replace(_info(a), changes=Changes(accounts=True))


def update_account(db: Database, actor: Actor, username: str, *, role: str | None = None,
                   active: bool | None = None, religion_access: bool | None = None,
                   password: str | None = None, full_name: str | None = None) -> AccountInfo:
    """An admin changes an account's role, status, grant, name or password; `changes` of the result says what."""
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
        if full_name is not None and clean_text(full_name) != a.full_name:
            check_fits(clean_text(full_name), Account.__table__.c.full_name, "Họ tên")
            changes["full_name"] = [a.full_name, clean_text(full_name)]
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
        return replace(_info(a), changes=Changes(accounts=bool(changes)))


def list_accounts(db: Database, actor: Actor) -> list[AccountInfo]:
    """Every account (admin only)."""
    actor.require(Action.ADMIN)
    with db.reader() as s:
        return [_info(a) for a in s.scalars(select(Account).order_by(Account.username))]


# Failed sign-ins (SPEC §7): every one is logged; after FREE_TRIES failures in a row for one user name, the
# next try must wait FIRST_WAIT seconds, doubling with each further failure up to MAX_WAIT. Five free tries
# forgive the usual typing slips (Telex left on, Caps Lock); 30 s → 15 min makes guessing a six-character
# password by hand hopeless. The wait is a refusal with the time left, never a sleep: the window must not freeze.
FREE_TRIES = 5
FIRST_WAIT = 30
MAX_WAIT = 15 * 60
_SIGN_IN, _SIGN_IN_FAILED = "sign_in", "sign_in_failed"


def _now() -> dt.datetime:
    """The clock sign-in waits are measured with (UTC, like the audit log)."""
    return utcnow()


def _failures(db: Database, username: str) -> tuple[int, dt.datetime | None]:
    """Failed sign-ins in a row for a user name (since its last success) and when the last one happened."""
    with db.reader() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.at)
                         .where(AuditEntry.username == username, AuditEntry.action.in_((_SIGN_IN, _SIGN_IN_FAILED)))
                         .order_by(AuditEntry.id.desc()).limit(FREE_TRIES + 16)).all()
    n = 0
    for action, _at in rows:
        if action != _SIGN_IN_FAILED:
            break
        n += 1
    return n, (rows[0][1] if n else None)


def wait_seconds(failures: int) -> int:
    """How long a user name must wait after this many failed sign-ins in a row (0: may try now)."""
    if failures < FREE_TRIES:
        return 0
    return min(MAX_WAIT, FIRST_WAIT * 2 ** (failures - FREE_TRIES))


def _log_sign_in(db: Database, username: str, action: str, detail: dict[str, object]) -> None:
    try:
        with db.transaction() as s:
            write_audit(s, username, action, "account", username, detail)
    except DatabaseUnavailable:
        pass  # a read-only or busy file must not decide whether someone can sign in


def authenticate(db: Database, username: str, password: str) -> Actor:
    """Sign in: the Actor for a right user name and password, else AuthenticationFailed (logged, slowed)."""
    name = clean_text(username)[:64]
    failures, last = _failures(db, name)
    wait = wait_seconds(failures)
    if wait and last is not None:
        left = int((last + dt.timedelta(seconds=wait) - _now()).total_seconds()) + 1
        if left > 0:
            # The password is not even checked while waiting, so guessing gains nothing from trying faster.
            raise AuthenticationFailed(f"Đã nhập sai mật khẩu {failures} lần liên tiếp cho tài khoản “{name}”. "
                                       f"Hãy đợi {left} giây rồi thử lại.")
    with db.reader() as s:
        a = s.scalar(select(Account).where(Account.username == name))

    def bad(reason: str) -> AuthenticationFailed:
        # The same words for an unknown name and a wrong password, so names cannot be probed.
        _log_sign_in(db, name, _SIGN_IN_FAILED, {"reason": reason, "in_a_row": failures + 1})
        then = wait_seconds(failures + 1)
        return AuthenticationFailed("Sai tên đăng nhập hoặc mật khẩu." + (
            f" Đã sai {failures + 1} lần liên tiếp: hãy đợi {then} giây rồi thử lại." if then else ""))

    if a is None:
        _HASHER.hash(password)  # same time as a real check
        raise bad("unknown_user")
    try:
        _HASHER.verify(a.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise bad("wrong_password") from None
    if not a.active:
        _log_sign_in(db, name, _SIGN_IN_FAILED, {"reason": "inactive", "in_a_row": failures + 1})
        raise AuthenticationFailed(f"Tài khoản “{a.username}” đã bị khóa. Hãy liên hệ quản trị viên.")
    _log_sign_in(db, name, _SIGN_IN, {})
    return Actor(a.username, a.role, a.full_name, a.religion_access)
