"""Telex: Vietnamese letters and tones typed with plain Latin keys. No Qt here.

The rules (the ones every Vietnamese input method ships as "Telex"):

* ``aa`` → â, ``ee`` → ê, ``oo`` → ô (the second key may come after the final
  consonant: ``tieng`` + ``e`` → tiêng);
* ``aw`` → ă, ``ow`` → ơ, ``uw`` → ư, ``uow`` → ươ; ``w`` on a word without a vowel → ư;
* ``dd`` → đ (the word's first letter);
* tones: ``s`` sắc, ``f`` huyền, ``r`` hỏi, ``x`` ngã, ``j`` nặng, ``z`` removes the tone;
  a tone key may come anywhere after the first vowel, and the tone moves to the right
  vowel as more letters come (``hoaf`` → hòa, + ``n`` → hoàn);
* the same key twice undoes (``ass`` → as, ``aaa`` → aa, ``ww`` → w); after an undo the
  rest of that word is typed as it comes (an English word, a name).

Where the tone goes follows the orthography; only open syllables ending in
``oa``, ``oe``, ``uy`` differ between the two usual styles:

* :attr:`ToneStyle.CLASSIC` (the default): hòa, khỏe, thúy: the style of the
  national motto on government forms ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", as
  printed in the templates of Decree 30/2020/NĐ-CP) and of the CCCD;
* :attr:`ToneStyle.MODERN`: hoà, khoẻ, thuý (the 1980s school rule).

Everything returned is NFC.
"""

from __future__ import annotations

import enum
import unicodedata

__all__ = ["TONE_KEYS", "TelexComposer", "ToneStyle", "apply_key", "compose"]

#: Tone key → the combining mark it puts on a vowel.
TONE_KEYS = {
    "s": "\u0301",  # sắc
    "f": "\u0300",  # huyền
    "r": "\u0309",  # hỏi
    "x": "\u0303",  # ngã
    "j": "\u0323",  # nặng
}
_TONE_MARKS = frozenset(TONE_KEYS.values())
_VOWELS = frozenset("aăâeêioôơuưy")
_MARKED = frozenset("ăâêôơư")  # vowels that carry a shape mark and so take the tone
_FINALS = frozenset({"", "c", "ch", "m", "n", "ng", "nh", "p", "t"})
_STOPS = frozenset({"c", "ch", "p", "t"})  # only sắc and nặng go with these
_MODERN_PAIRS = frozenset({"oa", "oe", "uy"})
_HAT = {"a": "â", "ă": "â", "e": "ê", "o": "ô", "ơ": "ô"}
_UNHAT = {"â": "a", "ê": "e", "ô": "o"}
_HORN = {"a": "ă", "o": "ơ", "u": "ư"}
_UNHORN = {"ă": "a", "ơ": "o", "ư": "u"}


class ToneStyle(enum.Enum):
    """Where the tone of an open ``oa``/``oe``/``uy`` goes (see the module's notes)."""

    CLASSIC = "classic"
    MODERN = "modern"


def _split_tone(char: str) -> tuple[str, str]:
    decomposed = unicodedata.normalize("NFD", char)
    tone = next((mark for mark in decomposed if mark in _TONE_MARKS), "")
    base = "".join(mark for mark in decomposed if mark not in _TONE_MARKS)
    return unicodedata.normalize("NFC", base), tone


def _strip(word: str) -> tuple[str, str]:
    """The word without its tone, and the tone mark ('' if none)."""
    letters = []
    found = ""
    for char in word:
        base, tone = _split_tone(char)
        letters.append(base)
        found = found or tone
    return "".join(letters), found


def _same_case(model: str, letter: str) -> str:
    return letter.upper() if model.isupper() else letter


def _syllable(lower: str) -> tuple[int, int]:
    """The vowel nucleus of a toneless lower-case word: ``(start, end)``; empty if none."""
    start = 0
    while start < len(lower) and lower[start] not in _VOWELS:
        start += 1
    if start == len(lower):
        return start, start
    following = lower[start + 1 : start + 2]
    # "qu" and "gi" before another vowel are consonants: quốc, giữa (but gìn).
    if following and following in _VOWELS:
        pair = lower[start - 1 : start + 1]
        if pair == "qu" or (pair == "gi" and start == 1):
            start += 1
    end = start
    while end < len(lower) and lower[end] in _VOWELS:
        end += 1
    return start, end


