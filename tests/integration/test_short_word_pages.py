"""A common word of one or two letters ("a", "ha": in most rows) pages by walking the list's order and testing
each row's text; a rare one gathers its rows from the index of short pieces (issue 14). Either way the page
and the total are those of the plain texts, deleted records left out (or counted when asked for)."""

from __future__ import annotations

import random

from sqlalchemy import text

from danvan_desktop.domain.kinds import kind
from danvan_desktop.domain.text import fold, matches
from danvan_desktop.services import records as R
from danvan_desktop.services.records import RecordQuery, add_record, delete_record, list_records
from tests import stores
from tests.conftest import ADMIN

PAGE = 5


def _fill(db, n: int = 60) -> None:
    rng = random.Random(7)
    # "a" sits in every text (every "Bà", "hạ"…), "xe" in about one in six: common and rare pieces.
    words = ["Bà con", "hạ tầng", "Đường làng", "ủy ban", "nước sạch", "lúa", "đất đai", "Xe chở"]
    for i in range(n):
        text = " ".join(rng.sample(words[:-1], 2) + (["Xe chở"] if i % 6 == 0 else []))
        add_record(db, ADMIN, "petition", {"type": "kien_nghi", "content": text, "field": "ha_tang", "status": "moi",
                                           "received_date": f"{1 + i % 28:02d}/{1 + i % 12:02d}/2024"}, unit="X1")


def _live_texts(db, deleted: bool = False) -> dict[str, str]:
    with db.reader() as s:
        return {r[0]: r[1] for r in s.execute(text(
            "SELECT id, search_text FROM petition" + ("" if deleted else " WHERE deleted = false")))}


def _plan(db, q: RecordQuery) -> tuple[bool, int | None]:
    with db.reader() as s:
        return R._common_short_words(s, kind("petition"), q)


def test_common_and_rare_short_words_page_like_the_plain_texts(district):
    _fill(district)
    for gone in list_records(district, ADMIN, "petition", RecordQuery(search="xe cho", limit=2)).rows:
        delete_record(district, ADMIN, "petition", gone.id)  # deleted rows hold both "a" and "xe"
    live = _live_texts(district)
    for word, walks in (("a", True), ("A", True), ("xe", False), ("a xe", False), ("ba", None)):
        q = RecordQuery(search=word, limit=PAGE)
        walk, total = _plan(district, q)
        if walks is not None and not stores.on_server():  # the walk is SQLite's plan; a server's GIN gathers
            assert walk is walks, word  # the test reaches both plans
        page = list_records(district, ADMIN, "petition", q)
        every = list_records(district, ADMIN, "petition", RecordQuery(search=word, limit=None))
        expected = {rid for rid, text in live.items() if matches(fold(word), text)}
        assert page.total == len(expected) == len(every.rows), word
        assert {r.id for r in every.rows} == expected, word
        assert [r.id for r in page.rows] == [r.id for r in every.rows][:PAGE], word  # same order, same page
        if walk:
            assert total == page.total


def test_common_short_word_counts_deleted_records_only_when_asked(district):
    _fill(district)
    gone = list_records(district, ADMIN, "petition", RecordQuery(search="lua", limit=3)).rows
    for r in gone:
        delete_record(district, ADMIN, "petition", r.id)
    everything = _live_texts(district, deleted=True)
    q = RecordQuery(search="a", limit=PAGE, include_deleted=True)
    assert _plan(district, q)[0] is not stores.on_server()
    page = list_records(district, ADMIN, "petition", q)
    assert page.total == sum(1 for t in everything.values() if "a" in t) == len(everything)
    q = RecordQuery(search="a", limit=PAGE)
    assert list_records(district, ADMIN, "petition", q).total == len(everything) - len(gone)


def test_a_short_word_held_nowhere_answers_at_once_and_a_narrowed_search_keeps_the_index(district):
    _fill(district, 20)
    assert _plan(district, RecordQuery(search="qz", limit=PAGE)) == (False, None if stores.on_server() else 0)
    assert list_records(district, ADMIN, "petition", RecordQuery(search="qz", limit=PAGE)).total == 0
    # A unit, a period or a longer word: the walk could read far more rows than it keeps.
    live = _live_texts(district)
    for q in (RecordQuery(search="a", unit_code="X1", limit=PAGE), RecordQuery(search="a lang", limit=PAGE),
              RecordQuery(search="a", sort="unit", limit=PAGE)):
        assert _plan(district, q) == (False, None)
        expected = sum(1 for text in live.values() if matches(q.search, text))
        assert list_records(district, ADMIN, "petition", q).total == expected > 0
