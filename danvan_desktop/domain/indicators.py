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
    out += [
        Indicator("meetings.participants", "Lượt người tham dự", "meetings"),
        Indicator("meetings.women", "Trong đó nữ", "meetings"),
        Indicator("meetings.ethnic_minority", "Trong đó người DTTS", "meetings"),
        Indicator("petitions.total", "Tổng số ý kiến, kiến nghị", "petitions"),
    ]
    out += _each("petitions.by_type", V.PETITION_TYPE, "Loại")
    out += _each("petitions.by_status", V.PETITION_STATUS, "Tình trạng")
    out += _each("petitions.by_field", V.PETITION_FIELD, "Lĩnh vực")
    out += [
        Indicator("petitions.overdue", "Kiến nghị quá hạn chưa giải quyết", "petitions"),
        Indicator("monitoring.total", "Tổng số cuộc giám sát, kiểm tra", "monitoring"),
    ]
    out += _each("monitoring.by_kind", V.MONITORING_KIND, "Hình thức")
    out += _each("monitoring.by_follow_up", V.FOLLOW_UP, "Khắc phục")
    out += [Indicator("religious_sites.total", "Tổng số điểm nhóm, cơ sở tôn giáo", "religious_sites")]
    out += _each("religious_sites.by_registration", V.REGISTRATION, "Đăng ký")
    out += [
        Indicator("religious_sites.followers", "Số tín đồ", "religious_sites"),
        Indicator("religious_checks.total", "Tổng số cuộc kiểm tra tôn giáo", "religious_checks"),
    ]
    out += _each("religious_checks.by_result", V.CHECK_RESULT, "Kết quả")
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
