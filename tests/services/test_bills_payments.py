"""Payments end to end over real HTTP: the station's PaymentService, the bank and billers sandboxes.

Every test ends by checking the three books agree: the ledger balances (every event's
postings sum to zero), the biller cleared each payment at most once, and the bank
refunded at most once, never a payment that was also cleared.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import aiohttp
import pytest

from cabin.config import ProviderConfig, Secret
from cabin.errors import PaymentError
from cabin.store import Store, generate_key
from services.bills.bank_sandbox import STATION_ACCOUNT, STATION_BIN, bank_app
from services.bills.billers_sandbox import billers_app
from services.payment import PaymentRequest, PaymentService, sign
from services.sandbox import Fault, start_sandbox
from services.vietqr import decode

BANK_KEY = "bank-sandbox-secret"
BILLERS_KEY = "billers-sandbox-key"
EVN = "PE07000012345"  # an invented customer of the billers sandbox, 486,500 VND due
EVN_AMOUNT = 486_500
WATER = "NB2024001"
WATER_AMOUNT = 142_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def sandboxes(tmp_path):
    bank = await start_sandbox(bank_app(tmp_path / "bank.db", BANK_KEY, latency=0.0))
    billers = await start_sandbox(billers_app(tmp_path / "billers.db", BILLERS_KEY, latency=0.0))
    yield bank, billers
    await bank.stop()
    await billers.stop()


@pytest.fixture
def key():
    return generate_key()


@pytest.fixture
def store(tmp_path, key):
    with Store.open(tmp_path / "station.db", key=key) as store:
        yield store


def clients(sandboxes):
    from services.provider import ProviderClient

    bank, billers = sandboxes
    return (
        ProviderClient("bank", ProviderConfig(bank.base_url, Secret(BANK_KEY), timeout=5.0)),
        ProviderClient("billers", ProviderConfig(billers.base_url, Secret(BILLERS_KEY), 5.0)),
    )


@pytest.fixture
async def payments(store, sandboxes):
    bank, billers = clients(sandboxes)
    service = PaymentService(
        store, bank, billers, callback_secret=BANK_KEY, clear_attempts=3, backoff=0.05
    )
    await service.start()
    yield service
    await service.stop()
    await bank.close()
    await billers.close()


async def call(sandbox, method, path, key, body=None):
    async with aiohttp.ClientSession() as session:
        async with session.request(
            method, sandbox.base_url + path, json=body, headers={"X-Api-Key": key}
        ) as response:
            return response.status, await response.json()


async def resident_pays(sandboxes, reference, **options):
    status, body = await call(
        sandboxes[0], "POST", "/_sandbox/pay", BANK_KEY, {"reference": reference, **options}
    )
    assert status == 200, body
    return body["bank_txn"]


async def bank_records(sandboxes):
    return (await call(sandboxes[0], "GET", "/_sandbox/records", BANK_KEY))[1]


async def biller_records(sandboxes):
    return (await call(sandboxes[1], "GET", "/_sandbox/records", BILLERS_KEY))[1]["clearings"]


def bill(code=EVN, amount=EVN_AMOUNT, kind="electricity"):
    return PaymentRequest(f"bill.{kind}", f"Tiền điện {code}", amount, f"{kind}:{code}")


async def until(predicate, timeout=10.0):
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def deliveries(sandboxes, reference, count, timeout=10.0):
    """The bank's first ``count`` callback deliveries for ``reference`` (waits for them)."""
    async with asyncio.timeout(timeout):
        while True:
            found = [
                d["status"]
                for d in (await bank_records(sandboxes))["deliveries"]
                if d["reference"] == reference
            ]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)


async def books_agree(store, sandboxes):
    """The ledger balances; nothing cleared twice, refunded twice, or both."""
    assert store.unbalanced_payments() == []
    balances = store.account_balances()
    assert sum(balances.values()) == 0
    clearings = await biller_records(sandboxes)
    refunds = (await bank_records(sandboxes))["refunds"]
    cleared = [c["reference"] for c in clearings]
    refunded = [r["reference"] for r in refunds]
    assert len(cleared) == len(set(cleared))
    assert len(refunded) == len(set(refunded))
    assert not set(cleared) & set(refunded)
    for reference in cleared:
        assert store.payment(reference).state == "cleared"
    for reference in refunded:
        assert store.payment(reference).state == "refunded"
    settled = store.payments_in("cleared", "refunded")
    assert balances["resident_payments"] == -sum(p.amount_vnd for p in store.payments_in("paid"))
    assert balances["bank_clearing"] == sum(p.amount_vnd for p in settled) + sum(
        p.amount_vnd for p in store.payments_in("paid")
    )
    return cleared, refunded


