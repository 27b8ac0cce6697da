"""Customer codes (the EVN rule), amounts in words, and the billers sandbox's own contract."""

from __future__ import annotations

import pytest

from cabin.config import ProviderConfig, Secret
from services.bills import SANDBOXES, module
from services.bills.billers_sandbox import billers_app
from services.bills.codes import CodeError, check_code
from services.bills.money import in_words, vnd
from services.provider import ProviderClient, ProviderRejected
from services.registry import ServiceContext
from services.sandbox import start_sandbox

KEY = "billers-key"


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("PE07000012345", "PE07000012345"),
        ("pe07 0000 12345", "PE07000012345"),  # spaces dropped, upper-cased
        ("PA25VY0123456", "PA25VY0123456"),  # letters inside the branch and number
        ("PD12000054321", "PD12000054321"),
    ],
)
def test_good_evn_codes(typed, normalised):
    assert check_code("electricity", typed) == normalised


@pytest.mark.parametrize(
    ("typed", "key", "values"),
    [
        ("", "bills.code.empty", {}),
        ("   ", "bills.code.empty", {}),
        ("XE07000012345", "bills.code.evn_start", {}),
        ("PF07000012345", "bills.code.evn_corporation", {}),
        ("P", "bills.code.evn_length", {"count": 1}),
        ("PE0700001234", "bills.code.evn_length", {"count": 12}),
        ("PE070000123456", "bills.code.evn_length", {"count": 14}),
        ("PE07-00012345", "bills.code.evn_chars", {}),
        ("PE07.00012345", "bills.code.evn_chars", {}),
    ],
)
def test_bad_evn_codes_say_why(typed, key, values):
    with pytest.raises(CodeError) as bad:
        check_code("electricity", typed)
    assert (bad.value.key, bad.value.values) == (key, values)


def test_other_kinds_take_letters_digits_and_dashes():
    assert check_code("apartment", "a12-0508") == "A12-0508"
    for typed in ("AB1", "X" * 21, "NB 2024/001"):
        with pytest.raises(CodeError, match="other_bad"):
            check_code("water", typed)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (5, "Năm đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi tư đồng"),
        (105, "Một trăm linh năm đồng"),
        (110_000, "Một trăm mười nghìn đồng"),
        (486_500, "Bốn trăm tám mươi sáu nghìn năm trăm đồng"),
        (1_024_300, "Một triệu không trăm hai mươi tư nghìn ba trăm đồng"),
        (2_000_005, "Hai triệu không trăm linh năm đồng"),
        (1_000_000_000, "Một tỷ đồng"),
    ],
)
def test_amounts_in_words(amount, words):
    assert in_words(amount) == words


def test_amounts_in_figures():
    assert vnd(486_500) == "486.500 đồng"
    assert vnd(1_024_300) == "1.024.300 đồng"
    with pytest.raises(ValueError, match="dong"):
        in_words(-1)


def test_the_module_registers_with_both_sandboxes(tmp_path):
    context = ServiceContext(None, {}, "station-test", tmp_path)
    bills = module(context)
    assert (bills.key, bills.title) == ("bills", "bills.title")
    assert set(SANDBOXES) == {"billers", "bank"}


async def test_the_billers_sandbox_clears_a_bill_once(tmp_path):
    running = await start_sandbox(billers_app(tmp_path / "billers.db", KEY, latency=0.0))
    config = ProviderConfig(running.base_url, Secret(KEY), timeout=5.0)
    try:
        async with ProviderClient("billers", config) as client:
            debt = await client.get("/bills/electricity/PE04000098765")
            assert debt["amount_vnd"] == 312_000 + 298_700
            assert [b["period"] for b in debt["bills"]] == ["09/2026", "10/2026"]
            with pytest.raises(ProviderRejected, match="not_found"):
                await client.get("/bills/electricity/PE09999999999")
            body = {"kind": "electricity", "customer_code": "PE04000098765",
                    "reference": "CSREF0001"}  # fmt: skip
            with pytest.raises(ProviderRejected, match="amount_mismatch"):
                await client.post("/clearings", {**body, "amount_vnd": 312_000})
            first = await client.post("/clearings", {**body, "amount_vnd": 610_700})
            again = await client.post("/clearings", {**body, "amount_vnd": 610_700})
            assert first == again  # the same reference: the same receipt, not a second clearing
            with pytest.raises(ProviderRejected, match="nothing_due"):
                await client.post(
                    "/clearings", {**body, "reference": "CSREF0002", "amount_vnd": 610_700}
                )
            status = await client.get("/status/clearings/CSREF0001")
            assert status == {"receipt_id": first["receipt_id"]}
            assert (await client.get("/bills/electricity/PE04000098765"))["amount_vnd"] == 0
            records = await client.get("/_sandbox/records")
            assert [c["reference"] for c in records["clearings"]] == ["CSREF0001"]
    finally:
        await running.stop()
