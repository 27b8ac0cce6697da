"""Amounts of dong as residents read them: ``486.500 đồng`` and in words.

The words follow the way banks write amounts on Vietnamese receipts: groups of three
digits named ``tỷ``, ``triệu``, ``nghìn``; inside a group ``trăm``, ``mươi`` (``mười``
for ten), ``linh`` for a zero ten before a unit, ``mốt`` (21, 31...), ``tư`` (24, 34...)
and ``lăm`` (15, 25...); a group after a larger one reads its zero hundreds
(``không trăm``); groups of zeros are skipped. The first letter is upper-case.
"""

from __future__ import annotations

__all__ = ["in_words", "vnd"]

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu", "tỷ")


def vnd(amount: int) -> str:
    """``486.500 đồng``: dots between thousands, as Vietnamese write money."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def _group(value: int, full: bool) -> list[str]:
    """The words of 0 < value < 1000; ``full``: a larger group came before it."""
    hundreds, tens, units = value // 100, value // 10 % 10, value % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens >= 2:
            words.append("mốt")
        elif units == 4 and tens >= 2:
            words.append("tư")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        else:
            words.append(_DIGITS[units])
    return words


def in_words(amount: int) -> str:
    """``Bốn trăm tám mươi sáu nghìn năm trăm đồng`` for 486500 (0 to 999 999 999 999)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount < 10**12:
        raise ValueError("an amount of 0 to 999,999,999,999 dong")
    if amount == 0:
        return "Không đồng"
    groups: list[int] = []
    rest = amount
    while rest:
        groups.append(rest % 1000)
        rest //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        value = groups[index]
        if value == 0:
            continue
        words += _group(value, full=bool(words))
        if _GROUPS[index]:
            words.append(_GROUPS[index])
    text = " ".join([*words, "đồng"])
    return text[0].upper() + text[1:]