async def test_a_bill_paid_by_vietqr_is_cleared_once(store, sandboxes, payments):
    pending = await payments.start_payment(bill())
    qr = decode(pending.payload)
    assert (qr.bin, qr.account, qr.amount) == (STATION_BIN, STATION_ACCOUNT, EVN_AMOUNT)
    assert qr.purpose.startswith(pending.reference)
    assert pending.state == "created"
    bank_txn = await resident_pays(sandboxes, pending.reference)
    async with asyncio.timeout(10):
        assert await pending.wait() == "cleared"
    payment = store.payment(pending.reference)
    assert payment.bank_txn == bank_txn
    assert [s.state for s in store.payment_history(pending.reference)] == [
        "created",
        "paid",
        "cleared",
    ]
    assert store.postings_of(pending.reference) == [
        ("paid", "bank_clearing", EVN_AMOUNT),
        ("paid", "resident_payments", -EVN_AMOUNT),
        ("cleared", "resident_payments", EVN_AMOUNT),
        ("cleared", "biller_payable", -EVN_AMOUNT),
    ]
    cleared, refunded = await books_agree(store, sandboxes)
    assert (cleared, refunded) == ([pending.reference], [])
    # The biller owes nothing more.
    status, debt = await call(sandboxes[1], "GET", f"/bills/electricity/{EVN}", BILLERS_KEY)
    assert (status, debt["amount_vnd"]) == (200, 0)


async def test_duplicate_and_late_callbacks_post_once(store, sandboxes, payments):
    pending = await payments.start_payment(bill())
    await resident_pays(sandboxes, pending.reference, copies=4)
    async with asyncio.timeout(10):
        await pending.wait()
    # A late repeat after the payment was cleared.
    await call(sandboxes[0], "POST", "/_sandbox/resend", BANK_KEY, {"reference": pending.reference})
    # Every copy answered OK, so the bank stops sending.
    assert await deliveries(sandboxes, pending.reference, 5) == [200] * 5
    assert [s.state for s in store.payment_history(pending.reference)] == [
        "created",
        "paid",
        "cleared",
    ]
    assert len(store.postings_of(pending.reference)) == 4
    assert await books_agree(store, sandboxes) == ([pending.reference], [])


async def test_callbacks_out_of_order_and_before_anyone_waits(store, sandboxes, payments):
    first = await payments.start_payment(bill())
    second = await payments.start_payment(bill(WATER, WATER_AMOUNT, "water"))
    # The resident pays the first; its callback arrives late, after the second's.
    await resident_pays(sandboxes, first.reference, delay=0.4)
    await resident_pays(sandboxes, second.reference)
    await until(lambda: store.payment(second.reference).state == "cleared")
    assert store.payment(first.reference).state == "created"
    await until(lambda: store.payment(first.reference).state == "cleared")
    # Nobody was waiting (the screen not ready yet): waiting now answers at once.
    async with asyncio.timeout(1):
        assert await first.wait() == "cleared"
        assert await second.wait({"paid", "cleared"}) == "cleared"
    # The first's callback once more, after everything.
    await call(sandboxes[0], "POST", "/_sandbox/resend", BANK_KEY, {"reference": first.reference})
    assert await deliveries(sandboxes, first.reference, 2) == [200, 200]
    cleared, _ = await books_agree(store, sandboxes)
    assert sorted(cleared) == sorted([first.reference, second.reference])


async def test_a_callback_after_the_resident_left_still_clears(store, sandboxes, payments):
    pending = await payments.start_payment(bill())
    reference = pending.reference
    del pending  # the visit ended: no screen holds the payment any more
    await resident_pays(sandboxes, reference, delay=0.3)
    await until(lambda: store.payment(reference).state == "cleared")
    assert await books_agree(store, sandboxes) == ([reference], [])


