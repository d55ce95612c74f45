"""The record kinds of SPEC §3 (meeting, petition, monitoring, religious site and check, model)."""

from __future__ import annotations

from danvan_desktop.domain import vocab as V
from danvan_desktop.domain.fields import (
    Field,
    FieldType,
    RecordKind,
    Rule,
    choice,
    count,
    day,
    link,
    text,
)

MEETING = RecordKind(
    key="meeting",
    label="Hội nghị",
    plural="Hội nghị, tiếp xúc, đối thoại",
    fields=(
        choice("kind", "Loại hội nghị", V.MEETING_KIND),
        text("title", "Nội dung", required=True, max_len=500),
        day("date", "Ngày", required=True),
        text("location", "Địa điểm"),
        choice("organizer", "Cơ quan tổ chức", V.BODY, required=False),
        text("chair", "Người chủ trì"),
        # 10^7: more than any province's population at one event; a sum over 500,000 such records is
        # 5·10^12, nowhere near SQLite's 2^63 (two values of 5·10^18 once overflowed every summary).
        count("participants", "Số người tham dự", maximum=10_000_000),
        count("women", "Trong đó nữ", maximum=10_000_000),
        count("ethnic_minority", "Trong đó người DTTS", maximum=10_000_000),
    ),
    rules=(Rule("le", "women", "participants"), Rule("le", "ethnic_minority", "participants")),
    event_field="date",
    title_field="title",
)

PETITION = RecordKind(
    key="petition",
    label="Ý kiến, kiến nghị",
    plural="Ý kiến, kiến nghị",
    fields=(
        link("meeting_id", "Hội nghị", "meeting"),
        choice("type", "Loại", V.PETITION_TYPE),
        day("received_date", "Ngày tiếp nhận", required=True),
        text("content", "Nội dung ý kiến", required=True, long=True),
        choice("field", "Lĩnh vực", V.PETITION_FIELD),
        text("forwarded_to", "Cơ quan giải quyết"),
        day("deadline", "Hạn giải quyết"),
        choice("status", "Tình trạng", V.PETITION_STATUS),
        day("resolved_date", "Ngày giải quyết"),
        text("response", "Kết quả trả lời", long=True),
    ),
    rules=(
        Rule("date_not_before", "deadline", "received_date"),
        Rule("date_not_before", "resolved_date", "received_date"),
        Rule("required_when", "resolved_date", "status", "da_giai_quyet"),
    ),
    event_field="received_date",
    title_field="content",
)

MONITORING = RecordKind(
    key="monitoring",
    label="Giám sát, kiểm tra",
    plural="Giám sát, kiểm tra, khảo sát, nắm tình hình",
    fields=(
        choice("kind", "Hình thức", V.MONITORING_KIND),
        text("topic", "Nội dung", required=True, long=True),
        choice("lead_body", "Cơ quan chủ trì", V.BODY, required=False),
        text("basis", "Căn cứ", hint="Ví dụ: Quyết định 217-QĐ/TW"),
        day("start_date", "Từ ngày", required=True),
        day("end_date", "Đến ngày"),
        Field("target_units", "Đơn vị được giám sát", FieldType.UNITS),
        text("targets", "Địa bàn, đối tượng"),
        # A supervision team is a handful of people; 10,000 leaves room for a province-wide campaign.
        count("members", "Số thành viên đoàn", maximum=10_000),
        text("findings", "Kết quả, nhận xét", long=True),
        # Recommendations of one supervision: dozens at most; 10,000 is a generous ceiling.
        count("recommendations", "Số kiến nghị", maximum=10_000),
        choice("follow_up", "Tình hình khắc phục", V.FOLLOW_UP),
    ),
    rules=(Rule("date_not_before", "end_date", "start_date"),),
    event_field="start_date",
    title_field="topic",
)

