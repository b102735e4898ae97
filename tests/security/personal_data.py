"""Personal numbers written every way people write them, and a finder of such numbers that
shares nothing with the masker (datastore/privacy.py): it reads digits through Unicode's
own categories, so what the masker misses, this finds."""

from __future__ import annotations

import random
import re
import unicodedata

from hypothesis import strategies as st

CHINESE = "〇一二三四五六七八九"
FULL_WIDTH = "０１２３４５６７８９"
_MOBILE = re.compile(r"1[3-9]\d{9}")
_ID = re.compile(r"[1-9]\d{16}[\dX]|[1-9]\d{14}")  # 18 characters, or 15 before 1999


def _as_digits(char: str) -> str:
    if char in CHINESE or char in "零幺":
        return str(CHINESE.index(char)) if char in CHINESE else ("0" if char == "零" else "1")
    normal = unicodedata.normalize("NFKC", char)
    if normal.isdigit() or normal in "Xx":
        return normal.upper()
    return ""


def _joins(char: str) -> bool:
    """Whether a reader reads a number on across this character: spaces, dashes, brackets,
    dots and plus signs (Unicode's own classes), not sentence punctuation (，。：)."""
    category = unicodedata.category(char)
    return (
        category[0] == "Z"
        or category in ("Pd", "Ps", "Pe")
        or unicodedata.normalize("NFKC", char) in ".·+"
    )


def unmasked_numbers(text: str) -> list[str]:
    """Mobile and ID numbers readable in `text`: digits in any script, read on across
    spacing and dashes, broken by words, sentence punctuation and the masker's stars."""
    runs, current = [], []
    for char in text:
        digit = _as_digits(char)
        if digit:
            current.append(digit)
        elif char != "*" and _joins(char):
            continue
        else:
            runs.append("".join(current))
            current = []
    runs.append("".join(current))
    found = []
    for run in runs:
        # Digits read together are one number: a mobile (after a country code) or an ID.
        bare = re.sub(r"^(0086|86)(?=1\d{10}$)", "", run)
        if _MOBILE.fullmatch(bare) or _ID.fullmatch(run):
            found.append(run)
    return found


def _id_number(draw) -> str:
    region = draw(st.sampled_from(["210111", "110105", "440305", "622301"]))
    year = draw(st.integers(1930, 2010))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    serial = draw(st.integers(0, 999))
    check = draw(st.sampled_from("0123456789X"))
    if draw(st.booleans()):  # 18 characters
        return f"{region}{year}{month:02d}{day:02d}{serial:03d}{check}"
    return f"{region}{year % 100:02d}{month:02d}{day:02d}{serial:03d}"  # 15, before 1999


@st.composite
def personal_number(draw) -> tuple[str, str]:
    """(kind, the number as written): mobile or ID, with separators between any digits'
    groups, full-width or Chinese digits, a country code, brackets."""
    kind = draw(st.sampled_from(["mobile", "id"]))
    if kind == "mobile":
        digits = f"1{draw(st.sampled_from('3456789'))}{draw(st.integers(0, 10**9 - 1)):09d}"
    else:
        digits = _id_number(draw)
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=4)))
    separator = draw(st.sampled_from([" ", "-", " - ", ".", "—", "·", "－", "　", "  "]))
    pieces = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    written = separator.join(pieces)
    script = draw(st.sampled_from(["ascii", "full-width", "chinese"]))
    if script == "full-width":
        written = written.translate(str.maketrans("0123456789X", FULL_WIDTH + "Ｘ"))
    elif script == "chinese" and kind == "mobile":
        written = written.translate(str.maketrans("0123456789", CHINESE))
    if kind == "mobile":
        written = draw(st.sampled_from(["", "+86", "+86 ", "0086-", "86", "(+86)"])) + written
    return kind, written


AROUND = ["电话", "手机号", "联系方式：", "身份证号", "请回电", "，", "。", "（", "）", "：",
          " ", "本人", "村民", "反映", "谢谢", "共3户", "第2次", ""]  # fmt: skip
BREAKING = [a for a in AROUND if a and not all(_joins(c) for c in a)]


@st.composite
def message_with_numbers(draw) -> str:
    """A message holding one to three personal numbers among ordinary words. Something a
    reader stops at stands between two numbers (a word or sentence punctuation, not only
    spaces or brackets): digits read on together are one number (an account's), which the
    masker leaves whole."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        parts.append(draw(st.sampled_from(BREAKING)) + draw(st.sampled_from(AROUND)))
        parts.append(draw(personal_number())[1])
    parts.append(draw(st.sampled_from(AROUND)))
    return "".join(parts)


def variant_messages(count: int, seed: int = 5) -> list[str]:
    """`count` messages of the same variants, reproducibly, for pages and files."""
    rng = random.Random(seed)
    written = []
    for n in range(count):
        digits = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        ident = f"210111{rng.randrange(1940, 2005)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}X"
        forms = [
            f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
            f"{digits[:3]} {digits[3:7]} {digits[7:]}",
            f"+86{digits}",
            digits.translate(str.maketrans("0123456789", FULL_WIDTH)),
            digits.translate(str.maketrans("0123456789", CHINESE)),
            f"{ident[:6]} {ident[6:14]} {ident[14:]}",
            ident.translate(str.maketrans("0123456789X", FULL_WIDTH + "Ｘ")),
        ]
        written.append(f"第{n}号反映：电话{forms[n % 5]}，身份证{forms[5 + n % 2]}，谢谢")
    return written


ORDINARY = [
    "本人反映村里道路坏了，希望尽快修好。",
    "我是党员，愿意带头参加村里的环境整治。",
    "户主要求修路，已经反映了三次。",
    "我是本村村民，想问一下低保的申请条件。",
    "本人于上月反映的问题至今没有答复。",
    "村委会2024年5月1日公布的账目中，修路款为12,345.67元。",
    "共3户12人受灾，请于2024-06-01前上报。",
    "会议于14:30开始，地点在村部二楼。",
    "申请人已经提交了全部材料。",
    "联系人电话稍后补充。",
    "我是一名退伍军人，想了解优待政策。",
    "当事人是否知情，请核实。",
    "第1、2、3项已公开，第4项待审核。",
    "路灯坏了三盏，分别在东头、西头和村口。",
    "本人家住三组，门前排水沟堵塞。",
    "我是苏家屯区的居民，反映小区供暖问题。",
    "高龄补贴每月100元，2023年起发放。",
    "账号6222021234567890123已停用。",
    "报名截止2024年12月31日24时。",
    "姓名栏请填写完整。",
    "本人于上月反映的问题至今未解决。",
    "本人向村委反映过多次。",
    "本人曾多次反映。",
    "本人强烈反映此事。",
    "我是王庄反映情况的。",
    "本人和村委联系过。",
]
