"""The discipline list: China's 一级学科 by their official four-digit codes, in 学科门类 groups.

Experts, and later items and sessions, are classified by these codes; a code or a Chinese or
English label (any case) names a discipline.
"""

from dataclasses import dataclass

from rooms.errors import DomainError


@dataclass(frozen=True, slots=True)
class Discipline:
    code: str  # stable: the official code of the 一级学科
    zh: str
    en: str

    @property
    def group(self) -> str:
        return self.code[:2]  # the 学科门类

    def label(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


D = Discipline
GROUPS: dict[str, Discipline] = {  # 学科门类, keyed by their two-digit code
    g.code: g
    for g in (
        D("01", "哲学", "Philosophy"), D("02", "经济学", "Economics"), D("03", "法学", "Law"),
        D("04", "教育学", "Education"), D("05", "文学", "Literature"), D("06", "历史学", "History"),
        D("07", "理学", "Natural Sciences"), D("08", "工学", "Engineering"),
        D("09", "农学", "Agriculture"), D("10", "医学", "Medicine"),
        D("12", "管理学", "Management"), D("13", "艺术学", "Arts"),
        D("14", "交叉学科", "Interdisciplinary"),
    )
}  # fmt: skip
DISCIPLINES: tuple[Discipline, ...] = (  # 一级学科, a short list
    D("0101", "哲学", "Philosophy"), D("0201", "理论经济学", "Theoretical Economics"),
    D("0202", "应用经济学", "Applied Economics"), D("0301", "法学", "Law"),
    D("0303", "社会学", "Sociology"), D("0401", "教育学", "Education"),
    D("0402", "心理学", "Psychology"),
    D("0501", "中国语言文学", "Chinese Language and Literature"),
    D("0503", "新闻传播学", "Journalism and Communication"),
    D("0602", "中国史", "Chinese History"), D("0701", "数学", "Mathematics"),
    D("0702", "物理学", "Physics"), D("0703", "化学", "Chemistry"),
    D("0704", "天文学", "Astronomy"), D("0705", "地理学", "Geography"),
    D("0706", "大气科学", "Atmospheric Sciences"), D("0707", "海洋科学", "Marine Sciences"),
    D("0709", "地质学", "Geology"), D("0710", "生物学", "Biology"), D("0713", "生态学", "Ecology"),
    D("0714", "统计学", "Statistics"), D("0801", "力学", "Mechanics"),
    D("0802", "机械工程", "Mechanical Engineering"),
    D("0805", "材料科学与工程", "Materials Science and Engineering"),
    D("0807", "动力工程及工程热物理", "Power and Thermal Engineering"),
    D("0808", "电气工程", "Electrical Engineering"),
    D("0810", "信息与通信工程", "Information and Communication Engineering"),
    D("0811", "控制科学与工程", "Control Science and Engineering"),
    D("0812", "计算机科学与技术", "Computer Science and Technology"),
    D("0814", "土木工程", "Civil Engineering"),
    D("0817", "化学工程与技术", "Chemical Engineering and Technology"),
    D("0825", "航空宇航科学与技术", "Aeronautics and Astronautics"),
    D("0830", "环境科学与工程", "Environmental Science and Engineering"),
    D("0831", "生物医学工程", "Biomedical Engineering"),
    D("0839", "网络空间安全", "Cyberspace Security"), D("0901", "作物学", "Crop Science"),
    D("1001", "基础医学", "Basic Medicine"), D("1002", "临床医学", "Clinical Medicine"),
    D("1004", "公共卫生与预防医学", "Public Health and Preventive Medicine"),
    D("1007", "药学", "Pharmacy"),
    D("1201", "管理科学与工程", "Management Science and Engineering"),
    D("1202", "工商管理", "Business Administration"),
    D("1204", "公共管理", "Public Administration"), D("1301", "艺术学", "Art Studies"),
    D("1401", "集成电路科学与工程", "Integrated Circuit Science and Engineering"),
)  # fmt: skip
_BY_CODE = {d.code: d for d in DISCIPLINES}
_BY_LABEL = {label.casefold(): d.code for d in DISCIPLINES for label in (d.zh, d.en)}


def discipline(code: str) -> Discipline:
    if code not in _BY_CODE:
        raise DomainError("Unknown discipline {name!r}.", code="unknown_discipline", name=code)
    return _BY_CODE[code]


def discipline_code(text: str) -> str:
    """A discipline's code from its code or its Chinese or English label (any case)."""
    text = " ".join(text.split())
    code = text if text in _BY_CODE else _BY_LABEL.get(text.casefold())
    if code is None:
        raise DomainError(
            "Unknown discipline {name!r}; use a code or a name from the discipline list.",
            code="unknown_discipline",
            name=text[:60],
        )
    return code
