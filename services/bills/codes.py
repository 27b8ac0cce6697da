"""Bill kinds and their customer codes: what a resident types, checked before any look-up.

**Electricity (EVN)**: the customer code printed on every EVN bill has 13 characters:
``P``, then the letter of the EVN power corporation, then the power company (branch)
code and the customer's number. The rule implemented here:

* exactly 13 characters, letters A-Z and digits only (typed upper-case);
* character 1 is ``P``;
* character 2 is the corporation: ``A`` EVNNPC (the North), ``B`` EVNSPC (the South),
  ``C`` EVNCPC (the Centre), ``D`` EVNHANOI (Hà Nội), ``E`` EVNHCMC (TP. Hồ Chí Minh);
* characters 3-4 are the power company within it (letters or digits), characters
  5-13 the customer's number (letters or digits).

Whether such a customer exists is the biller's answer, not ours.

The other kinds (water, internet/telecom, tuition, apartment fee) have codes of each
provider's own making: 4 to 20 letters, digits or dashes.

:func:`check_code` returns the code normalised (spaces dropped, upper-case) or raises
:class:`CodeError` whose ``key`` is a catalogue key of a plain Vietnamese message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["EVN_CORPORATIONS", "KINDS", "BillKind", "CodeError", "check_code"]

EVN_CORPORATIONS = {
    "A": "EVNNPC",
    "B": "EVNSPC",
    "C": "EVNCPC",
    "D": "EVNHANOI",
    "E": "EVNHCMC",
}
_ALNUM = re.compile(r"[A-Z0-9]+")
_OTHER = re.compile(r"[A-Z0-9-]{4,20}")


@dataclass(frozen=True, slots=True)
class BillKind:
    """A kind of bill: its key, its catalogue title key, an example code for the hint."""

    key: str
    title: str
    example: str


KINDS: tuple[BillKind, ...] = (
    BillKind("electricity", "bills.kind.electricity", "PE07000012345"),
    BillKind("water", "bills.kind.water", "NB2024001"),
    BillKind("internet", "bills.kind.internet", "FTTH-7788123"),
    BillKind("tuition", "bills.kind.tuition", "HS-0912345"),
    BillKind("apartment", "bills.kind.apartment", "A12-0508"),
)


class CodeError(ValueError):
    """A customer code that cannot be right; ``key`` is the message's catalogue key."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def check_code(kind: str, text: str) -> str:
    """The customer code normalised, or :class:`CodeError` saying what is wrong."""
    code = "".join(text.split()).upper()
    if not code:
        raise CodeError("bills.code.empty")
    if kind != "electricity":
        if not _OTHER.fullmatch(code):
            raise CodeError("bills.code.other_bad")
        return code
    if not _ALNUM.fullmatch(code):
        raise CodeError("bills.code.evn_chars")
    if code[0] != "P":
        raise CodeError("bills.code.evn_start")
    if len(code) >= 2 and code[1] not in EVN_CORPORATIONS:
        raise CodeError("bills.code.evn_corporation")
    if len(code) != 13:
        raise CodeError("bills.code.evn_length", count=len(code))
    return code
