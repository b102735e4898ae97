"""Masking of personal data in free text: mobile and landline numbers, ID-card numbers and
personal names where the text introduces them. Applied where records are read, so every
page and export shows masked text unless a user with the right asks otherwise.

Numbers are found however they are written: the text is normalised (NFKC: full-width
digits and punctuation become ASCII), Chinese digits (一三八…, 幺) count as digits, and
spaces, hyphens, dots and brackets may sit between digit groups (138-0000-1111,
+86 138 0000 1111, （024）8888-1234, 2101 1119 8001 0112 34). Only the digits are starred;
everything else is given back exactly as written. A group of digits is never split: a
19-digit account number is left whole rather than half-masked.

Names are masked only where the text introduces one: after a label (姓名、联系人、举报人 …)
or a self-introduction (我叫、我是、本人), when what follows is a known surname and one or
two more characters that end there (at punctuation, a digit, the end, or words such as
电话 or 反映 that follow a name: 本人张伟反映), and is not a common word (我是党员、本人反映、
本人于上月反映). A name standing
alone in a sentence cannot be told from other words without a name list, and is not
masked. Payees are shown as the platform publishes them.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

CHINESE_DIGITS = dict(zip("〇零一二三四五六七八九幺", "001234567891", strict=True))
# Between two groups of digits: up to three of these, as people space out a number.
SEPARATORS = " \t\u00a0-‐‑‒–—―.·()[]"
# An ID number's final X may stand apart from its digits ("… 1234 X"): a lone X is a group.
_GROUP = re.compile(r"[0-9]+[Xx]?|[Xx]")

# fmt: off
COMPOUND_SURNAMES = [
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "万俟", "闻人", "申屠",
    "澹台", "赫连", "呼延", "百里", "钟离", "宗政", "濮阳", "太史", "公冶", "仲孙", "单于",
]
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关"
    "兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠"
    "惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉"
    "禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修"
    "邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴"
    "昝智幸奉植衡富尧闭由"
)
# Introductions after which a name may follow. Labels say so outright; self-introductions
# are more often followed by other words, so those must end at a hard boundary.
LABELS = ("户主姓名", "姓名", "联系人", "举报人", "反映人", "申请人", "当事人", "户主", "收件人",
          "名字")
SELF = ("我的名字是", "我叫", "名叫", "本人是", "本人叫", "我是", "本人")
# Words a name is commonly followed by in a message.
AFTER_NAME = ("电话", "手机", "联系", "身份证", "家住", "住址", "现住", "男", "女", "同志", "先生",
              "女士", "反映", "举报", "申请", "是", "的", "村民", "居民", "户")
# After a self-introduction, the words that end a name there as surely as punctuation
# (本人张伟反映…), unless the surname is more often a word of its own (本人于上月反映…)
# or the "name" ends like a place (我是王庄反映…).
SELF_AFTER_NAME = ("电话", "手机", "联系", "身份证", "家住", "住址", "现住", "反映", "举报", "申请")
FUNCTION_SURNAMES = set("于向和曾时都来从在把被给为将应经常全多平明安原初计支")
PLACE_ENDINGS = set("村屯组镇乡街社区庄沟堡台店营寨湾坊桥家")
# Words after 我是 / 本人 / 户主 … that start like a name but are not one.
COMMON_WORDS = {
    "党员", "老党员", "党代表", "党支部", "村民", "居民", "群众", "户主", "本村", "本组",
    "本地", "贫困户", "低保户", "五保户", "军属", "退伍", "房东", "房主", "包工头", "包户",
    "华侨", "万元", "高龄", "高中", "高三", "石匠", "木匠", "司机", "常住", "管理员", "于是",
    "于今", "上访", "谢谢", "申请", "要求", "反映", "曾经", "曾在", "向您", "向你", "向村", "能否",
    "希望", "强烈", "多次", "已经", "一直", "全家", "全村", "全体", "家里", "方便", "和村",
    "和家", "和妻", "和丈", "和儿", "和女", "和孩", "和老", "代表", "关于", "经常", "宁愿",
    "安全", "安排", "明天", "明年", "明白", "平时", "时常", "时间", "伍长", "应该", "应当",
    "宋体", "田里", "田地", "林地", "林业", "江边", "周边", "周末", "周围", "方面", "车辆",
    "车子", "路上", "路面", "路灯", "路口", "黄牛", "金额", "白天", "成员", "成为", "程序",
    "邻居", "师傅", "师范", "商户", "商家", "商铺", "卫生", "乐意", "初中", "元旦", "原来",
    "原先", "计划", "国家", "支部", "都是", "都在", "来自", "来信", "来电", "信访", "海边",
}
# fmt: on
_NAME_START = re.compile(
    "(" + "|".join(LABELS) + r")(是|为|叫|[:：\s]{0,2})"
    "|(" + "|".join(SELF) + r")([:：\s]{0,2})"
)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _normalised(text: str) -> tuple[str, str, list[int]]:
    """NFKC of each character; the same with Chinese digits as digits (for numbers: 张三 is
    a name, not 张3); and for each character of both the position it came from."""
    chars, digits, origin = [], [], []
    for position, char in enumerate(text):
        normal = unicodedata.normalize("NFKC", char)
        digit = CHINESE_DIGITS.get(char)
        for n, out in enumerate(normal):
            chars.append(out)
            digits.append(digit if digit and n == 0 else out)
            origin.append(position)
    return "".join(chars), "".join(digits), origin


def _groups(flat: str) -> list[list[tuple[int, int]]]:
    """Runs of digit groups joined by separators: each run a list of (start, end) spans."""
    runs: list[list[tuple[int, int]]] = []
    last_end = None
    for found in _GROUP.finditer(flat):
        start, end = found.span()
        gap = flat[last_end:start] if last_end is not None else None
        joined = gap is not None and 0 < len(gap) <= 3 and all(c in SEPARATORS for c in gap)
        if runs and joined and flat[last_end - 1] not in "Xx":
            runs[-1].append((start, end))
        else:
            runs.append([(start, end)])
        last_end = end
    return runs


def _kept(kind: str, digits: str) -> tuple[int, int] | None:
    """How many leading and trailing characters of a number stay visible, or None when the
    digits are not a number of that kind."""
    if kind == "mobile" and re.fullmatch(r"1[3-9][0-9]{9}", digits):
        return 3, 4
    if kind == "id18" and re.fullmatch(
        r"[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])"
        r"(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]",
        digits,
    ):
        return 4, 4  # fmt: skip
    if kind == "id15" and re.fullmatch(
        r"[1-9][0-9]{7}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
        r"[0-9]{3}",
        digits,
    ):
        return 4, 4  # fmt: skip
    if kind == "landline" and re.fullmatch(r"0[1-9][0-9]{1,2}[2-9][0-9]{6,7}", digits):
        area = 3 if digits[1] in "12" else 4
        return area, 4
    return None


_KINDS = ("id18", "id15", "mobile", "landline")


def _number_spans(flat: str) -> list[tuple[list[tuple[int, int]], int, int]]:
    """Numbers to mask: (the groups' spans, characters kept in front, kept behind)."""
    found = []
    for run in _groups(flat):
        taken = [False] * len(run)
        for width in range(len(run), 0, -1):
            for first in range(len(run) - width + 1):
                chosen = range(first, first + width)
                if any(taken[i] for i in chosen):
                    continue
                spans = [run[i] for i in chosen]
                digits = "".join(flat[s:e] for s, e in spans)
                # A country code in front of a mobile: +86, 0086 or 86 stays as written.
                lead = next((len(p) for p in ("0086", "86") if digits.startswith(p)
                             and _kept("mobile", digits[len(p):])), 0)  # fmt: skip
                for kind in _KINDS:
                    kept = _kept(kind, digits[lead:])
                    if kept:
                        found.append((spans, lead + kept[0], kept[1]))
                        for i in chosen:
                            taken[i] = True
                        break
    return found


def _name_spans(flat: str) -> list[tuple[int, int]]:
    """The given names (after the surname) of names the text introduces."""
    spans = []
    for found in _NAME_START.finditer(flat):
        start = found.end()
        surname = next((s for s in COMPOUND_SURNAMES if flat.startswith(s, start)), None)
        if surname is None and start < len(flat) and flat[start] in SURNAMES:
            surname = flat[start]
        if surname is None:
            continue
        is_label = found.group(1) is not None
        given_start = start + len(surname)
        for length in (2, 1):
            end = given_start + length
            given = flat[given_start:end]
            if len(given) < length or not all(_HAN.match(c) for c in given):
                continue
            rest = flat[end:]
            hard = not rest or not _HAN.match(rest[0])
            soft = (
                rest.startswith(AFTER_NAME)
                if is_label
                else rest.startswith(SELF_AFTER_NAME)
                and surname not in FUNCTION_SURNAMES
                and given[-1] not in PLACE_ENDINGS
            )
            word = surname + given
            if (hard or soft) and word not in COMMON_WORDS and given not in COMMON_WORDS:
                spans.append((given_start, end))
                break
    return spans


def mask_text(text: str | None) -> str | None:
    """The text with personal data masked: digits of numbers starred, but for the first
    and last few; a name's given name replaced by ** (its length is not told)."""
    if not text:
        return text
    flat, as_digits, origin = _normalised(text)
    starred: set[int] = set()
    for spans, front, back in _number_spans(as_digits):
        positions = [p for s, e in spans for p in range(s, e)]
        starred.update(origin[p] for p in positions[front : len(positions) - back])
    names = {origin[s]: origin[e - 1] for s, e in _name_spans(flat)}
    out, position = [], 0
    while position < len(text):
        if position in names:
            out.append("**")
            position = names[position] + 1
            continue
        out.append("*" if position in starred else text[position])
        position += 1
    return "".join(out)


def mask(text: pl.Expr) -> pl.Expr:
    """The text with personal data masked (`mask_text`)."""
    return text.map_elements(mask_text, return_dtype=pl.String, skip_nulls=True)


def mask_columns(frame: pl.DataFrame, columns: list[str], unmask: bool) -> pl.DataFrame:
    """`columns` masked unless `unmask` (a right of some roles, audited by the caller)."""
    if unmask:
        return frame
    present = [c for c in columns if c in frame.columns]
    return frame.with_columns(mask(pl.col(c)) for c in present)
