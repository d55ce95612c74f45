"""The built-in catalogue of official administrative units (34 provinces, 3,321 communes since 1/7/2025).

Data comes from the maintained `vietnam-provinces` package (official statistics codes). Its version for
Python 3.11 carries the post-reform units only; pre-reform districts and communes are entered by hand
with the scheme "legacy" (see SPEC §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from danvan_desktop.domain.text import fold, sort_key

SCHEME_2025 = "2025"


@dataclass(frozen=True)
class CatalogueUnit:
    """An official unit: code, full name, level (tinh/xa), parent province code, scheme."""

    code: str
    name: str
    level: str
    parent_code: str | None
    parent_name: str
    scheme: str = SCHEME_2025

    @property
    def display(self) -> str:
        """"Xã Bản Bo — Lai Châu" for pickers."""
        return f"{self.name} — {self.parent_name}" if self.parent_name else self.name


@lru_cache(maxsize=1)
def all_units() -> tuple[CatalogueUnit, ...]:
    """Every official unit, provinces first, each group in Vietnamese order."""
    from vietnam_provinces import Province, Ward  # loaded on first use only

    provinces = {int(p.code): p for p in Province.iter_all()}
    prov = [CatalogueUnit(f"{int(p.code):02d}", p.name, "tinh", None, "") for p in provinces.values()]
    wards = [
        CatalogueUnit(f"{int(w.code):05d}", w.name, "xa", f"{int(w.province_code):02d}",
                      provinces[int(w.province_code)].name)
        for w in Ward.iter_all()
    ]
    prov.sort(key=lambda u: sort_key(u.name))
    wards.sort(key=lambda u: (sort_key(u.parent_name), sort_key(u.name)))
    return tuple(prov + wards)


@lru_cache(maxsize=1)
def _folded() -> tuple[tuple[str, str, CatalogueUnit], ...]:
    return tuple((fold(u.name), fold(f"{u.name} {u.parent_name} {u.code}"), u) for u in all_units())


def find_unit(code: str) -> CatalogueUnit | None:
    """The official unit with this code (provinces 2 digits, communes 5), or None."""
    for u in all_units():
        if u.code == code.strip():
            return u
    return None


def search_catalogue(query: str, *, limit: int = 50, level: str | None = None) -> list[CatalogueUnit]:
    """Units whose name, province or code contains every word of the query, ignoring marks and case."""
    phrase = fold(query)
    words = phrase.split()
    own: list[CatalogueUnit] = []
    other: list[CatalogueUnit] = []
    for name, text, u in _folded():
        if level and u.level != level:
            continue
        if all(w in text for w in words):
            # "ban bo" should put Xã Bản Bo before Xã Lý Bôn (whose province name has "bo" in it).
            (own if phrase in name else other).append(u)
    return (own + other)[:limit]
