"""The indicator keys of SPEC §4 and their Vietnamese labels: one list every screen, report and export uses."""

from __future__ import annotations

from dataclasses import dataclass

from danvan_desktop.domain import vocab as V
from danvan_desktop.domain.vocab import Vocabulary


@dataclass(frozen=True)
class Indicator:
    """One figure of the summary: stable key, label, and the group it belongs to."""

    key: str
    label: str
    group: str


GROUPS: dict[str, str] = {
    "meetings": "Hội nghị, tiếp xúc, đối thoại",
    "petitions": "Ý kiến, kiến nghị",
    "monitoring": "Giám sát, kiểm tra",
    "religious_sites": "Điểm nhóm, cơ sở tôn giáo",
    "religious_checks": "Kiểm tra, nắm tình hình tôn giáo",
    "models": "Mô hình “Dân vận khéo”",
}


def _each(prefix: str, vocab: Vocabulary, label: str) -> list[Indicator]:
    group = prefix.split(".")[0]
    return [Indicator(f"{prefix}.{k}", f"{label}: {v}", group) for k, v in vocab.items]


def _build() -> tuple[Indicator, ...]:
    out: list[Indicator] = [Indicator("meetings.total", "Tổng số hội nghị", "meetings")]
    out += _each("meetings.by_kind", V.MEETING_KIND, "Hội nghị")
    out += _each("meetings.by_organizer", V.BODY, "Hội nghị do cơ quan tổ chức")
    out += [
        Indicator("meetings.participants", "Lượt người tham dự", "meetings"),
        Indicator("meetings.women", "Trong đó nữ", "meetings"),
        Indicator("meetings.ethnic_minority", "Trong đó người DTTS", "meetings"),
    ]
    out += _each("meetings.participants_by_kind", V.MEETING_KIND, "Lượt người tham dự")
    out += [Indicator("petitions.total", "Tổng số ý kiến, kiến nghị", "petitions")]
    out += _each("petitions.by_type", V.PETITION_TYPE, "Loại")
    out += _each("petitions.by_status", V.PETITION_STATUS, "Tình trạng")
    out += _each("petitions.by_field", V.PETITION_FIELD, "Lĩnh vực")
    out += [
        Indicator("petitions.answered", "Đã trả lời (giải trình, làm rõ hoặc giải quyết)", "petitions"),
        Indicator("petitions.overdue", "Kiến nghị quá hạn chưa giải quyết", "petitions"),
        Indicator("monitoring.total", "Tổng số cuộc giám sát, kiểm tra", "monitoring"),
    ]
    out += _each("monitoring.by_kind", V.MONITORING_KIND, "Hình thức")
    out += _each("monitoring.by_follow_up", V.FOLLOW_UP, "Khắc phục")
    out += _each("monitoring.by_lead_body", V.BODY, "Giám sát, kiểm tra do cơ quan chủ trì")
    out += [Indicator("religious_sites.total", "Tổng số điểm nhóm, cơ sở tôn giáo", "religious_sites")]
    out += _each("religious_sites.by_registration", V.REGISTRATION, "Đăng ký")
    out += [
        Indicator("religious_sites.followers", "Số tín đồ", "religious_sites"),
        Indicator("religious_checks.total", "Tổng số cuộc kiểm tra tôn giáo", "religious_checks"),
    ]
    out += _each("religious_checks.by_result", V.CHECK_RESULT, "Kết quả")
    out += _each("religious_checks.by_body", V.BODY, "Kiểm tra tôn giáo do cơ quan")
    out += _each("models.registered", V.REGISTRANT_KIND, "Đăng ký mô hình")
    out += _each("models.by_field", V.MODEL_FIELD, "Lĩnh vực")
    out += _each("models.recognized", V.REGISTRANT_KIND, "Được công nhận điển hình")
    out += _each("models.awarded", V.REGISTRANT_KIND, "Được khen thưởng")
    return tuple(out)


# Groups counted from the sensitive kinds (religious_site, religious_check): shown only to accounts holding
# the religion right (SPEC §7). Every figure of them can identify a single site, so none is shown without it.
SENSITIVE_GROUPS: frozenset[str] = frozenset({"religious_sites", "religious_checks"})

INDICATORS: tuple[Indicator, ...] = _build()
INDICATOR_KEYS: tuple[str, ...] = tuple(i.key for i in INDICATORS)
LABELS: dict[str, str] = {i.key: i.label for i in INDICATORS}
SENSITIVE_KEYS: frozenset[str] = frozenset(i.key for i in INDICATORS if i.group in SENSITIVE_GROUPS)

# The actors of the political system a report speaks of (SPEC §4), each with the bodies (3.6) it groups.
ACTORS: dict[str, tuple[str, ...]] = {
    "cap_uy": ("cap_uy", "ban_dan_van"),
    "chinh_quyen": ("hdnd", "ubnd"),
    "mttq_doan_the": ("mttq", "hoi_lhpn", "hoi_nong_dan", "hoi_ccb", "doan_tn", "cong_doan"),
    "luc_luong_vu_trang": ("cong_an", "quan_su"),
}
ACTOR_LABELS: dict[str, str] = {
    "cap_uy": "Cấp ủy",
    "chinh_quyen": "Chính quyền",
    "mttq_doan_the": "Mặt trận Tổ quốc và các đoàn thể",
    "luc_luong_vu_trang": "Lực lượng vũ trang",
}


def actor_of(body: str) -> str | None:
    """The actor a body belongs to (None for bodies outside the four: bcd_ton_giao, khac)."""
    return next((a for a, bodies in ACTORS.items() if body in bodies), None)


def by_actor(indicators: dict[str, int], prefix: str) -> dict[str, int]:
    """Per-body figures (prefix "meetings.by_organizer", …) added up per actor, in ACTORS order."""
    return {a: sum(indicators[f"{prefix}.{b}"] for b in bodies) for a, bodies in ACTORS.items()}
