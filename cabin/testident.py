"""Invented identities for simulation and tests: nobody real, but cards that parse.

The card number follows the CCCD rules (province 001-096, the century/sex digit,
the birth year's last two digits), so the parser and its cross-checks run for
real; the six trailing digits, the names and the addresses are made up.
"""

from __future__ import annotations

import random
from datetime import date

__all__ = ["invented_card_qr"]

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
_MIDDLE_MALE = ("Văn", "Đức", "Minh", "Quang")
_MIDDLE_FEMALE = ("Thị", "Thu", "Ngọc", "Thanh")
_GIVEN = ("Thử", "Mẫu", "Giả", "Nghiệm", "Demo")  # "test", "sample": plainly not real
_STREETS = ("Phố Mẫu", "Ngõ Thử Nghiệm", "Đường Giả Định")


def invented_card_qr(rng: random.Random, *, today: date | None = None) -> str:
    """The QR text of an invented CCCD card, for a resident aged 40-90."""
    today = today or date.today()
    female = rng.random() < 0.5
    birth = date(today.year - rng.randint(40, 90), rng.randint(1, 12), rng.randint(1, 28))
    century_digit = 2 * ((birth.year - 1900) // 100) + (1 if female else 0)
    number = (
        f"{rng.randint(1, 96):03d}{century_digit}{birth.year % 100:02d}{rng.randint(0, 999999):06d}"
    )
    middle = rng.choice(_MIDDLE_FEMALE if female else _MIDDLE_MALE)
    name = f"{rng.choice(_FAMILY)} {middle} {rng.choice(_GIVEN)}"
    address = f"Số {rng.randint(1, 99)}, {rng.choice(_STREETS)}, Phường Thử, Hà Nội"
    issued = date(max(birth.year + 14, 2021), rng.randint(1, 12), rng.randint(1, 28))
    return "|".join(
        (number, "", name, birth.strftime("%d%m%Y"), "Nữ" if female else "Nam", address,
         issued.strftime("%d%m%Y"))
    )  # fmt: skip
