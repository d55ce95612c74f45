"""The generated paragraphs of a composed report, by actor, written as a Party office writes (SPEC §5.1).

Pure: figures in, (text, stated figures) per section out. "năm 2022 … so với năm 2021" in a year report,
"trong tháng" in a month, never "trong kỳ"; no increase or decrease is stated without figures for the same
period a year earlier; details by commune go into footnotes ("[[…]]", see report_doc.paragraphs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from danvan_desktop.domain import vocab as V
from danvan_desktop.domain.indicators import ACTORS
from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.vnformat import fmt_int, fmt_percent


@dataclass(frozen=True)
class ModelNote:
    """A "Dân vận khéo" model named in the report: who, what, and its award if any."""

    registrant: str
    name: str
    kind: str  # tap_the / ca_nhan
    award: str = ""
    unit_name: str = ""


@dataclass(frozen=True)
class ProseInput:
    """Everything the sentences are made from."""

    period: Period
    current: Mapping[str, int]
    previous: Mapping[str, int]
    comparable: bool
    children: Sequence[tuple[str, Mapping[str, int]]] = ()  # (unit name, its figures), for footnotes
    recognized: Sequence[ModelNote] = ()  # recognised as typical in the period
    awarded: Sequence[ModelNote] = ()  # awarded in the period
    two_digits: bool = True  # "02 cuộc" (an office setting, on by default)
    religion: bool = True  # the acting account may see religious figures


@dataclass
class _Out:
    """Paragraphs being written and the figures they state."""

    lines: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)


class Prose:
    """Writes each section's paragraphs from one ProseInput."""

    def __init__(self, data: ProseInput):
        """Keep the figures and how the period and the earlier one are named."""
        self.d = data
        self.c, self.p = data.current, data.previous
        per = data.period
        prev_year = per.start.year - 1
        self.when, self.compared = _period_words(per, prev_year)

    # -- words
    def n(self, value: int) -> str:
        """A count as the office writes it: "02" below ten when the setting is on, "1.858" otherwise."""
        if self.d.two_digits and 0 < value < 10:
            return f"{value:02d}"
        return fmt_int(value)

    def val(self, out: _Out, *keys: str) -> int:
        """The sum of some figures, remembered as stated."""
        for k in keys:
            out.figures[k] = int(self.c.get(k, 0))
        return sum(int(self.c.get(k, 0)) for k in keys)

    def prev(self, *keys: str) -> int:
        """The same figures a year earlier."""
        return sum(int(self.p.get(k, 0)) for k in keys)

    def change(self, *items: tuple[int, int, str]) -> str:
        """(now, before, noun) items -> "tăng 28 tập thể và 45 cá nhân so với năm 2021", or why not."""
        if not self.d.comparable:
            return f"chưa có số liệu {self.compared} để so sánh"
        deltas = [(now - before, noun) for now, before, noun in items]
        moved = [(d, noun) for d, noun in deltas if d]
        if not moved:
            return f"bằng {self.compared}"
        if all(d > 0 for d, _ in moved) or all(d < 0 for d, _ in moved):
            word = "tăng" if moved[0][0] > 0 else "giảm"
            return f"{word} {' và '.join(f'{fmt_int(abs(d))} {noun}' for d, noun in moved)} so với {self.compared}"
        parts = [f"{'tăng' if d > 0 else 'giảm'} {fmt_int(abs(d))} {noun}" for d, noun in moved]
        return f"{', '.join(parts)} so với {self.compared}"

    def by_unit(self, keys: Sequence[str], noun: str) -> str:
        """The footnote listing communes with their count: "[[Sơn Bình 05 cuộc; Bình Lư 02 cuộc]]"."""
        parts = []
        for name, figs in self.d.children:
            v = sum(int(figs.get(k, 0)) for k in keys)
            if v:
                parts.append(f"{_short_name(name)} {self.n(v)} {noun}")
        return f"[[{'; '.join(parts)}.]]" if len(parts) > 1 else ""

    # -- the overall lead paragraph
    def tong_quat(self) -> _Out:
        """The political system as a whole: meetings and people, petitions received and answered."""
        o = _Out()
        total = self.val(o, "meetings.total")
        people = self.val(o, "meetings.participants")
        if total:
            s = (f"{self.when}, các cấp ủy, chính quyền, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội đã tổ "
                 f"chức {self.n(total)} hội nghị, tiếp xúc, đối thoại")
            if people:
                women = self.val(o, "meetings.women")
                s += f", thu hút {fmt_int(people)} lượt người tham dự (nữ chiếm {_pct(women, people)})"
                change = self.change((total, self.prev("meetings.total"), "hội nghị"),
                                     (people, self.prev("meetings.participants"), "lượt người tham dự"))
            else:
                change = self.change((total, self.prev("meetings.total"), "hội nghị"))
            o.lines.append(f"{s}; {change}.{self.by_unit(['meetings.total'], 'cuộc')}")
            kinds = [f"{self.n(self.val(o, f'meetings.by_kind.{k}'))} {_MEASURE.get(k, 'hội nghị')} {label[:1].lower()}"
                     f"{label[1:]}" for k, label in V.MEETING_KIND.items if self.c.get(f"meetings.by_kind.{k}")]
            if kinds:
                o.lines.append(f"Trong đó: {'; '.join(kinds)}.")
        else:
            o.lines.append(f"{self.when}, chưa tổ chức hội nghị, tiếp xúc, đối thoại nào.")
        pet = self.val(o, "petitions.total")
        if pet:
            answered = self.val(o, "petitions.answered")
            change = self.change((pet, self.prev("petitions.total"), "ý kiến, kiến nghị"))
            s = f"Tiếp nhận {self.n(pet)} ý kiến, kiến nghị của Nhân dân, {change}; "
            s += (f"đã giải quyết, trả lời, giải trình {self.n(answered)} ý kiến, kiến nghị, đạt "
                  f"{_pct(answered, pet)}." if answered else "chưa có ý kiến, kiến nghị nào được trả lời.")
            overdue = self.val(o, "petitions.overdue")
            if overdue:
                s += f" Còn {self.n(overdue)} kiến nghị quá hạn chưa được giải quyết."
            o.lines.append(s)
        return o

    # -- by actor
    def actor(self, key: str, who: str) -> _Out:
        """Meetings organised and supervision led by an actor's bodies, with each body's share."""
        o = _Out()
        bodies = ACTORS[key]
        mk = [f"meetings.by_organizer.{b}" for b in bodies]
        sk = [f"monitoring.by_lead_body.{b}" for b in bodies]
        meetings, monitoring = self.val(o, *mk), self.val(o, *sk)
        if not meetings and not monitoring:
            o.lines.append(f"{self.when}, chưa ghi nhận hội nghị, cuộc giám sát, kiểm tra nào do {who} tổ chức, "
                           "chủ trì.")
            return o
        parts = []
        if meetings:
            parts.append(f"tổ chức {self.n(meetings)} hội nghị, tiếp xúc, đối thoại với Nhân dân")
        if monitoring:
            parts.append(f"chủ trì {self.n(monitoring)} cuộc giám sát, kiểm tra, khảo sát")
        change = self.change(*[(n, self.prev(*ks), noun) for n, ks, noun in
                               ((meetings, mk, "hội nghị"), (monitoring, sk, "cuộc giám sát, kiểm tra"))])
        o.lines.append(f"{self.when}, {who} đã {' và '.join(parts)}, {change}."
                       f"{self.by_unit(mk + sk, 'cuộc')}")
        if len(bodies) > 2:
            each = [f"{V.BODY.label(b)} {self.n(int(self.c.get(f'meetings.by_organizer.{b}', 0)))}"
                    for b in bodies if self.c.get(f"meetings.by_organizer.{b}")]
            if len(each) > 1:
                o.lines.append(f"Số hội nghị theo cơ quan tổ chức: {'; '.join(each)}.")
        return o

    def chinh_quyen(self) -> _Out:
        """The government: its meetings and supervision, and the voters met at tiếp xúc cử tri."""
        o = self.actor("chinh_quyen", "chính quyền các cấp (Hội đồng nhân dân, Ủy ban nhân dân)")
        txct = self.val(o, "meetings.by_kind.tiep_xuc_cu_tri")
        voters = self.val(o, "meetings.participants_by_kind.tiep_xuc_cu_tri")
        parts = []
        if txct:
            parts.append(f"{self.n(txct)} cuộc tiếp xúc cử tri với {fmt_int(voters)} lượt cử tri tham dự")
        for key, words in (("tiep_cong_dan", "buổi tiếp công dân"), ("doi_thoai", "cuộc đối thoại với Nhân dân")):
            n = self.val(o, f"meetings.by_kind.{key}")
            if n:
                parts.append(f"{self.n(n)} {words}")
        if parts:
            o.lines.append(f"Tổ chức {'; '.join(parts)}.")
        return o

    def dan_toc(self) -> _Out:
        """Ethnic minorities at the meetings."""
        o = _Out()
        people, ethnic = self.val(o, "meetings.participants"), self.val(o, "meetings.ethnic_minority")
        if ethnic:
            o.lines.append(f"Các hội nghị, tiếp xúc, đối thoại {self.when_lower()} có {fmt_int(ethnic)} lượt người "
                           f"dân tộc thiểu số tham dự, chiếm {_pct(ethnic, people)} số lượt người tham dự.")
        return o

    def ton_giao(self) -> _Out:
        """The religious registry and the checks of the period (counts only; never without the right)."""
        o = _Out()
        if not self.d.religion:
            return o
        sites = self.val(o, "religious_sites.total")
        if sites:
            followers = self.val(o, "religious_sites.followers")
            o.lines.append(f"Trên địa bàn hiện có {self.n(sites)} điểm nhóm, cơ sở tôn giáo với {fmt_int(followers)} "
                           f"tín đồ; trong đó {self.n(self.val(o, 'religious_sites.by_registration.da_dang_ky'))} điểm "
                           "nhóm đã đăng ký sinh hoạt tập trung.")
        checks = self.val(o, "religious_checks.total")
        if checks:
            change = self.change((checks, self.prev("religious_checks.total"), "cuộc"))
            bad = self.val(o, "religious_checks.by_result.vi_pham")
            tail = f"; phát hiện {self.n(bad)} trường hợp vi phạm" if bad else "; chưa phát hiện vi phạm"
            o.lines.append(f"{self.when}, tổ chức {self.n(checks)} cuộc kiểm tra, nắm tình hình hoạt động tôn giáo, "
                           f"{change}{tail}.")
        return o

    def dan_van_kheo(self) -> _Out:
        """The emulation movement: models registered, recognised and awarded, named with their award."""
        o = _Out()
        tt, cn = self.val(o, "models.registered.tap_the"), self.val(o, "models.registered.ca_nhan")
        if tt or cn:
            change = self.change((tt, self.prev("models.registered.tap_the"), "tập thể"),
                                 (cn, self.prev("models.registered.ca_nhan"), "cá nhân"))
            note = self.by_unit(["models.registered.tap_the", "models.registered.ca_nhan"], "mô hình")
            o.lines.append(f"{self.when}, có {_pair(self, tt, cn)} đăng ký thực hiện mô hình “Dân vận khéo”, "
                           f"{change}.{note}")
            fields = [f"{label[:1].lower()}{label[1:]} {self.n(self.val(o, f'models.by_field.{k}'))} mô hình"
                      for k, label in V.MODEL_FIELD.items if self.c.get(f"models.by_field.{k}")]
            if fields:
                o.lines.append(f"Theo lĩnh vực: {'; '.join(fields)}.")
            rec = _pair(self, self.val(o, "models.recognized.tap_the"), self.val(o, "models.recognized.ca_nhan"))
            if rec:
                named = [f"“{m.name}” của {m.registrant}" for m in self.d.recognized[:12]]
                tail = f": {'; '.join(named)}" if named else ""
                o.lines.append(f"Trong số mô hình đăng ký {self.when_lower()}, có {rec} được công nhận điển hình "
                               f"“Dân vận khéo”{tail}.")
        else:
            o.lines.append(f"{self.when}, không có tập thể, cá nhân đăng ký mới mô hình “Dân vận khéo”.")
        at, ac = self.val(o, "models.awarded.tap_the"), self.val(o, "models.awarded.ca_nhan")
        if at or ac:
            change = self.change((at, self.prev("models.awarded.tap_the"), "tập thể"),
                                 (ac, self.prev("models.awarded.ca_nhan"), "cá nhân"))
            s = f"Có {_pair(self, at, ac)} điển hình “Dân vận khéo” được khen thưởng, {change}"
            named = [f"{m.registrant} với mô hình “{m.name}” ({m.award})" for m in self.d.awarded[:12]]
            if named:
                s += f", tiêu biểu: {'; '.join(named)}"
            o.lines.append(s + ".")
        return o

    def when_lower(self) -> str:
        """The period words inside a sentence ("trong tháng", "năm 2022")."""
        return self.when[:1].lower() + self.when[1:]

    def sections(self) -> dict[str, tuple[str, dict[str, int]]]:
        """Every generated section: key -> (text, the figures it states)."""
        makers: dict[str, Callable[[], _Out]] = {
            "tong_quat": self.tong_quat,
            "cap_uy": lambda: self.actor("cap_uy", "cấp ủy các cấp"),
            "chinh_quyen": self.chinh_quyen,
            "mttq_doan_the": lambda: self.actor("mttq_doan_the", "Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội"),
            "luc_luong_vu_trang": lambda: self.actor("luc_luong_vu_trang", "lực lượng Công an, Quân sự"),
            "dan_toc": self.dan_toc,
            "ton_giao": self.ton_giao,
            "dan_van_kheo": self.dan_van_kheo,
            "ban_dan_van": lambda: self.actor_ban_dan_van(),
        }
        out = {}
        for key, make in makers.items():
            o = make()
            out[key] = ("\n".join(o.lines), o.figures)
        return out

    def actor_ban_dan_van(self) -> _Out:
        """The Ban Dân vận's own meetings and supervision."""
        o = _Out()
        mk, sk = "meetings.by_organizer.ban_dan_van", "monitoring.by_lead_body.ban_dan_van"
        m, s = self.val(o, mk), self.val(o, sk)
        if m or s:
            change = self.change((m, self.prev(mk), "hội nghị"), (s, self.prev(sk), "cuộc giám sát, kiểm tra"))
            o.lines.append(f"{self.when}, Ban Dân vận đã chủ trì, phối hợp tổ chức {self.n(m)} hội nghị và "
                           f"{self.n(s)} cuộc giám sát, kiểm tra, nắm tình hình Nhân dân, {change}.")
        return o


