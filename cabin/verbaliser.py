"""Numbers, units, dates, times and money as Vietnamese words, for the voice guide.

espeak-ng reads "120/80 mmHg" or "24/11/2026" digit by digit or as fractions;
the guide therefore hands it words. Northern standard forms are used: "mốt",
"tư" and "lăm" for 1, 4 and 5 after a tens word ("hai mươi mốt", "hai mươi tư",
"hai mươi lăm", but "mười một", "mười bốn"), "linh" for a zero tens digit
("một trăm linh năm"), "nghìn", "triệu", "tỷ", "phẩy" for the decimal comma,
"mùng" for days 1-10, "tháng Giêng" is written "tháng một" and April "tháng tư".
"""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation

__all__ = [
    "UNIT_WORDS",
    "say_date",
    "say_money",
    "say_number",
    "say_pressure",
    "say_time",
    "say_value",
    "verbalise",
]

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_SCALES = ("", "nghìn", "triệu", "tỷ")

#: Spoken names of the UCUM units the station shows (and their on-screen forms).
UNIT_WORDS = {
    "mm[Hg]": "mi li mét thủy ngân",
    "mmHg": "mi li mét thủy ngân",
    "%": "phần trăm",
    "/min": "lần mỗi phút",
    "bpm": "lần mỗi phút",
    "Cel": "độ xê",
    "°C": "độ xê",
    "kg": "ki lô gam",
    "cm": "xăng ti mét",
    "m": "mét",
    "kg/m2": "ki lô gam trên mét vuông",
    "mmol/L": "mi li mol trên lít",
    "mg/dL": "mi li gam trên đề xi lít",
    "s": "giây",
}


def _below_thousand(n: int, *, full: bool) -> str:
    """Words for 0 < n < 1000; ``full`` says "không trăm" inside a larger number."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(_DIGITS[units])
        return " ".join(words)
    if tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units == 1 and tens > 1:
        words.append("mốt")
    elif units == 4 and tens > 1:
        words.append("tư")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(_DIGITS[units])
    return " ".join(words)


def _integer(n: int) -> str:
    if n == 0:
        return "không"
    if n < 0:
        return "âm " + _integer(-n)
    groups: list[int] = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    if len(groups) > 4:
        # Beyond "tỷ" the scale repeats: "nghìn tỷ" and so on.
        high = _integer(int("".join(f"{g:03d}" for g in reversed(groups[3:]))))
        return f"{high} tỷ" + (" " + _tail(groups[:3]) if any(groups[:3]) else "")
    return _tail(groups)


def _tail(groups: list[int]) -> str:
    words = []
    top = len(groups) - 1
    for level in range(top, -1, -1):
        group = groups[level]
        if group == 0:
            continue
        text = _below_thousand(group, full=level < top)
        words.append(f"{text} {_SCALES[level]}".strip())
    return " ".join(words)


def say_number(value: int | float | Decimal | str, *, decimals: int | None = None) -> str:
    """A number in words: ``36.5`` -> "ba mươi sáu phẩy năm".

    Args:
        value: the number (a string may use "." or "," as the decimal mark).
        decimals: round to this many decimal places first.
    """
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a finite number")
    if decimals is not None:
        number = round(number, decimals)
    sign = "âm " if number < 0 else ""
    text = format(abs(number), "f")
    whole, _, fraction = text.partition(".")
    words = _integer(int(whole))
    fraction = fraction.rstrip("0") if decimals is None else fraction
    if fraction:
        if len(fraction) <= 2 and not fraction.startswith("0"):
            words += " phẩy " + _integer(int(fraction))
        else:
            words += " phẩy " + " ".join(_DIGITS[int(d)] for d in fraction)
    return sign + words


def say_value(value: float | Decimal | str, unit: str, *, decimals: int | None = None) -> str:
    """A value with its unit: ``(36.5, "Cel")`` -> "ba mươi sáu phẩy năm độ xê"."""
    unit_words = UNIT_WORDS.get(unit, unit)
    return f"{say_number(value, decimals=decimals)} {unit_words}".strip()


def say_pressure(systolic: int, diastolic: int, *, unit: bool = True) -> str:
    """A blood pressure: ``(120, 80)`` -> "một trăm hai mươi trên tám mươi mi li mét thủy ngân"."""
    words = f"{_integer(systolic)} trên {_integer(diastolic)}"
    return f"{words} {UNIT_WORDS['mm[Hg]']}" if unit else words


def say_date(day: date) -> str:
    """A date: 24/11/2026 -> "ngày hai mươi tư tháng mười một năm hai nghìn không trăm..."."""
    day_words = ("mùng " if day.day <= 10 else "") + _integer(day.day)
    month_words = "tư" if day.month == 4 else _integer(day.month)
    return f"ngày {day_words} tháng {month_words} năm {_integer(day.year)}"


def say_time(moment: time) -> str:
    """A time of day: 14:30 -> "mười bốn giờ ba mươi phút"."""
    words = f"{_integer(moment.hour)} giờ"
    return words + (f" {_integer(moment.minute)} phút" if moment.minute else "")


def say_money(amount: int | Decimal) -> str:
    """An amount in đồng: 200000 -> "hai trăm nghìn đồng"."""
    return f"{say_number(amount)} đồng"


_UNIT_PATTERN = "|".join(re.escape(u) for u in sorted(UNIT_WORDS, key=len, reverse=True))
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # "ngày" before a date is part of the spoken date already.
    (re.compile(r"(?:\bngày\s+)?\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), "date"),
    (re.compile(r"\b(\d{1,2}):(\d{2})\b"), "time"),
    (re.compile(r"\b(\d{1,3}(?:\.\d{3})+|\d+)\s*(?:đồng|đ|VND|VNĐ)(?!\w)"), "money"),
    (re.compile(rf"\b(\d{{2,3}})/(\d{{2,3}})(?:\s*({_UNIT_PATTERN}))?(?!\w)"), "pressure"),
    (re.compile(rf"(?<![\w.,])(-?\d+(?:[.,]\d+)?)\s*({_UNIT_PATTERN})(?![\w/\[])"), "value"),
    (re.compile(r"(?<![\w.,])(-?\d+(?:,\d+)?)(?![\w.,]\d)"), "number"),
]


def verbalise(text: str) -> str:
    """Replace the numbers, units, dates, times and amounts in a sentence by words.

    >>> verbalise("Nhiệt độ 36,5 °C, huyết áp 120/80.")
    'Nhiệt độ ba mươi sáu phẩy năm độ xê, huyết áp một trăm hai mươi trên tám mươi.'
    """
    for pattern, kind in _PATTERNS:
        text = pattern.sub(lambda m, k=kind: _spoken(m, k), text)  # type: ignore[misc]
    return text


def _spoken(match: re.Match[str], kind: str) -> str:
    g = match.groups()
    try:
        if kind == "date":
            return say_date(date(int(g[2]), int(g[1]), int(g[0])))
        if kind == "time":
            return say_time(time(int(g[0]), int(g[1])))
    except ValueError:
        return match.group(0)  # not a real date or time: leave it
    if kind == "money":
        return say_money(int(g[0].replace(".", "")))
    if kind == "pressure":
        return say_pressure(int(g[0]), int(g[1]), unit=g[2] is not None)
    if kind == "value":
        return say_value(g[0], g[1])
    return say_number(g[0])
