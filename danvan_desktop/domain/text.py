"""Vietnamese text handling: cleaning user input, folding for search, and alphabetical sorting."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["clean_text", "fold", "matches", "sort_key", "sql_collate"]

# ---------------------------------------------------------------------------
# Cleaning and folding
# ---------------------------------------------------------------------------

# Zero-width characters arrive with text pasted from web pages and Word; they
# are invisible but break search and equality.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"

# Characters XML 1.0 forbids (a spreadsheet cannot hold them: the package export would fail on the record):
# lone surrogates and the noncharacters U+FFFE, U+FFFF.
_NOT_XML = "\ud800-\udfff\ufffe\uffff"

# Every C0/C1 control character except tab and line feed, plus the zero-width set and what XML forbids.
_REMOVE_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _ZERO_WIDTH + _NOT_XML + "]")
_WHITESPACE_RE = re.compile(r"\s+")


def clean_text(s: str) -> str:
    """Return user text as stored: no control or zero-width characters, NFC, "\\n" line ends, stripped."""
    # Line ends first: "\r" is a control character and would otherwise be
    # deleted, gluing old-Mac ("\r" only) lines together.
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = _REMOVE_RE.sub("", s)
    # NFC after removal: a zero-width character between a letter and its mark
    # would have kept them from composing.
    return unicodedata.normalize("NFC", s).strip()


# đ/Đ have no Unicode decomposition, so stripping marks leaves them; ð/Ð
# (Icelandic eth) look identical and come out of old TCVN3/VNI converters.
_FOLD_LETTERS = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


class _FoldTable(dict[int, str | None]):
    """str.translate table of fold: a combining mark (tones, hats, horns) or invisible format character maps
    to None (dropped), đ/Đ/ð/Ð to d/D, anything else to itself; filled the first time a character is met, so
    folding runs at C speed instead of one Python test per character (a merge folds every record)."""

    def __missing__(self, cp: int) -> str | None:
        ch = chr(cp)
        out: str | None = None if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Cf") \
            else ch.translate(_FOLD_LETTERS)
        self[cp] = out
        return out


_FOLD_TABLE = _FoldTable()


def fold(s: str) -> str:
    """Return the search form of a text: no diacritics, đ→d, case-folded, single spaces."""
    kept = unicodedata.normalize("NFD", s).translate(_FOLD_TABLE).casefold()
    return _WHITESPACE_RE.sub(" ", kept).strip()


def matches(query: str, folded_text: str) -> bool:
    """Tell whether every word of the query, folded, occurs in an already folded text."""
    # An empty query matches everything: a filter box with nothing typed shows all rows.
    return all(word in folded_text for word in fold(query).split(" ") if word)


# ---------------------------------------------------------------------------
# Vietnamese collation
# ---------------------------------------------------------------------------
#
# A simplified Unicode Collation Algorithm with the CLDR Vietnamese tailoring,
# tuned to agree with Qt's QCollator (which is ICU) for vi_VN:
#   level 1 (primary): base characters — punctuation < digits < letters,
#       letters a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z;
#   level 2 (secondary): marks — no tone, huyền, hỏi, ngã, sắc, nặng, then
#       other (non-Vietnamese) accents;
#   level 3 (tertiary): lowercase before uppercase, then compatibility forms.
# A whole level is compared before the next one is looked at, so the key is a
# tuple of three strings, each character of which is a weight.

# Whitespace, punctuation and symbols in QCollator's (ICU's) order; characters
# in one group differ only at the tertiary level (e.g. ' ‘ ’ are the same
# letter-wise). Read off QCollator for ASCII, Latin-1 and General Punctuation.
_PUNCTUATION_GROUPS: tuple[str, ...] = (
    "\t", "\n", "\x0b", "\x0c", "\r", " ", "\u203e", "_", "\u2017", "-", "\u2010", "\u2012",
    "\u2013", "\u2014", "\u2015", "\u2053", ",", ";", "\u204f", ":", "!", "\xa1", "?", "\xbf",
    "\u203d", ".", "\xb7", "\u2055", "\u2056", "\u2058", "\u2059", "\u205a", "\u205b", "\u205c",
    "\u205d", "\u205e", "'\u2018\u2019\u201a\u201b", "\u2039", "\u203a", '"\u201c\u201d\u201e\u201f',
    "\xab", "\xbb", "(", ")", "[", "]", "{", "}", "\u2045", "\u2046", "\u2016", "\xa7", "\xb6",
    "\u204b", "@", "*", "\u204e", "\u2051", "/", "\\", "&", "\u204a", "#", "%", "\u2030", "\u2031",
    "\u2020", "\u2021", "\u2022", "\u2023", "\u2027", "\u2043", "\u204c", "\u204d", "\u2032",
    "\u2035", "\u2038", "\u203b", "\u203f", "\u2054", "\u2040", "\u2050", "\u2041", "\u2042", "`",
    "\xb4", "\u02dc", "^", "\xaf", "\u02d8", "\u02d9", "\xa8", "\u02da", "\u02dd", "\xb8", "\u02db",
    "\xb0", "\xa9", "\xae", "+", "\xb1", "\xf7", "\xd7", "<", "=", ">", "\xac", "|", "\xa6", "~",
    "\u2212", "\u2052", "\u2044", "\xa4", "\xa2", "$", "\xa3", "\xa5", "\u20ab", "\u20ac",
)  # fmt: skip

# Vietnamese alphabet with f j w z in their Latin places (QCollator puts them there).
_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"

# Primary weights. Each weight is two characters (group, position) so that
# characters outside the tables can be ordered by code point within a group.
_G_PUNCT = 0x100  # the punctuation table above
_G_OTHER_SYMBOL = 0x200  # punctuation and symbols not in the table: after it, before digits
_G_DIGIT = 0x300
_G_LETTER = 0x400
_G_OTHER_LETTER = 0x500  # other scripts (Greek, Cyrillic, CJK…): after Latin, by code point

# char -> (primary weight, tertiary weight)
_TABLE: dict[str, tuple[str, int]] = {}
for _i, _group in enumerate(_PUNCTUATION_GROUPS):
    for _t, _ch in enumerate(_group):
        _TABLE[_ch] = (chr(_G_PUNCT) + chr(_i + 1), _t)
for _i, _ch in enumerate(_LETTERS):
    _TABLE[_ch] = (chr(_G_LETTER) + chr(_i + 1), 0)
    _TABLE[_ch.upper()] = (chr(_G_LETTER) + chr(_i + 1), 1)
del _i, _t, _ch, _group

# Vietnamese letters that carry a hat, breve or horn are letters of their own
# (primary level), unlike tones. Composed from base + mark.
_VI_LETTER_MARKS = frozenset("\u0306\u0302\u031b")  # breve, circumflex, horn

# Secondary weights; 1 is "no mark" and must be the lowest.
_COMMON = 1
_MARK_WEIGHTS: dict[str, int] = {
    # Vietnamese tones, in the order of the Vietnamese tailoring.
    "\u0300": 2,  # huyền
    "\u0309": 3,  # hỏi
    "\u0303": 4,  # ngã
    "\u0301": 5,  # sắc
    "\u0323": 6,  # nặng
    # Other accents (foreign names), in DUCET order after the tones.
    "\u0306": 10,  # breve (on letters other than a)
    "\u0302": 11,  # circumflex (on letters other than a e o)
    "\u030c": 12,  # caron
    "\u030a": 13,  # ring
    "\u0308": 14,  # diaeresis
    "\u030b": 15,  # double acute
    "\u0307": 16,  # dot above
    "\u0327": 17,  # cedilla
    "\u0328": 18,  # ogonek
    "\u0304": 19,  # macron
    "\u031b": 20,  # horn (on letters other than o u)
}
_OTHER_MARK_BASE = 0x100  # any other mark: after these, by code point
_VARIANT_WEIGHT = 0x80  # letters ICU sorts as a plain letter plus a secondary difference

# Letters without a decomposition that ICU treats as another letter with a
# secondary difference (ð ≈ d, ø ≈ o, ł ≈ l, ı ≈ i).
_SECONDARY_VARIANTS: dict[str, str] = {"ð": "d", "Ð": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ı": "i"}
# Letters ICU expands to two letters with a tertiary difference.
_EXPANSIONS: dict[str, str] = {"æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ẞ": "SS"}

_WHITESPACE_CONTROLS = frozenset("\t\n\x0b\x0c\r")

# One primary unit: (primary weight, secondary weights of its marks, tertiary weight)
_Unit = tuple[str, tuple[int, ...], int]


def _is_mark(ch: str) -> bool:
    """A combining mark that attaches to the character before it."""
    return unicodedata.combining(ch) != 0


def _is_invisible_mark(ch: str) -> bool:
    """Grapheme joiner and variation selectors: marks that QCollator ignores entirely."""
    return ch == "\u034f" or "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef"


def _mark_weight(mark: str) -> int:
    """Secondary weight of a combining mark."""
    return _MARK_WEIGHTS.get(mark, _OTHER_MARK_BASE + ord(mark))


def _fuse_vietnamese_letter(base: str, marks: list[str]) -> tuple[str, list[str]]:
    """Turn base + (breve | circumflex | horn) into the Vietnamese letter, leaving the tones."""
    previous_classes: list[int] = []
    for index, mark in enumerate(marks):
        ccc = unicodedata.combining(mark)
        # A mark can reach the base only over marks of a lower combining class
        # (Unicode "blocking"), e.g. ệ = e + dot below (220) + circumflex (230).
        if mark in _VI_LETTER_MARKS and all(0 < c < ccc for c in previous_classes):
            letter = unicodedata.normalize("NFC", base + mark)
            if len(letter) == 1 and letter in _TABLE:
                return letter, marks[:index] + marks[index + 1 :]
        previous_classes.append(ccc)
    return base, marks


def _units_of_char(base: str, marks: tuple[int, ...], tertiary_bump: int = 0) -> tuple[_Unit, ...]:
    """Collation units of one base character with the secondary weights of its marks."""
    entry = _TABLE.get(base)
    if entry is not None:
        return ((entry[0], marks, entry[1] + tertiary_bump),)
    digit = unicodedata.decimal(base, None)
    if digit is not None:
        # Every script's digit has the weight of the ASCII digit (QCollator ties them).
        return ((chr(_G_DIGIT) + chr(digit + 1), marks, tertiary_bump),)
    if base in _SECONDARY_VARIANTS:
        plain = _TABLE[_SECONDARY_VARIANTS[base]]
        return ((plain[0], (_VARIANT_WEIGHT, *marks), plain[1] + tertiary_bump),)
    if base in _EXPANSIONS:
        units = [u for ch in _EXPANSIONS[base] for u in _units_of_char(ch, (), tertiary_bump + 2)]
        return (*units[:-1], (units[-1][0], marks, units[-1][2]))
    compat = unicodedata.normalize("NFKD", base)
    if compat != base:
        # Full-width letters, ligatures (ﬁ), superscripts, non-breaking spaces:
        # weigh as their plain form, told apart at the tertiary level.
        return (*_units(compat, tertiary_bump + 2), *([("", marks, 0)] if marks else []))
    category = unicodedata.category(base)
    group = _G_OTHER_LETTER if category[0] in "LNM" else _G_OTHER_SYMBOL
    lower = base.lower()
    if len(lower) == 1 and lower != base:
        return ((chr(group) + lower, marks, 1 + tertiary_bump),)
    return ((chr(group) + base, marks, tertiary_bump),)


def _units(s: str, tertiary_bump: int = 0) -> list[_Unit]:
    """Split an NFD string into collation units (base character plus its marks)."""
    units: list[_Unit] = []
    i = 0
    n = len(s)
    while i < n:
        ch = s[i]
        i += 1
        marks: list[str] = []
        while i < n and _is_mark(s[i]):
            marks.append(s[i])
            i += 1
        if _is_mark(ch):
            # A mark with no base (start of text): weighs only at the secondary level.
            units.append(("", tuple(_mark_weight(m) for m in [ch, *marks]), 0))
            continue
        category = unicodedata.category(ch)
        if (
            (category == "Cc" and ch not in _WHITESPACE_CONTROLS)
            or category == "Cf"
            or _is_invisible_mark(ch)
        ):
            # Control and format characters (soft hyphen, zero-width, variation
            # selectors) are ignored, as in QCollator.
            continue
        base, rest = _fuse_vietnamese_letter(ch, marks) if marks else (ch, marks)
        units.extend(_units_of_char(base, tuple(_mark_weight(m) for m in rest), tertiary_bump))
    return units


# A starter and the Latin combining marks after it. Splitting elsewhere (before
# a mark of another script) is harmless: a base-less mark adds only its weight.
_CLUSTER_RE = re.compile(r".[\u0300-\u036f]*", re.DOTALL)


@lru_cache(maxsize=4096)
def _cluster_key(cluster: str) -> tuple[str, str, str]:
    """The three key parts of one character cluster; cached since names reuse a few hundred of them."""
    units = _units(unicodedata.normalize("NFD", cluster))
    primary = "".join(p for p, _, _ in units)
    # Each unit with a primary weight contributes a "no mark" weight followed by
    # its marks, so a tone on an earlier letter outweighs one on a later letter
    # (Hoà < Hòa), as in ICU.
    secondary = "".join((chr(_COMMON) if p else "") + "".join(chr(w) for w in marks) for p, marks, _ in units)
    tertiary = "".join(chr(t + 1) for p, _, t in units if p)
    return primary, secondary, tertiary


def sort_key(s: str) -> tuple[str, str, str, str]:
    """Return a key giving Vietnamese alphabetical order, agreeing with Qt's QCollator for vi_VN."""
    parts = [_cluster_key(c) for c in _CLUSTER_RE.findall(unicodedata.normalize("NFC", s))]
    # QCollator puts the empty text before a non-empty one made only of
    # ignorable characters; the last part breaks only that tie.
    return (
        "".join(p[0] for p in parts),
        "".join(p[1] for p in parts),
        "".join(p[2] for p in parts),
        "\x01" if s else "",
    )


@lru_cache(maxsize=8192)
def _cached_key(s: str) -> tuple[str, str, str, str]:
    """sort_key with a cache: SQLite calls the collation once per comparison."""
    return sort_key(s)


def sql_collate(a: str, b: str) -> int:
    """Compare two texts in Vietnamese order (-1, 0, 1); register with sqlite3 create_collation."""
    ka = _cached_key(a)
    kb = _cached_key(b)
    return (ka > kb) - (ka < kb)


def sort_string(s: str) -> str:
    """sort_key flattened into one string whose plain (binary) order is the Vietnamese order.

    Stored in an indexed column so SQL can sort 500,000 rows without calling Python per comparison.
    The parts never contain NUL, so NUL as separator keeps the tuple order (a shorter prefix sorts first).
    """
    return "\x00".join(sort_key(s))
