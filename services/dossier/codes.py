"""The national dossier code and the national table of dossier states.

A dossier code (mã số hồ sơ) reads ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX``:

* ``V1V2V3.Z1Z2.Y1Y2.MX1X2`` is the electronic identifier of the agency that
  received the dossier (mã định danh điện tử của cơ quan, tổ chức; structure of
  QCVN 102:2016/BTTTT, kept by Decision 20/2020/QĐ-TTg): ``M`` a capital letter for
  the level-1 group (``G`` ministries, ``H`` provinces and centrally-run cities...)
  and ``X1X2`` two digits naming the level-1 unit (``000.00.00.H49`` is the
  Quảng Ninh People's Committee); ``Y1Y2`` (two digits) a level-2 unit under it,
  ``Z1Z2`` (two digits) a level-3 unit, ``V1V2V3`` (three digits) a level-4 unit;
  zeros where the agency sits at a higher level.
* ``YYMMDD`` the day the dossier was received.
* ``XXXX`` the agency's running number for that day (0001, 0002...).

The states are those the national public-service portal reports
(Cổng Dịch vụ công quốc gia, the dossier status synchronisation): 1 to 10 below;
3, 7 and 8 end a dossier without a result, 10 ends it with one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

__all__ = [
    "TERMINAL",
    "AgencyCode",
    "DossierCode",
    "DossierState",
    "parse_agency",
    "parse_dossier_code",
]

_AGENCY = re.compile(
    r"(?P<v>[0-9]{3})\.(?P<z>[0-9]{2})\.(?P<y>[0-9]{2})\.(?P<m>[A-Z])(?P<x>[0-9]{2})"
)
_CODE = re.compile(_AGENCY.pattern + r"-(?P<date>[0-9]{6})-(?P<seq>[0-9]{4})")


class DossierState(IntEnum):
    """The national states of a dossier (the portal's status codes)."""

    REGISTERED = 1  # Mới đăng ký
    ACCEPTED = 2  # Được tiếp nhận
    NOT_ACCEPTED = 3  # Không được tiếp nhận
    PROCESSING = 4  # Đang xử lý
    SUPPLEMENT = 5  # Yêu cầu bổ sung giấy tờ
    FEE_DUE = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    DONE = 9  # Đã xử lý xong
    RETURNED = 10  # Đã trả kết quả


TERMINAL = frozenset(
    {DossierState.NOT_ACCEPTED, DossierState.WITHDRAWN, DossierState.STOPPED, DossierState.RETURNED}
)
"""States after which nothing changes (10 with a result, 3, 7 and 8 without)."""


@dataclass(frozen=True, slots=True)
class AgencyCode:
    """An agency's electronic identifier, ``V1V2V3.Z1Z2.Y1Y2.MX1X2``."""

    level4: str
    level3: str
    level2: str
    group: str
    level1: str

    def __str__(self) -> str:
        return f"{self.level4}.{self.level3}.{self.level2}.{self.group}{self.level1}"


@dataclass(frozen=True, slots=True)
class DossierCode:
    """A parsed dossier code: the receiving agency, the day received, the day's number."""

    agency: AgencyCode
    received: date
    sequence: int

    def __str__(self) -> str:
        return f"{self.agency}-{self.received:%y%m%d}-{self.sequence:04d}"


def parse_agency(text: str) -> AgencyCode:
    """An agency identifier; ``ValueError`` when it is not ``DDD.DD.DD.LDD``."""
    match = _AGENCY.fullmatch(text.strip())
    if match is None:
        raise ValueError("not an agency identifier V1V2V3.Z1Z2.Y1Y2.MX1X2")
    if match["x"] == "00":
        raise ValueError("the level-1 unit X1X2 cannot be 00")
    return AgencyCode(match["v"], match["z"], match["y"], match["m"], match["x"])


def parse_dossier_code(text: str) -> DossierCode:
    """Read a typed or printed dossier code strictly.

    Spaces around it are ignored and letters may be typed in lower case; anything
    else must match ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`` with a real date and a
    sequence from 0001.

    Raises:
        ValueError: the reason in ``args[0]`` (``"format"``, ``"date"``, ``"sequence"``,
            ``"agency"``).
    """
    match = _CODE.fullmatch(text.strip().upper())
    if match is None:
        raise ValueError("format")
    if match["x"] == "00":
        raise ValueError("agency")
    digits = match["date"]
    try:
        received = date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
    except ValueError:
        raise ValueError("date") from None
    sequence = int(match["seq"])
    if sequence == 0:
        raise ValueError("sequence")
    agency = AgencyCode(match["v"], match["z"], match["y"], match["m"], match["x"])
    return DossierCode(agency, received, sequence)