def _tone_index(lower: str, style: ToneStyle) -> int | None:
    """Which letter of a toneless lower-case syllable carries the tone; None: no vowel."""
    start, end = _syllable(lower)
    if start == end:
        return None
    nucleus = lower[start:end]
    marked = [i for i, char in enumerate(nucleus) if char in _MARKED]
    if marked:
        return start + marked[-1]
    if len(nucleus) == 1:
        return start
    if end < len(lower):  # a final consonant: the last vowel (hoàn, huỳnh, toán)
        return end - 1
    if len(nucleus) >= 3:  # hoài, xoáy
        return start + 1
    if style is ToneStyle.MODERN and nucleus in _MODERN_PAIRS:
        return start + 1
    return start


def _place(base: str, tone: str, style: ToneStyle) -> str:
    if not tone:
        return base
    index = _tone_index(base.lower(), style)
    if index is None:
        return base
    toned = unicodedata.normalize("NFC", base[index] + tone)
    return base[:index] + toned + base[index + 1 :]


def _can_take(lower: str, tone_key: str) -> bool:
    start, end = _syllable(lower)
    if start == end:
        return False
    final = lower[end:]
    if final not in _FINALS:
        return False
    return not (final in _STOPS and tone_key not in ("s", "j"))


def _hat(base: str, key: str) -> tuple[str, bool] | None:
    """``aa``/``ee``/``oo``: the new base and whether it was an undo; None: not a mark."""
    lower = base.lower()
    start, end = _syllable(lower)
    if start == end or lower[end:] not in _FINALS:
        return None
    for index in range(end - 1, start - 1, -1):
        char = lower[index]
        if _UNHAT.get(char) == key:  # â + a: undo
            return base[:index] + _same_case(base[index], key) + base[index + 1 :] + key, True
        if char in _HAT and _HAT[char] in ("âêô") and _UNHAT[_HAT[char]] == key:
            new = _same_case(base[index], _HAT[char])
            return base[:index] + new + base[index + 1 :], False
    return None


def _horn(base: str, key: str) -> tuple[str, bool] | None:
    """``w``: the new base and whether it was an undo; None: not a mark."""
    lower = base.lower()
    start, end = _syllable(lower)
    if start == end:
        return None
    nucleus = lower[start:end]
    if nucleus == "ư" and end == len(lower):  # ww: the w itself
        return base[:start] + key, True
    if "ưo" in nucleus:  # uw then ow: người typed as nguwowif
        at = start + nucleus.index("ưo") + 1
        return base[:at] + _same_case(base[at], "ơ") + base[at + 1 :], False
    if any(char in _UNHORN for char in nucleus):  # a second w: undo every horn
        chars = list(base)
        for index in range(start, end):
            plain = _UNHORN.get(lower[index])
            if plain is not None:
                chars[index] = _same_case(base[index], plain)
        return "".join(chars) + key, True
    if lower[end:] not in _FINALS:
        return None
    targets: list[int]
    if "uo" in nucleus and lower[start - 1 : start] != "q":
        at = start + nucleus.index("uo")
        # ươ is never open (người, được); an open uo takes one horn (thuở, huơ).
        targets = [at, at + 1] if at + 2 < len(lower) else [at + 1]
    elif nucleus in ("ua", "uu") and lower[start - 1 : start] != "q":  # mưa, cứu
        targets = [start]
    else:
        candidates = [i for i in range(start, end) if lower[i] in _HORN]
        if not candidates:
            return None
        targets = [candidates[-1]]
    chars = list(base)
    for index in targets:
        chars[index] = _same_case(base[index], _HORN[lower[index]])
    return "".join(chars), False


