"""Closed lists of values (enums) with their stable keys and Vietnamese labels, per SPEC §2–3."""

from __future__ import annotations

from dataclasses import dataclass

from danvan_desktop.domain.text import fold


@dataclass(frozen=True)
class Vocabulary:
    """An ordered list of (key, label) pairs; keys are stable machine names, labels what users see."""

    name: str
    items: tuple[tuple[str, str], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys in their official order."""
        return tuple(k for k, _ in self.items)

    @property
    def labels(self) -> tuple[str, ...]:
        """The Vietnamese labels in their official order."""
        return tuple(v for _, v in self.items)

    def label(self, key: str | None) -> str:
        """The label of a key ('' for None, the key itself if unknown)."""
        if key is None:
            return ""
        return dict(self.items).get(key, key)

    def lookup(self, text: str) -> str | None:
        """The key for a key or a label as a person may type it (any case, with or without marks)."""
        t = text.strip()
        if t in self.keys:
            return t
        wanted = fold(t)
        for key, label in self.items:
            if fold(label) == wanted or fold(key) == wanted:
                return key
        return None


def _v(name: str, *items: tuple[str, str]) -> Vocabulary:
    return Vocabulary(name, tuple(items))


UNIT_LEVEL = _v(
    "unit_level",
    # The central level ("TW", Ban Tuyên giáo và Dân vận Trung ương) sits above the provinces and merges their
    # packages; its key fits unit.level (8 characters, enforced by PostgreSQL).
    ("tw", "Trung ương"),
    ("tinh", "Tỉnh/Thành phố"),
    ("huyen", "Huyện/Quận/Thị xã"),
    ("xa", "Xã/Phường/Thị trấn/Đặc khu"),
    ("thon", "Thôn/Bản/Tổ dân phố/Ấp"),
)

BODY = _v(
    "body",
    ("cap_uy", "Cấp ủy Đảng"),
    ("ban_dan_van", "Ban Dân vận"),
    ("hdnd", "HĐND"),
    ("ubnd", "UBND"),
    ("mttq", "Ủy ban MTTQ"),
    ("hoi_lhpn", "Hội LHPN"),
    ("hoi_nong_dan", "Hội Nông dân"),
    ("hoi_ccb", "Hội Cựu chiến binh"),
    ("doan_tn", "Đoàn Thanh niên"),
    ("cong_doan", "Công đoàn"),
    ("cong_an", "Công an"),
    ("quan_su", "Quân sự"),
    ("bcd_ton_giao", "Ban Chỉ đạo công tác tôn giáo"),
    ("khac", "Khác"),
)

MEETING_KIND = _v(
    "meeting_kind",
    ("tiep_xuc_cu_tri", "Tiếp xúc cử tri"),
    ("doi_thoai", "Đối thoại với Nhân dân"),
    ("tuyen_truyen", "Tuyên truyền, quán triệt"),
    ("tap_huan", "Tập huấn, bồi dưỡng"),
    ("phan_bien", "Phản biện xã hội"),
    ("giao_ban", "Giao ban, sơ kết, tổng kết"),
    ("tiep_cong_dan", "Tiếp công dân"),
    ("khac", "Khác"),
)

PETITION_TYPE = _v("petition_type", ("y_kien", "Ý kiến"), ("kien_nghi", "Kiến nghị"))

PETITION_FIELD = _v(
    "petition_field",
    ("dat_dai", "Đất đai"),
    ("den_bu_gpmb", "Đền bù, giải phóng mặt bằng"),
    ("chinh_sach", "Chế độ, chính sách"),
    ("ha_tang", "Hạ tầng, giao thông"),
    ("moi_truong", "Tài nguyên, môi trường"),
    ("an_ninh_trat_tu", "An ninh, trật tự"),
    ("y_te_giao_duc", "Y tế, giáo dục"),
    ("san_xuat", "Sản xuất, kinh tế"),
    ("khac", "Khác"),
)

PETITION_STATUS = _v(
    "petition_status",
    ("moi", "Mới tiếp nhận"),
    ("giai_trinh", "Đã giải trình, làm rõ"),
    ("tiep_thu", "Tiếp thu, đang xử lý"),
    ("da_giai_quyet", "Đã giải quyết, trả lời"),
)

MONITORING_KIND = _v(
    "monitoring_kind",
    ("giam_sat", "Giám sát"),
    ("kiem_tra", "Kiểm tra"),
    ("khao_sat", "Khảo sát"),
    ("nam_tinh_hinh", "Nắm tình hình Nhân dân"),
)

FOLLOW_UP = _v(
    "follow_up",
    ("khong_co", "Không có kiến nghị"),
    ("chua", "Chưa khắc phục"),
    ("dang", "Đang khắc phục"),
    ("da", "Đã khắc phục"),
)

RELIGION = _v(
    "religion",
    ("phat_giao", "Phật giáo"),
    ("cong_giao", "Công giáo"),
    ("tin_lanh", "Tin lành"),
    ("cao_dai", "Cao Đài"),
    ("hoa_hao", "Phật giáo Hòa Hảo"),
    ("hoi_giao", "Hồi giáo"),
    ("khac", "Tôn giáo khác"),
    ("hien_tuong_moi", "Hiện tượng tôn giáo mới"),
)

REGISTRATION = _v(
    "registration",
    ("da_dang_ky", "Đã đăng ký sinh hoạt tập trung"),
    ("chua_dang_ky", "Chưa đăng ký"),
    ("duoc_cong_nhan", "Tổ chức được công nhận"),
)

CHECK_RESULT = _v(
    "check_result",
    ("chap_hanh_tot", "Chấp hành tốt"),
    ("co_thieu_sot", "Có thiếu sót"),
    ("vi_pham", "Có vi phạm"),
)

REGISTRANT_KIND = _v("registrant_kind", ("tap_the", "Tập thể"), ("ca_nhan", "Cá nhân"))

MODEL_FIELD = _v(
    "model_field",
    ("kinh_te", "Kinh tế"),
    ("van_hoa_xa_hoi", "Văn hóa - xã hội"),
    ("quoc_phong_an_ninh", "Quốc phòng - an ninh"),
    ("xay_dung_htct", "Xây dựng hệ thống chính trị"),
)

MODEL_STATUS = _v(
    "model_status",
    ("dang_ky", "Đã đăng ký"),
    ("dang_thuc_hien", "Đang thực hiện"),
    ("da_danh_gia", "Đã đánh giá"),
    ("cong_nhan", "Được công nhận điển hình"),
    ("khong_dat", "Không đạt"),
)

ROLE = _v(
    "role",
    ("admin", "Quản trị"),
    ("can_bo", "Cán bộ nhập liệu"),
    ("tong_hop", "Cán bộ tổng hợp"),
    ("van_thu", "Văn thư"),
)

BOOLEAN = _v("boolean", ("co", "Có"), ("khong", "Không"))