_MEASURE = {"tiep_xuc_cu_tri": "cuộc", "doi_thoai": "cuộc", "tuyen_truyen": "hội nghị", "tap_huan": "lớp",
            "phan_bien": "hội nghị", "giao_ban": "hội nghị", "tiep_cong_dan": "buổi", "khac": "hoạt động"}
_LEVEL_WORDS = ("Xã ", "Phường ", "Thị trấn ", "Đặc khu ", "Thôn ", "Bản ", "Tổ dân phố ")


def _short_name(name: str) -> str:
    """A commune as named in a footnote: "Xã Sơn Bình" -> "Sơn Bình"."""
    for w in _LEVEL_WORDS[:4]:
        if name.startswith(w):
            return name[len(w):]
    return name


def _pct(part: int, whole: int) -> str:
    """Part of a whole as "39,4%" ("0,0%" for an empty whole)."""
    return fmt_percent(part / whole if whole else 0)


def _pair(p: Prose, a: int, b: int) -> str:
    """Return "190 tập thể và 136 cá nhân", leaving out a zero side."""
    return " và ".join(f"{p.n(n)} {noun}" for n, noun in ((a, "tập thể"), (b, "cá nhân")) if n)


def _period_words(per: Period, prev_year: int) -> tuple[str, str]:
    """("Năm 2022", "năm 2021"), ("Trong tháng", "cùng kỳ năm 2021")…: how a Party office names them."""
    match per.kind:
        case "year":
            return f"Năm {per.start.year}", f"năm {prev_year}"
        case "month":
            return "Trong tháng", f"cùng kỳ năm {prev_year}"
        case "quarter":
            return "Trong quý", f"cùng kỳ năm {prev_year}"
        case "half" | "nine_months":
            label = per.label_vi
            return label[:1].upper() + label[1:], f"cùng kỳ năm {prev_year}"
        case _:
            return per.label_vi[:1].upper() + per.label_vi[1:], "cùng kỳ năm trước"


def generate(data: ProseInput) -> dict[str, tuple[str, dict[str, int]]]:
    """Each generated section's text and the figures it states, keyed by actor/section."""
    return Prose(data).sections()


def next_period_label(per: Period) -> str:
    """The period a report's tasks are for: "năm 2023" after "năm 2022", "tháng 6" after "tháng 5"…"""
    y = per.start.year
    match per.kind:
        case "year":
            return f"năm {y + 1}"
        case "month":
            m = per.start.month
            return f"tháng {m % 12 + 1} năm {y + (m == 12)}"
        case "quarter":
            q = (per.start.month - 1) // 3 + 1
            return f"quý {('I', 'II', 'III', 'IV')[q % 4]} năm {y + (q == 4)}"
        case "half":
            return f"6 tháng cuối năm {y}" if per.start.month == 1 else f"6 tháng đầu năm {y + 1}"
        case "nine_months":
            return f"quý IV năm {y}"
        case _:
            return "thời gian tới"