def _close_uo(base: str) -> str:
    """uơ followed by a letter becomes ươ (nguơ + i → ngươi), as the spelling requires."""
    lower = base.lower()
    start, end = _syllable(lower)
    at = lower.find("uơ", start, end)
    if at < 0 or at + 2 >= len(lower) or lower[at - 1 : at] == "q":
        return base
    return base[:at] + _same_case(base[at], "ư") + base[at + 1 :]


def apply_key(word: str, key: str, style: ToneStyle = ToneStyle.CLASSIC) -> tuple[str, bool]:
    """One key typed at the end of ``word`` (letters only).

    Returns:
        The word as it now reads (NFC), and whether the key undid a mark (after which
        the caller types the rest of the word literally).
    """
    word = unicodedata.normalize("NFC", word)
    if len(key) != 1:
        raise ValueError("one key at a time")
    base, tone = _strip(word)
    lower_key = key.lower()
    lower = base.lower()
    result: tuple[str, bool] | None = None
    if lower_key in TONE_KEYS and base:
        mark = TONE_KEYS[lower_key]
        if tone == mark:
            result = (base + key, True)  # ss: the tone off, the key itself
            tone = ""
        elif _can_take(lower, lower_key):
            result = (base, False)
            tone = mark
    elif lower_key == "z" and tone:
        result = (base, False)
        tone = ""
    elif lower_key in "aeo":
        result = _hat(base, lower_key)
        if result is not None:
            result = (_with_key_case(result[0], key, result[1]), result[1])
    elif lower_key == "w":
        result = _horn(base, key)
        if result is None and _syllable(lower)[0] == len(lower):
            result = (base + _same_case(key, "ư"), False)  # w alone is ư: nhw → như
    elif lower_key == "d" and lower[:1] == "d" and base:
        result = (_same_case(base[0], "đ") + base[1:], False)
    elif lower_key == "d" and lower[:1] == "đ":
        result = (_same_case(base[0], "d") + base[1:] + key, True)
    if result is None:
        result = (base + key, False)
    composed, undone = result
    if not undone:
        composed = _close_uo(composed)
    return unicodedata.normalize("NFC", _place(composed, tone, style)), undone


def _with_key_case(base: str, key: str, undone: bool) -> str:
    # An undo appended the lower-case key; keep the case the resident typed.
    return base[:-1] + key if undone else base


def _trailing_word(text: str) -> int:
    index = len(text)
    while index > 0 and text[index - 1].isalpha():
        index -= 1
    return index


class TelexComposer:
    """Telex over a text being typed: each key rewrites the word before the cursor.

    Stateless but for one thing: after an undo (``ss``, ``aaa``) the rest of that word
    is taken literally. Backspace or moving to another word forgets it.
    """

    def __init__(self, style: ToneStyle = ToneStyle.CLASSIC, *, enabled: bool = True) -> None:
        self.style = style
        self.enabled = enabled
        self._literal_word: str | None = None

    def type(self, before: str, key: str) -> str:
        """The text before the cursor after typing ``key`` (one character)."""
        if not self.enabled or not key.isalpha() or not key.isascii():
            self._literal_word = None
            return unicodedata.normalize("NFC", before + key)
        cut = _trailing_word(before)
        word = before[cut:]
        if self._literal_word is not None and word == self._literal_word:
            new_word = word + key
        else:
            new_word, undone = apply_key(word, key, self.style)
            if not undone:
                self._literal_word = None
                return unicodedata.normalize("NFC", before[:cut] + new_word)
        self._literal_word = new_word
        return unicodedata.normalize("NFC", before[:cut] + new_word)

    def backspace(self, before: str) -> str:
        """The text before the cursor after one Backspace (one letter, tone and all)."""
        self._literal_word = None
        return before[:-1]


def compose(keys: str, style: ToneStyle = ToneStyle.CLASSIC) -> str:
    """What typing ``keys`` gives (``\\b`` is Backspace): ``compose("Nguyeenx")`` → Nguyễn."""
    composer = TelexComposer(style)
    text = ""
    for key in keys:
        text = composer.backspace(text) if key == "\b" else composer.type(text, key)
    return text
