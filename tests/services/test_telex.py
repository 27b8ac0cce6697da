"""Telex: what a resident types and what the screen must show."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.telex import TelexComposer, ToneStyle, apply_key, compose

# (keys typed, classic spelling, modern spelling)
WORDS = [
    ("Nguyeenx", "Nguyễn", "Nguyễn"),
    ("nguwowif", "người", "người"),
    ("nguowif", "người", "người"),  # uo + w gives ươ once a letter follows
    ("khuyeens", "khuyến", "khuyến"),
    ("quoocs", "quốc", "quốc"),  # qu is a consonant: the tone is on ô
    ("giuwax", "giữa", "giữa"),  # gi is a consonant before a vowel
    ("gifn", "gìn", "gìn"),  # ...but a vowel before a consonant
    ("thuowr", "thuở", "thuở"),  # an open uo takes one horn
    ("hoaf", "hòa", "hoà"),
    ("khoer", "khỏe", "khoẻ"),
    ("thuys", "thúy", "thuý"),
    ("hoafn", "hoàn", "hoàn"),  # a final consonant: the last vowel, both styles
    ("hoanf", "hoàn", "hoàn"),
    ("huyfnh", "huỳnh", "huỳnh"),
    ("ddaij", "đại", "đại"),
    ("DDoongf", "Đồng", "Đồng"),
    ("Vieejt", "Việt", "Việt"),
    ("tieengs", "tiếng", "tiếng"),  # tiêng: the second e after the final
    ("tiengse", "tiếng", "tiếng"),
    ("muwa", "mưa", "mưa"),
    ("muaw", "mưa", "mưa"),
    ("cuwus", "cứu", "cứu"),
    ("ruowuj", "rượu", "rượu"),
    ("xoawn", "xoăn", "xoăn"),
    ("nhw", "như", "như"),  # w alone is ư
    ("quys", "quý", "quý"),
    ("giaf", "già", "già"),
    ("chuyeenj", "chuyện", "chuyện"),
    ("hoaif", "hoài", "hoài"),
    ("xoays", "xoáy", "xoáy"),
    ("ass", "as", "as"),  # the same tone key twice undoes it
    ("asss", "ass", "ass"),  # ...and the rest of the word is literal
    ("aaa", "aa", "aa"),
    ("ww", "w", "w"),
    ("ddd", "dd", "dd"),
    ("asz", "a", "a"),  # z removes the tone
    ("asf", "à", "à"),  # another tone replaces it
    ("z", "z", "z"),
    ("bacs", "bác", "bác"),
    ("bacf", "bacf", "bacf"),  # huyền cannot go with a stop final
    ("tesst", "test", "test"),  # an English word: undo the tone, the rest is literal
]


@pytest.mark.parametrize(("keys", "classic", "modern"), WORDS)
def test_words_compose_in_both_tone_styles(keys, classic, modern):
    assert compose(keys) == classic
    assert compose(keys, ToneStyle.MODERN) == modern


def test_a_sentence_is_composed_word_by_word():
    assert compose("Tooi teen laf Nguyeenx Vawn Aan, owr quaajn 1") == (
        "Tôi tên là Nguyễn Văn Ân, ở quận 1"
    )


def test_backspace_removes_a_whole_letter_and_typing_goes_on():
    assert compose("Nguyeenx\b") == "Nguyễ"
    assert compose("Nguyeenx\b\bn") == "Nguyn"
    assert compose("vieet\bjt") == "việt"  # the tone finds its vowel after the edit
    assert compose("ass\bs") == "á"  # Backspace forgets the undo: s is a tone again


def test_upper_case_keys_keep_their_case():
    assert compose("HOAF") == "HÒA"
    assert compose("TRUWOWNGF") == "TRƯỜNG"
    assert compose("AA") == "Â"
    assert compose("Aaa") == "Aa"


def test_the_composer_can_be_switched_off():
    composer = TelexComposer(enabled=False)
    text = ""
    for key in "Nguyeenx":
        text = composer.type(text, key)
    assert text == "Nguyeenx"


def test_apply_key_reports_an_undo():
    assert apply_key("á", "s") == ("as", True)
    assert apply_key("a", "s") == ("á", False)
    with pytest.raises(ValueError, match="one key"):
        apply_key("a", "ss")


def test_digits_and_punctuation_end_a_word():
    assert compose("as1s") == "á1s"
    assert compose("ddi,dd") == "đi,đ"


@given(
    st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ \b1.,"))
)
def test_whatever_is_typed_comes_out_nfc(keys):
    for style in ToneStyle:
        text = compose(keys, style)
        assert unicodedata.is_normalized("NFC", text)


@given(
    st.lists(
        st.text(alphabet=st.sampled_from("bcghiklmnpqtuvyBCGHIKLMNPQTUVY"), max_size=4)
        | st.sampled_from(["a", "e", "o", "A", "E", "O"]),
        max_size=6,
    )
)
def test_plain_words_without_telex_keys_pass_unchanged(parts):
    # No tone key, no w, no d, and each of a/e/o at most once: nothing to compose.
    word = "".join(parts)
    for vowel in "aeo":
        if word.lower().count(vowel) > 1:
            return
    assert compose(word) == word
    assert compose(f"{word} {word}") == f"{word} {word}"