async def test_clearing_that_fails_for_a_while_is_retried(store, sandboxes, payments):
    await sandboxes[1].inject(Fault("/clearings", 503, count=2))
    pending = await payments.start_payment(bill())
    await resident_pays(sandboxes, pending.reference)
    async with asyncio.timeout(10):
        assert await pending.wait() == "cleared"
    assert store.payment(pending.reference).clear_attempts == 3
    assert await books_agree(store, sandboxes) == ([pending.reference], [])


async def test_clearing_that_keeps_failing_is_refunded_never_lost(store, sandboxes, payments):
    await sandboxes[1].inject(Fault("/clearings", 503, count=50))
    pending = await payments.start_payment(bill())
    bank_txn = await resident_pays(sandboxes, pending.reference)
    async with asyncio.timeout(10):
        assert await pending.wait() == "refunded"
    payment = store.payment(pending.reference)
    assert payment.clear_attempts == 3
    refunds = (await bank_records(sandboxes))["refunds"]
    assert [(r["reference"], r["bank_txn"], r["amount_vnd"]) for r in refunds] == [
        (pending.reference, bank_txn, EVN_AMOUNT)
    ]
    assert payment.settlement == refunds[0]["refund_id"]
    assert store.account_balances()["refunds"] == -EVN_AMOUNT
    assert await books_agree(store, sandboxes) == ([], [pending.reference])


async def test_a_bill_the_biller_refuses_is_refunded(store, sandboxes, payments):
    # The resident's debt is 486,500; asking the station to pay another sum is refused.
    pending = await payments.start_payment(bill(amount=100_000))
    await resident_pays(sandboxes, pending.reference)
    async with asyncio.timeout(10):
        assert await pending.wait() == "refunded"
    assert store.payment(pending.reference).clear_attempts == 1
    assert await books_agree(store, sandboxes) == ([], [pending.reference])


async def test_a_bad_signature_is_refused_and_posts_nothing(store, sandboxes, payments):
    pending = await payments.start_payment(bill())
    await resident_pays(sandboxes, pending.reference, bad_signature=True)
    assert await deliveries(sandboxes, pending.reference, 1) == [401]  # not retried
    # A forged callback with no signature at all, straight to the receiver.
    body = json.dumps(
        {"reference": pending.reference, "bank_txn": "FORGED1", "amount_vnd": EVN_AMOUNT}
    ).encode()
    async with aiohttp.ClientSession() as session:
        for signature in ("", "00" * 32, sign("wrong-secret", body)):
            async with session.post(
                payments.callback_url, data=body, headers={"X-Signature": signature}
            ) as response:
                assert response.status == 401
    assert store.payment(pending.reference).state == "created"
    assert store.postings_of(pending.reference) == []
    # The genuine callback afterwards is accepted.
    await call(sandboxes[0], "POST", "/_sandbox/resend", BANK_KEY, {"reference": pending.reference})
    async with asyncio.timeout(10):
        assert await pending.wait() == "cleared"
    assert await books_agree(store, sandboxes) == ([pending.reference], [])


async def test_a_wrong_amount_or_unknown_reference_posts_nothing(store, sandboxes, payments):
    pending = await payments.start_payment(bill())
    async with aiohttp.ClientSession() as session:
        for payload, status in (
            ({"reference": pending.reference, "bank_txn": "T1", "amount_vnd": 1}, 409),
            ({"reference": "CSNOSUCH1", "bank_txn": "T2", "amount_vnd": EVN_AMOUNT}, 409),
            ({"reference": pending.reference}, 400),
        ):
            body = json.dumps(payload).encode()
            async with session.post(
                payments.callback_url, data=body, headers={"X-Signature": sign(BANK_KEY, body)}
            ) as response:
                assert response.status == status
    assert store.payment(pending.reference).state == "created"
    assert store.account_balances() == dict.fromkeys(store.account_balances(), 0)