RELIGIOUS_SITE = RecordKind(
    key="religious_site",
    label="Điểm nhóm, cơ sở tôn giáo",
    plural="Điểm nhóm, cơ sở tôn giáo",
    fields=(
        text("name", "Tên điểm nhóm / cơ sở", required=True),
        choice("religion", "Tôn giáo", V.RELIGION),
        text("organization", "Tổ chức, hệ phái"),
        choice("registration", "Tình trạng đăng ký", V.REGISTRATION),
        text("registration_ref", "Số, ngày văn bản đăng ký"),
        text("leader", "Người phụ trách"),
        # One site or organisation: the largest have tens of thousands of followers; 10^7 is beyond any.
        count("followers", "Số tín đồ", maximum=10_000_000),
        count("households", "Số hộ", maximum=10_000_000),
    ),
    rules=(Rule("le", "households", "followers"),),
    event_field=None,
    title_field="name",
    sensitive=True,
    registry=True,
)

RELIGIOUS_CHECK = RecordKind(
    key="religious_check",
    label="Kiểm tra tôn giáo",
    plural="Kiểm tra, nắm tình hình tôn giáo",
    fields=(
        day("date", "Ngày kiểm tra", required=True),
        link("site_id", "Điểm nhóm", "religious_site"),
        choice("checking_body", "Cơ quan kiểm tra", V.BODY, required=False),
        text("content", "Nội dung", required=True, long=True),
        choice("result", "Kết quả", V.CHECK_RESULT),
        text("violations", "Nội dung vi phạm", long=True),
        text("measures", "Biện pháp xử lý", long=True),
    ),
    rules=(Rule("required_when", "violations", "result", "vi_pham"),),
    event_field="date",
    title_field="content",
    sensitive=True,
)

_MODEL_FORM_ITEMS = (
    ("situation", "Thực trạng"),
    ("goals", "Mục tiêu, tiêu chí"),
    ("methods", "Cách làm, giải pháp"),
    ("scope", "Địa bàn, đối tượng"),
    ("forces", "Lực lượng tham gia"),
    ("resources", "Nguồn lực"),
    ("timeline", "Thời gian thực hiện"),
    ("outputs", "Sản phẩm, kết quả dự kiến"),
    ("replicability", "Khả năng nhân rộng"),
)

MODEL = RecordKind(
    key="model",
    label="Mô hình “Dân vận khéo”",
    plural="Mô hình, điển hình “Dân vận khéo”",
    fields=(
        choice("registrant_kind", "Đối tượng", V.REGISTRANT_KIND),
        text("registrant", "Tên tập thể / cá nhân", required=True),
        text("organization", "Cơ quan, đơn vị"),
        text("name", "Tên mô hình", required=True),
        choice("field", "Lĩnh vực", V.MODEL_FIELD),
        day("registered_date", "Ngày đăng ký", required=True),
        *(text(k, label, long=True, searchable=False) for k, label in _MODEL_FORM_ITEMS),
        choice("status", "Tình trạng", V.MODEL_STATUS),
        text("award", "Hình thức khen thưởng", hint="Ví dụ: Giấy khen của UBND huyện; để trống nếu chưa có"),
        text("award_ref", "Số, ngày quyết định khen thưởng"),
        day("award_date", "Ngày khen thưởng"),
        text("results", "Kết quả đạt được", long=True),
        Field("replicated", "Được nhân rộng", FieldType.BOOL),
    ),
    rules=(
        Rule("required_if_set", "award_date", "award"),
        Rule("required_if_set", "award", "award_date"),
        Rule("date_not_before", "award_date", "registered_date"),
    ),
    event_field="registered_date",
    title_field="name",
    registry=True,
)

KINDS: tuple[RecordKind, ...] = (MEETING, PETITION, MONITORING, RELIGIOUS_SITE, RELIGIOUS_CHECK, MODEL)
KIND_BY_KEY: dict[str, RecordKind] = {k.key: k for k in KINDS}

# The envelope every record carries (SPEC §3); labels used in packages and lists.
ENVELOPE_LABELS: dict[str, str] = {
    "id": "Mã bản ghi",
    "unit": "Đơn vị",
    "created_at": "Ngày tạo",
    "updated_at": "Ngày sửa",
    "created_by": "Người tạo",
    "updated_by": "Người sửa",
    "revision": "Lần sửa",
    "deleted": "Đã xóa",
    "notes": "Ghi chú",
}


def kind(key: str) -> RecordKind:
    """The record kind with this key."""
    return KIND_BY_KEY[key]
