"""A unit's global identity (SPEC §2): (scheme, code) for an official unit, a UUID for every other one.

A local unit's UUID is derived, when it is created, from its parent's identity and its code (UUID version 5):
the code is unique among siblings, so two offices that type in the same village under the same commune give
it the same identity, and a village "01" under one commune can never be taken for "01" under another. The
same derivation names the units of packages written before identities were carried, and the migration of
older databases, so all three agree.
"""

from __future__ import annotations

import uuid

OFFICIAL_SCHEMES = ("2025", "legacy")
_NAMESPACE = uuid.UUID("6f1d2c1e-6a2b-5d0e-9c54-64616e76616e")  # fixed: changing it renames every local unit


def unit_identity(scheme: str, code: str, parent_identity: str | None) -> str:
    """The identity of a unit: "scheme:code" if official, else the UUID derived from its parent and code."""
    if scheme in OFFICIAL_SCHEMES:
        return f"{scheme}:{code}"
    return str(uuid.uuid5(_NAMESPACE, f"{parent_identity or ''}/{code}"))


def is_identity(text: str) -> bool:
    """Whether a text has the form of a unit identity (official "scheme:code" or a UUID)."""
    scheme, sep, code = text.partition(":")
    if sep:
        return scheme in OFFICIAL_SCHEMES and bool(code) and len(text) <= 64
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False
