"""The official units catalogue: all post-reform units, searchable without marks."""

from __future__ import annotations

from danvan_desktop.services.catalogue import all_units, find_unit, search_catalogue


def test_catalogue_has_34_provinces_and_3321_communes():
    units = all_units()
    assert sum(u.level == "tinh" for u in units) == 34
    assert sum(u.level == "xa" for u in units) == 3321
    assert all(u.scheme == "2025" for u in units)


def test_search_without_marks_finds_ban_bo():
    found = search_catalogue("ban bo lai chau")
    assert [(u.code, u.name, u.parent_name) for u in found] == [("03424", "Xã Bản Bo", "Lai Châu")]
    assert find_unit("12").name == "Lai Châu"


def test_search_by_code_and_level():
    assert search_catalogue("03424")[0].name == "Xã Bản Bo"
    provinces = search_catalogue("ha", level="tinh", limit=100)
    assert provinces and all(u.level == "tinh" for u in provinces)


def test_units_whose_own_name_matches_come_first():
    assert search_catalogue("ban bo")[0].name == "Xã Bản Bo"
