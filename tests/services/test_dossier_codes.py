"""The national dossier code, read strictly, and the national state table."""

from __future__ import annotations

from datetime import date

import pytest

from services.dossier.codes import (
    TERMINAL,
    AgencyCode,
    DossierCode,
    DossierState,
    parse_agency,
    parse_dossier_code,
)


def test_a_code_reads_into_its_parts_and_prints_back() -> None:
    code = parse_dossier_code("000.21.07.H49-251124-0042")
    assert code.agency == AgencyCode("000", "21", "07", "H", "49")
    assert code.received == date(2025, 11, 24)
    assert code.sequence == 42
    assert str(code) == "000.21.07.H49-251124-0042"


def test_spaces_and_lower_case_are_forgiven() -> None:
    assert str(parse_dossier_code("  000.00.14.h49-260101-0001 ")) == "000.00.14.H49-260101-0001"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "format"),
        ("000.21.07.H49-251124-42", "format"),  # the sequence has four digits
        ("00.21.07.H49-251124-0042", "format"),  # V1V2V3 is three digits
        ("000.21.7.H49-251124-0042", "format"),
        ("000.21.07.49-251124-0042", "format"),  # the group letter M is missing
        ("000.21.07.H49/251124/0042", "format"),
        ("000.21.07.H49-251124-0042x", "format"),
        ("000.21.07.H49-251324-0042", "date"),  # month 13
        ("000.21.07.H49-250230-0042", "date"),  # 30 February
        ("000.21.07.H49-251124-0000", "sequence"),
        ("000.21.07.H00-251124-0001", "agency"),
    ],
)
def test_malformed_codes_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=f"^{reason}$"):
        parse_dossier_code(text)


def test_agency_identifiers() -> None:
    assert str(parse_agency("000.00.00.H49")) == "000.00.00.H49"
    with pytest.raises(ValueError, match="not an agency"):
        parse_agency("000.00.00.H4")
    code = DossierCode(parse_agency("001.02.03.G05"), date(2030, 1, 9), 7)
    assert str(code) == "001.02.03.G05-300109-0007"


def test_the_state_table() -> None:
    assert [s.value for s in DossierState] == list(range(1, 11))
    assert DossierState(6) is DossierState.FEE_DUE
    assert {int(s) for s in TERMINAL} == {3, 7, 8, 10}