async def test_the_same_reference_again_is_the_same_payment(store, sandboxes, payments):
    request = PaymentRequest("fee.criminal_record", "Phí lý lịch tư pháp", 200_000, "portal:lltp",
                             reference="CSFEE0001")  # fmt: skip
    first = await payments.start_payment(request)
    again = await payments.start_payment(request)
    assert (first.reference, first.payload) == (again.reference, again.payload)
    await resident_pays(sandboxes, first.reference)
    async with asyncio.timeout(10):
        # No clearer for fees: settled at once, the money is in the station's account.
        assert await first.wait() == "cleared"
    assert store.payment("CSFEE0001").settlement == "station"
    with pytest.raises(PaymentError):
        await payments.start_payment(PaymentRequest("fee.x", "x", 0, "portal:x"))


async def test_the_bank_unreachable_opens_no_payment(store, sandboxes, payments):
    await sandboxes[0].inject(Fault("/orders", 503, count=1))
    with pytest.raises(PaymentError):
        await payments.start_payment(bill())
    assert store.payments_in("created", "paid", "cleared", "refunded") == []


STATION = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from cabin.config import ProviderConfig, Secret
    from cabin.store import Store
    from services.payment import PaymentRequest, PaymentService
    from services.provider import ProviderClient

    async def main():
        db, key, bank_url, billers_url = sys.argv[1:5]
        store = Store.open(Path(db), key=bytes.fromhex(key))
        bank = ProviderClient("bank", ProviderConfig(bank_url, Secret("{bank_key}"), 5.0))
        billers = ProviderClient(
            "billers", ProviderConfig(billers_url, Secret("{billers_key}"), 5.0))
        service = PaymentService(store, bank, billers, callback_secret="{bank_key}",
                                 clear_attempts=1000, backoff=0.1)
        await service.start()
        pending = await service.start_payment(PaymentRequest(
            "bill.electricity", "Tien dien", {amount}, "electricity:{code}"))
        print(pending.reference, flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())
    """
).format(bank_key=BANK_KEY, billers_key=BILLERS_KEY, amount=EVN_AMOUNT, code=EVN)


async def test_a_station_killed_between_paid_and_cleared_resumes(tmp_path, key, sandboxes):
    bank, billers = sandboxes
    db = tmp_path / "killed.db"
    Store.open(db, key=key).close()
    await billers.inject(Fault("/clearings", 503, count=10_000))  # the biller is down
    script = tmp_path / "station.py"
    script.write_text(STATION)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), str(db), key.hex(), bank.base_url, billers.base_url,
        stdout=subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        async with asyncio.timeout(30):
            reference = (await process.stdout.readline()).decode().strip()
        assert reference.startswith("CS")
        await resident_pays(sandboxes, reference)
        with Store.open(db, key=key) as watcher:
            await until(lambda: (watcher.payment(reference).clear_attempts or 0) >= 2, 20)
            assert watcher.payment(reference).state == "paid"
        process.send_signal(signal.SIGKILL)  # mid-payment: paid, not cleared
        assert await process.wait() == -signal.SIGKILL
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    await call(billers, "DELETE", "/_sandbox/faults", BILLERS_KEY)  # the biller is back
    with Store.open(db, key=key) as store:
        bank_client, billers_client = clients(sandboxes)
        service = PaymentService(
            store, bank_client, billers_client, callback_secret=BANK_KEY, backoff=0.05
        )
        await service.start()  # resumes the paid payment
        try:
            async with asyncio.timeout(10):
                assert await service.wait_for(reference) == "cleared"
            states = [s.state for s in store.payment_history(reference)]
            assert states == ["created", "paid", "cleared"]
            assert await books_agree(store, sandboxes) == ([reference], [])
        finally:
            await service.stop()
            await bank_client.close()
            await billers_client.close()


async def test_a_payment_paid_while_the_station_was_down_is_found_at_start(
    store, sandboxes, payments
):
    pending = await payments.start_payment(bill())
    await payments.stop()  # the station is down: the bank's callbacks find no one
    await resident_pays(sandboxes, pending.reference)
    # Four tries, 0.2 s apart, each finding no one; then the bank gives up.
    assert await deliveries(sandboxes, pending.reference, 4) == [0, 0, 0, 0]
    assert store.payment(pending.reference).state == "created"
    await payments.start()  # asks the bank about every payment left created
    async with asyncio.timeout(10):
        assert await pending.wait() == "cleared"
    assert await books_agree(store, sandboxes) == ([pending.reference], [])
