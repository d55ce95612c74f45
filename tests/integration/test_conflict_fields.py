"""A conflict decided field by field: some fields from the incoming copy, the rest kept; rules still hold."""

from __future__ import annotations

import pytest

from danvan_desktop.domain.validation import ValidationError
from danvan_desktop.services.conflict_fields import resolve_conflict_fields
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.history import check_audit
from danvan_desktop.services.merge import apply_package, list_conflicts
from danvan_desktop.services.records import get_record
from tests.integration.test_merge import _edit_both_sides, made_once, record_state, tree  # noqa: F401 - fixtures
from tests.integration.test_package_support import ADMIN


def test_taking_one_field_from_the_incoming_copy_keeps_the_others(tree, tmp_path):  # noqa: F811
    _, _, district, _ = tree
    rid, again = _edit_both_sides(tree, tmp_path)  # here: 130 people, chair Giàng Seo Chính; there: 150
    apply_package(district, ADMIN, again)
    [c] = list_conflicts(district, ADMIN)
    info, changes = resolve_conflict_fields(district, ADMIN, c.id, {"participants"})
    assert info.status == "fields" and list_conflicts(district, ADMIN) == []
    assert changes.kinds == {"meeting"} and changes.imports
    rec = get_record(district, ADMIN, "meeting", rid)
    assert (rec.values["participants"], rec.values["chair"]) == (150, "Giàng Seo Chính")
    assert rec.revision == 3  # above both copies: it wins upward
    assert check_audit(district, ADMIN) == []
    before = record_state(district)
    assert apply_package(district, ADMIN, again).counts.conflicts == 0  # the decision stands
    assert record_state(district) == before


def test_a_mix_that_breaks_a_rule_is_refused_and_nothing_changes(tree, tmp_path):  # noqa: F811
    from danvan_desktop.exchange.package import export_package
    from danvan_desktop.services.records import update_record
    from tests.integration.test_package_support import Q1

    communes, packages, district, seeded = tree
    apply_package(district, ADMIN, packages["X1"])
    rid = seeded["X1"]["meeting0"].id
    update_record(district, ADMIN, "meeting", rid, {"participants": 130})
    # There: 150 people of whom 140 women; here: 130 people. Taking only the women breaks the rule.
    update_record(communes["X1"], ADMIN, "meeting", rid, {"participants": 150, "women": 140})
    third = tmp_path / "in3" / "X1-lan-2.xlsx"
    export_package(communes["X1"], ADMIN, Q1, third)
    apply_package(district, ADMIN, third)
    [c] = list_conflicts(district, ADMIN)
    before = record_state(district)
    with pytest.raises(ValidationError, match="Trong đó nữ không được lớn hơn Số người tham dự"):
        resolve_conflict_fields(district, ADMIN, c.id, {"women"})
    assert record_state(district) == before and len(list_conflicts(district, ADMIN)) == 1
    with pytest.raises(Refused, match="Chưa chọn trường nào"):
        resolve_conflict_fields(district, ADMIN, c.id, set())
    with pytest.raises(Refused, match="không có trường “mat_khau”"):
        resolve_conflict_fields(district, ADMIN, c.id, {"mat_khau"})
    info, _ = resolve_conflict_fields(district, ADMIN, c.id, {"women", "participants"})
    assert get_record(district, ADMIN, "meeting", rid).values["women"] == 140
