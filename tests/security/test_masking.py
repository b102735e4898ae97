"""#12 item 3: personal numbers are masked however they are written, and ordinary words
are left alone. The finder of numbers is independent of the masker
(tests/security/personal_data.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from datastore.privacy import mask_text
from tests.security.personal_data import (
    ORDINARY,
    message_with_numbers,
    personal_number,
    unmasked_numbers,
)


@settings(max_examples=400, deadline=None)
@given(personal_number())
def test_every_way_of_writing_a_number_is_masked(number):
    _, written = number
    assert unmasked_numbers(written), f"the finder must see {written!r}"
    masked = mask_text(written)
    assert not unmasked_numbers(masked), f"{written!r} → {masked!r}"
    assert "*" in masked


@settings(max_examples=300, deadline=None)
@given(message_with_numbers())
def test_numbers_among_words_are_masked(message):
    masked = mask_text(message)
    assert not unmasked_numbers(masked), f"{message!r} → {masked!r}"


@pytest.mark.parametrize("sentence", ORDINARY)
def test_ordinary_sentences_come_out_unchanged(sentence):
    assert mask_text(sentence) == sentence


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("138-0000-1111", "138-****-1111"),
        ("138 0000 1111", "138 **** 1111"),
        ("+8613800001111", "+86138****1111"),
        ("１３８００００１１１１", "１３８****１１１１"),
        ("（024）88881234", "（024）****1234"),
        ("2101 1119 8001 0112 34", "2101 **** **** **12 34"),
        ("２１０１１１１９８００１０１１２３Ｘ", "２１０１**********１２３Ｘ"),
        ("21011119300101000 X", "2101**********000 X"),
        ("X光检查", "X光检查"),
        ("电话一三八零零零零一一一一", "电话一三八****一一一一"),
        ("本人张伟，身份证号210111198001011234", "本人张**，身份证号2101**********1234"),
        ("我是欧阳娜娜，", "我是欧阳**，"),
        ("我叫张三，电话13800001111", "我叫张**，电话138****1111"),
        ("联系人：李四", "联系人：李**"),
        ("举报人是李梅", "举报人是李**"),
        ("联系人王建国电话13800001111", "联系人王**电话138****1111"),
        ("本人反映村里道路坏了", "本人反映村里道路坏了"),
        ("本人张伟反映村里问题", "本人张**反映村里问题"),
        ("我叫刘洋反映低保问题", "我叫刘**反映低保问题"),
        ("本人王小二举报村干部", "本人王**举报村干部"),
        ("我是党员", "我是党员"),
        ("户主要求修路", "户主要求修路"),
        ("13800001111,13900002222", "138****1111,139****2222"),
        ("账号6222021234567890123", "账号6222021234567890123"),
    ],
)
def test_masking_examples(text, masked):
    assert mask_text(text) == masked
