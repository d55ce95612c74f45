"""Tests for Vietnamese text cleaning, search folding and alphabetical sorting."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import functools
import random
import sqlite3
import unicodedata

import pytest
from PySide6.QtCore import QCollator, QLocale

from danvan_desktop.domain.text import clean_text, fold, matches, sort_key, sql_collate


def nfd(s: str) -> str:
    """Decomposed form, as some keyboards, macOS file names and web pages produce."""
    return unicodedata.normalize("NFD", s)


# ---------------------------------------------------------------------------
# clean_text
# ---------------------------------------------------------------------------


def test_clean_text_removes_zero_width_and_nul() -> None:
    dirty = "\ufeffBản\u200b Bo\u200c\u200d\u2060\x00"
    assert clean_text(dirty) == "Bản Bo"


def test_clean_text_removes_c0_and_c1_controls_but_keeps_tab_and_newline() -> None:
    assert clean_text("Thôn\x07 1\x1b\x85\x9f\x7f\tTổ 2\nghi chú") == "Thôn 1\tTổ 2\nghi chú"


def test_clean_text_normalises_line_endings() -> None:
    assert clean_text("dòng 1\r\ndòng 2\rdòng 3") == "dòng 1\ndòng 2\ndòng 3"


def test_clean_text_composes_nfd_to_nfc() -> None:
    cleaned = clean_text(nfd("Nguyễn Thị Ánh"))
    assert cleaned == "Nguyễn Thị Ánh"
    assert len(cleaned) == len("Nguyễn Thị Ánh")  # one code point per letter
    assert unicodedata.is_normalized("NFC", cleaned)


def test_clean_text_composes_across_a_removed_zero_width_character() -> None:
    # "a" ZWSP combining-acute: once the ZWSP goes, the mark belongs to the "a".
    assert clean_text("ca\u200b\u0301") == "cá"


def test_clean_text_strips_surrounding_whitespace_only() -> None:
    assert clean_text("  \n Hội   Nông dân \t ") == "Hội   Nông dân"


# ---------------------------------------------------------------------------
# fold and matches
# ---------------------------------------------------------------------------


def test_fold_removes_tones_and_hats_and_maps_d_stroke() -> None:
    assert fold("Đảng ủy xã Bản Bo") == "dang uy xa ban bo"
    assert fold("đường ĐỘC LẬP") == "duong doc lap"


def test_fold_letters_with_two_marks() -> None:
    # Letters with hat/horn plus a tone, the ones FTS5 misses.
    assert fold("Hà Nội Thừa Thiên Huế Ấp Bắc Ợ") == "ha noi thua thien hue ap bac o"


def test_fold_nfd_input_equals_nfc_input() -> None:
    assert fold(nfd("Nguyễn Thị Ánh")) == fold("Nguyễn Thị Ánh") == "nguyen thi anh"


def test_fold_old_and_new_tone_placement_equal() -> None:
    assert fold("Hoà Bình") == fold("Hòa Bình")
    assert fold("thuỷ lợi") == fold("thủy lợi")


def test_fold_collapses_whitespace() -> None:
    assert fold("  Ban   Công tác\tMặt trận \n ") == "ban cong tac mat tran"


def test_fold_drops_zero_width_characters() -> None:
    assert fold("Bả\u200bn Bo") == "ban bo"


def test_matches_without_diacritics_and_with_words_skipped() -> None:
    target = fold("Đảng ủy xã Bản Bo")
    assert matches("dang uy ban bo", target)
    assert matches("Bản Bo", target)
    assert matches("BO ĐẢNG", target)  # any order, any case
    assert matches(nfd("Đảng ủy"), target)


def test_matches_requires_every_word() -> None:
    target = fold("Đảng ủy xã Bản Bo")
    assert not matches("dang uy ban be", target)
    assert matches("dang uy ban b", target)  # a word may be the start of a longer one
    assert not matches("phuong", target)


def test_matches_empty_query_matches_everything() -> None:
    assert matches("", fold("Hội Cựu chiến binh"))
    assert matches("   ", fold("Hội Cựu chiến binh"))


# ---------------------------------------------------------------------------
# sort_key against Qt's QCollator
# ---------------------------------------------------------------------------

WORDS: list[str] = [
    "Yên Bái", "Đà Nẵng", "ân", "an", "An", "ăn", "Ăn", "Ấp Bắc", "ba", "Bà Rịa", "bác", "Bản Bo",
    "Bắc Giang", "Bến Tre", "cà phê", "Cao Bằng", "da", "dân", "Dân vận", "Dương", "đảng", "Đảng ủy",
    "Đặng", "đoàn", "Đỗ", "em", "Ê-đê", "ếch", "Fansipan", "Gia Lai", "Hà Nội", nfd("Hoà Bình"),
    "Hòa Bình", "Hoà Bình", "Hóa", "Hoá", "Hoa", "Hội Phụ nữ", "ích", "jơ", "khu phố 2", "khu phố 10",
    "Kon Tum", "Lạng Sơn", "Lê", "Lý", "ma", "mà", "mả", "mã", "má", "mạ", "Nguyễn", "Nguyễn Thị Ánh",
    nfd("Nguyễn Văn An"), "Ngô", "Ninh Bình", "ô", "ôm", "Ông", "ơn", "Ơn", "Phú Thọ", "Quảng Trị",
    "sông", "Thôn 1", "Thôn 12", "Thôn 2", "tổ 3", "Trần", "ư", "ưu tiên", "uỷ ban", "ủy ban", "Ủy ban",
    "văn hóa", "Vũng Tàu", "Vương", "Wi-Fi", "xã", "Zê", "2022", "1945", "10", "Xuân", "y tế", "Tổ 678",
]  # fmt: skip


@pytest.fixture(scope="module")
def collator() -> QCollator:
    return QCollator(QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam))


def qt_sorted(words: list[str], collator: QCollator) -> list[str]:
    return sorted(words, key=functools.cmp_to_key(collator.compare))


def test_word_list_is_big_and_covers_what_matters() -> None:
    # Guard the fixture itself: the comparison below proves little on a thin list.
    text = "".join(WORDS)
    assert len(WORDS) >= 40
    for letter in "ăâđêôơưĂÂĐÊÔƠƯfjwzFJWZ0123456789":
        assert letter in text or letter.lower() in text.lower(), letter
    for tone in "\u0300\u0309\u0303\u0301\u0323":
        assert tone in nfd(text)
    assert any(not unicodedata.is_normalized("NFC", w) for w in WORDS)


def test_sort_key_agrees_with_qcollator(collator: QCollator) -> None:
    assert sorted(WORDS, key=sort_key) == qt_sorted(WORDS, collator)


def test_plain_python_sort_gets_the_list_wrong(collator: QCollator) -> None:
    plain = sorted(WORDS)
    assert plain != qt_sorted(WORDS, collator)
    # Concretely: code point order sends Đ after Y.
    assert plain.index("Đà Nẵng") > plain.index("Yên Bái")
    assert sorted(WORDS, key=sort_key).index("Đà Nẵng") < sorted(WORDS, key=sort_key).index("Yên Bái")


def test_letter_order() -> None:
    alphabet = list("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")
    shuffled = alphabet[::-1]
    assert sorted(shuffled, key=sort_key) == alphabet
    assert sorted([c.upper() for c in shuffled], key=sort_key) == [c.upper() for c in alphabet]


def test_tones_are_secondary_in_order_none_huyen_hoi_nga_sac_nang() -> None:
    tones = ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sorted(reversed(tones), key=sort_key) == tones
    # A later letter outweighs any tone: "mạ" < "mb", "mạ" < "mă".
    assert sort_key("mạ") < sort_key("mb")
    assert sort_key("mạ") < sort_key("mă")


def test_lowercase_before_uppercase_only_as_a_tiebreak() -> None:
    assert sort_key("an") < sort_key("An")
    assert sort_key("An") < sort_key("án")  # tone outweighs case
    assert sort_key("An") < sort_key("ao")  # letters outweigh case


def test_digits_before_letters_and_compared_digit_by_digit() -> None:
    assert sorted(["a", "2", "10", "Ă"], key=sort_key) == ["10", "2", "a", "Ă"]


def test_nfd_and_nfc_give_the_same_key() -> None:
    for word in ["Nguyễn", "Hoà Bình", "Đặng Thị Ượng", "Ấp Bắc", "ệ", "ợ"]:
        assert sort_key(nfd(word)) == sort_key(word)


def test_old_and_new_tone_placement_sort_next_to_each_other() -> None:
    ordered = sorted(["Hoang", "Hòa", "Hoan", "Hoà", "Hoa"], key=sort_key)
    # Both spellings sit before "Hoan"; QCollator puts the tone on the later letter first.
    assert ordered == ["Hoa", "Hoà", "Hòa", "Hoan", "Hoang"]


def test_sort_key_agrees_with_qcollator_on_random_text(collator: QCollator) -> None:
    # Random Vietnamese-ish strings, NFC and NFD, with punctuation and a few foreign characters.
    rng = random.Random(20240601)
    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxyfjwzAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXYFJWZ0123456789 -.,'’()/"
    extra = "ðøæßüéçñ½\u00a0ＡﬁΑб–“…₫\u00ad"
    tones = ["", "", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]

    def word() -> str:
        chars = []
        for _ in range(rng.randint(1, 6)):
            ch = rng.choice(letters if rng.random() < 0.95 else extra)
            chars.append(ch + rng.choice(tones) if ch.isalpha() else ch)
        return unicodedata.normalize(rng.choice(["NFC", "NFD"]), "".join(chars))

    mismatches = []
    for _ in range(5000):
        a, b = word(), word()
        expected = collator.compare(a, b)
        expected = (expected > 0) - (expected < 0)
        if sql_collate(a, b) != expected:
            mismatches.append((a, b, expected))
    assert mismatches == []


# ---------------------------------------------------------------------------
# sql_collate
# ---------------------------------------------------------------------------


def test_sql_collate_returns_minus_one_zero_one() -> None:
    assert sql_collate("Đà Nẵng", "Yên Bái") == -1
    assert sql_collate("Yên Bái", "Đà Nẵng") == 1
    assert sql_collate(nfd("Hoà Bình"), "Hoà Bình") == 0


def test_sql_collate_orders_sqlite_rows() -> None:
    names = ["Yên Bái", "Đà Nẵng", "Ấp Bắc", "An Giang", "Bắc Kạn", "Dĩ An", "Ủy ban", "Uông Bí"]
    con = sqlite3.connect(":memory:")
    try:
        con.create_collation("vi", sql_collate)
        con.execute("CREATE TABLE unit (name TEXT)")
        con.executemany("INSERT INTO unit VALUES (?)", [(n,) for n in names])
        rows = [r[0] for r in con.execute("SELECT name FROM unit ORDER BY name COLLATE vi")]
    finally:
        con.close()
    assert rows == ["An Giang", "Ấp Bắc", "Bắc Kạn", "Dĩ An", "Đà Nẵng", "Uông Bí", "Ủy ban", "Yên Bái"]


def test_sort_string_orders_like_sort_key():
    from danvan_desktop.domain.text import sort_string

    words = ["An", "ăn", "Ăn", "an", "Bản", "bàn", "Đà Nẵng", "Dân", "dân", "ơn", "Ông", "y", "Yên", "Hòa", "Hoà",
             "Hoa", "Hoan", "", "1", "10", "2", "thôn 2", "thôn 12", "Nguyễn Văn A", "Nguyễn Văn An"]
    assert sorted(words, key=sort_string) == sorted(words, key=sort_key)
    assert all("\x00" not in part for w in words for part in sort_key(w))
