"""Masking of personal data in free text: mobile and landline numbers, ID-card numbers and
personal names after the words that introduce them. Applied where records are read, so
every page and export shows masked text unless a user with the right asks otherwise.

Names are found only after an introducing word (我是, 本人, 联系人, 姓名 …): a name that
stands alone in a sentence cannot be told from other words without a name list, and is
not masked. Payees are shown as the platform publishes them.
"""

from __future__ import annotations

import polars as pl

# Rust regex has no look-around, so the characters on either side are captured and put
# back; a run of digits longer than the pattern is therefore left whole, not half-masked.
# fmt: off
PATTERNS = (
    # 18-digit ID card: keep the first 4 and last 4
    (r"(^|[^0-9])([1-9][0-9]{3})[0-9]{10}([0-9]{3}[0-9Xx])([^0-9Xx]|$)", "${1}${2}**********${3}${4}"),
    # 15-digit ID card (issued before 1999)
    (r"(^|[^0-9])([1-9][0-9]{3})[0-9]{7}([0-9]{4})([^0-9]|$)", "${1}${2}*******${3}${4}"),
    # mobile: keep the first 3 and last 4
    (r"(^|[^0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})([^0-9]|$)", "${1}${2}****${3}${4}"),
    # landline with area code
    (r"(^|[^0-9])(0[1-9][0-9]{1,2})(-?)[0-9]{3,4}([0-9]{4})([^0-9]|$)", "${1}${2}${3}****${4}${5}"),
    # a name after the word that introduces it: keep the surname
    (
        r"(我是|我叫|本人|联系人|姓名|户主|举报人|反映人|申请人|当事人)([:：\s]?)(\p{Han})\p{Han}{1,2}",
        "${1}${2}${3}**",
    ),
)
# fmt: on


def mask(text: pl.Expr) -> pl.Expr:
    """The text with personal data masked."""
    for pattern, replacement in PATTERNS:
        # Twice: a match takes the separator after it, so a number right behind another
        # (13800001111,13900002222) is only found on the second pass.
        text = text.str.replace_all(pattern, replacement).str.replace_all(pattern, replacement)
    return text


def mask_columns(frame: pl.DataFrame, columns: list[str], unmask: bool) -> pl.DataFrame:
    """`columns` masked unless `unmask` (a right of some roles, audited by the caller)."""
    if unmask:
        return frame
    present = [c for c in columns if c in frame.columns]
    return frame.with_columns(mask(pl.col(c)) for c in present)
