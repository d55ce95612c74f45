"""When two records are probably the same one entered twice: same unit, same day, similar words."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from danvan_desktop.domain.text import fold

SIMILAR = 0.85  # share of the folded text two titles have in common to count as "the same"
_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+")


def similar_text(a: str, b: str) -> bool:
    """Whether two titles read as the same once marks, case and spacing are set aside.

    "Tiếp xúc cử tri xã Bản Bo" and "tiep xuc cu tri  xa ban bo" are the same; one inside the other counts
    too ("Đối thoại" and "Đối thoại về đất đai" are not: the shorter must be most of the longer). Titles
    whose numbers differ are never the same.
    """
    fa, fb = " ".join(_WORD.findall(fold(a))), " ".join(_WORD.findall(fold(b)))
    if not fa or not fb:
        return False
    if fa == fb:
        return True
    if _NUMBER.findall(fa) != _NUMBER.findall(fb):
        return False  # "Kiến nghị số 1" and "số 2", "Tổ 3" and "Tổ 4" are different things
    return SequenceMatcher(None, fa, fb, autojunk=False).ratio() >= SIMILAR
