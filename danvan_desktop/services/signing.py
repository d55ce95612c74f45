"""Signed packages: each office's Ed25519 key pair, signatures, and the keys pinned per sending unit.

The receiving office pins the key of the office that signed a package (the sending unit, or the ancestor that
exported for it) on first contact, by unit identity; the units below are then held by that key, so a package
for them signed by any other key waits until an admin accepts it (services.merge.accept_new_key). Keys live
in the settings table, so a backup carries them and a restore brings them back.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from danvan_desktop.services.settings import get_setting, put_setting
from danvan_desktop.store.database import Database

PRIVATE_KEY = "signing_private_key"
# {unit identity: {"key": b64, "fingerprint": str, "code": str, "name": str, "pinned_at": iso}}
TRUSTED = "trusted_keys"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def fingerprint(public_b64: str) -> str:
    """A short, readable fingerprint of a public key: 'AB12 CD34 …' (8 groups of 4 hex digits)."""
    digest = hashlib.sha256(base64.b64decode(public_b64)).hexdigest().upper()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def ensure_key(s: Session) -> Ed25519PrivateKey:
    """This office's private key, created the first time (at init, or on first export of an old file)."""
    stored = get_setting(s, PRIVATE_KEY)
    if stored:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored))
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    put_setting(s, PRIVATE_KEY, _b64(raw))
    return key


def public_key_b64(key: Ed25519PrivateKey) -> str:
    """The public half, base64 of its 32 raw bytes."""
    return _b64(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def own_fingerprint(db: Database) -> str:
    """The fingerprint of this office's key (shown in settings so it can be read out by phone)."""
    with db.transaction() as s:
        return fingerprint(public_key_b64(ensure_key(s)))


def sign(s: Session, message: bytes) -> tuple[str, str]:
    """(signature, public key), both base64, for a message; inside the caller's session."""
    key = ensure_key(s)
    return _b64(key.sign(message)), public_key_b64(key)


def verify(public_b64: str, signature_b64: str, message: bytes) -> bool:
    """Whether the signature over the message was made by the key."""
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64)).verify(base64.b64decode(signature_b64),
                                                                                message)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


@dataclass(frozen=True)
class KeyCheck:
    """What the trust store says of a key for a unit: 'new' (no office holds the unit yet), 'pinned' (the key
    that holds it) or 'changed' (another key holds it: holder_uid's, fingerprint pinned_fingerprint)."""

    status: str
    fingerprint: str
    pinned_fingerprint: str = ""
    holder_uid: str = ""


def key_holder(s: Session, up: list[str], public_b64: str) -> KeyCheck:
    """Compare a key with the one holding a unit: the first pinned key on `up` (the unit's identity, then its
    ancestors' below the office, nearest first)."""
    trusted: dict[str, Any] = get_setting(s, TRUSTED, {}) or {}
    fp = fingerprint(public_b64)
    for uid in up:
        entry = trusted.get(uid)
        if entry is None:
            continue
        status = "pinned" if entry["key"] == public_b64 else "changed"
        return KeyCheck(status, fp, entry["fingerprint"], uid)
    return KeyCheck("new", fp)


def pin(s: Session, unit_uid: str, public_b64: str, code: str = "", name: str = "") -> None:
    """Pin the key of the office of a unit (by identity), inside the caller's transaction."""
    trusted: dict[str, Any] = get_setting(s, TRUSTED, {}) or {}
    trusted[unit_uid] = {"key": public_b64, "fingerprint": fingerprint(public_b64), "code": code, "name": name,
                         "pinned_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    put_setting(s, TRUSTED, trusted)


def trusted_keys(db: Database) -> dict[str, dict[str, Any]]:
    """The pinned keys per unit identity (each entry names the unit's code and name)."""
    with db.reader() as s:
        return dict(get_setting(s, TRUSTED, {}) or {})
