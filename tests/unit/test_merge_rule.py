"""The merge rule of SPEC §6 for one record, as a table: local copy, incoming copy, sending subtree → outcome."""

from __future__ import annotations

import pytest

from danvan_desktop.domain.merge_rule import MAX_REVISION, Copy, Outcome, canonical_id, decide

SUBTREE = {"xa-A", "thon-A1"}  # the sender (commune A) and its village
A, A1, B, HOME = "xa-A", "thon-A1", "xa-B", "huyen"

ROWS = [
    # local,                    incoming,               decided, replayed, outcome,            reason
    (None,                      Copy(A, 1, "x"),         False, False, Outcome.ADDED,     "new"),
    (Copy(A, 1, "x"),           Copy(A, 2, "y"),         False, False, Outcome.REPLACED,  "newer"),
    (Copy(A, 1, "x"),           Copy(A1, 2, "y"),        False, False, Outcome.REPLACED,  "newer"),  # moved inside
    (Copy(A, 2, "x"),           Copy(A, 2, "x"),         False, False, Outcome.UNCHANGED, "same"),
    (Copy(A, 3, "x"),           Copy(A, 2, "x"),         False, False, Outcome.UNCHANGED, "same"),
    (Copy(A, 2, "x"),           Copy(A, 2, "y"),         False, False, Outcome.CONFLICT,  "same_revision"),
    (Copy(A, 3, "x"),           Copy(A, 2, "y"),         False, False, Outcome.CONFLICT,  "local_newer"),
    (Copy(A, 3, "x"),           Copy(A, 2, "y"),         False, True,  Outcome.UNCHANGED, "replayed_older"),
    (Copy(A, 2, "x"),           Copy(A, 2, "y"),         True,  False, Outcome.UNCHANGED, "decided"),
    # ownership: the local copy belongs to a sibling or to the office itself, whatever the revision says
    (Copy(B, 1, "x"),           Copy(A, 99, "y"),        False, False, Outcome.REFUSED,   "local_outside"),
    (Copy(HOME, 1, "x"),        Copy(A, 99, "y"),        False, False, Outcome.REFUSED,   "local_outside"),
    (Copy(B, 1, "x"),           Copy(A, 1, "x"),         False, False, Outcome.REFUSED,   "local_outside"),
    (None,                      Copy(B, 1, "x"),         False, False, Outcome.REFUSED,   "incoming_outside"),
    (Copy(A, 1, "x"),           Copy(B, 9, "x"),         False, False, Outcome.REFUSED,   "incoming_outside"),
    # bounds
    (None,                      Copy(A, MAX_REVISION + 1, "x"), False, False, Outcome.REFUSED, "revision_bound"),
    (None,                      Copy(A, 2**63, "x"),     False, False, Outcome.REFUSED,   "revision_bound"),
    (None,                      Copy(A, 0, "x"),         False, False, Outcome.REFUSED,   "revision_bound"),
    (None,                      Copy(A, MAX_REVISION, "x"), False, False, Outcome.ADDED,  "new"),
    # a tombstone left by undo gives way to the sender saying the record again
    (Copy(A, 3, "gone", withdrawn=2), Copy(A, 2, "x"),   False, False, Outcome.REPLACED,  "restored"),
    (Copy(A, 3, "gone", withdrawn=2), Copy(A, 3, "y"),   False, False, Outcome.REPLACED,  "restored"),
    (Copy(A, 3, "gone", withdrawn=2), Copy(A, 1, "old"), False, False, Outcome.CONFLICT,  "local_newer"),
]


@pytest.mark.parametrize(("local", "incoming", "decided", "replayed", "outcome", "reason"), ROWS)
def test_one_record_against_the_rule(local, incoming, decided, replayed, outcome, reason):
    d = decide(local, incoming, SUBTREE, decided=decided, replayed=replayed)
    assert (d.outcome, d.reason) == (outcome, reason)
    assert d.reason_text  # every reason has its Vietnamese words


def test_record_ids_compare_in_canonical_lower_case():
    rid = "0F8FAD5B-D9CB-469F-A165-70867728950E"
    assert canonical_id(rid) == rid.lower()
    assert canonical_id(" " + rid.lower() + " ") == rid.lower()
    assert canonical_id("not-a-uuid") is None
    assert canonical_id("0f8fad5bd9cb469fa16570867728950e") is None  # 32 digits: not the canonical form
