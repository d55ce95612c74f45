"""Failed sign-ins (SPEC §7, issue 11), as the attack: someone guesses an account's password by hand.

Every failure is in the audit log; after five in a row the name must wait 30 s, doubling up to 15 minutes,
and while it waits even the right password is refused (so guessing faster gains nothing). The clock is the
service's own, moved forward by the test: no test waits.
"""

from __future__ import annotations

import datetime as dt

import pytest

import danvan_desktop.services.accounts as accounts
from danvan_desktop.services.accounts import FREE_TRIES, authenticate, wait_seconds
from danvan_desktop.services.errors import AuthenticationFailed
from danvan_desktop.services.history import list_audit
from tests.conftest import ADMIN, PASSWORD


@pytest.fixture
def clock(monkeypatch):
    """The sign-in clock, movable: now[0] is added to the real time."""
    shift = [dt.timedelta(0)]
    real = accounts._now
    monkeypatch.setattr(accounts, "_now", lambda: real() + shift[0])
    return shift


def _guess(db, name="admin", password="doan-mo"):
    with pytest.raises(AuthenticationFailed) as e:
        authenticate(db, name, password)
    return str(e.value)


def test_every_failed_sign_in_is_logged_with_the_name_tried(commune):
    _guess(commune)
    _guess(commune, "khong-co-ai")
    rows = [r for r in list_audit(commune, ADMIN, kind="account") if r.action == "sign_in_failed"]
    assert [(r.username, r.detail["reason"]) for r in rows] == [("khong-co-ai", "unknown_user"),
                                                                ("admin", "wrong_password")]


def test_guessing_is_slowed_after_five_failures_and_the_right_password_waits_too(commune, clock):
    for _ in range(FREE_TRIES - 1):
        assert _guess(commune) == "Sai tên đăng nhập hoặc mật khẩu."
    assert "hãy đợi 30 giây" in _guess(commune)  # the fifth
    message = _guess(commune, password=PASSWORD)  # right password, still waiting: not even checked
    assert "Đã nhập sai mật khẩu 5 lần liên tiếp" in message and "giây" in message
    clock[0] = dt.timedelta(seconds=31)
    assert "hãy đợi 60 giây" in _guess(commune)  # the sixth failure doubles the wait
    clock[0] = dt.timedelta(seconds=31 + 61)
    assert authenticate(commune, "admin", PASSWORD).username == "admin"
    assert _guess(commune) == "Sai tên đăng nhập hoặc mật khẩu."  # a success starts the count again


def test_an_unknown_name_is_slowed_with_the_same_words(commune):
    for _ in range(FREE_TRIES - 1):
        _guess(commune, "ke-la")
    assert "hãy đợi 30 giây" in _guess(commune, "ke-la")


def test_the_wait_doubles_up_to_fifteen_minutes():
    assert [wait_seconds(n) for n in (0, 4, 5, 6, 7, 20)] == [0, 0, 30, 60, 120, 900]
