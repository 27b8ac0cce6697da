"""The payments ledger in a real SQLite store: states, double entry, idempotency, reconciliation."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, date, datetime

import pytest

from cabin.errors import StoreError
from cabin.store import Store, generate_key
from services.ledger import format_report, report_dict

AT = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)  # 23:30 on the 24th in Hồ Chí Minh City
NEXT_DAY = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)  # 00:30 on the 25th there


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "station.db", key=generate_key()) as store:
        yield store


def make(store, reference="CSREF0001", amount=486_500, at=AT):
    return store.create_payment(
        reference,
        purpose_code="bill.electricity",
        description="Tien dien",
        payee="electricity:PE07000012345",
        amount_vnd=amount,
        qr_payload="000201...",
        at=at,
    )


def test_a_payment_goes_created_paid_cleared_with_balanced_postings(store):
    payment = make(store)
    assert (payment.state, payment.bank_txn, payment.amount_vnd) == ("created", None, 486_500)
    assert store.record_paid("CSREF0001", "FT1", 486_500, at=AT) == "recorded"
    assert store.record_cleared("CSREF0001", "BL1", at=AT) is True
    assert [(c.state, c.note) for c in store.payment_history("CSREF0001")] == [
        ("created", ""),
        ("paid", "FT1"),
        ("cleared", "BL1"),
    ]
    postings = store.postings_of("CSREF0001")
    assert sum(amount for _, _, amount in postings) == 0
    assert store.account_balances() == {
        "bank_clearing": 486_500,
        "biller_payable": -486_500,
        "refunds": 0,
        "resident_payments": 0,
    }
    assert store.unbalanced_payments() == []


def test_repeated_late_and_conflicting_callbacks_post_nothing(store):
    make(store)
    make(store, "CSREF0002", 142_000)
    assert store.record_paid("CSREF0001", "FT1", 486_500) == "recorded"
    assert store.record_paid("CSREF0001", "FT1", 486_500) == "duplicate"
    assert store.record_paid("CSREF0001", "FT9", 486_500) == "conflict"  # paid already
    assert store.record_paid("CSREF0002", "FT1", 142_000) == "conflict"  # FT1 paid another
    assert store.record_paid("CSREF0002", "FT2", 1) == "mismatch"
    assert store.record_paid("CSNOSUCH", "FT3", 1) == "unknown"
    store.record_cleared("CSREF0001", "BL1")
    assert store.record_paid("CSREF0001", "FT1", 486_500) == "duplicate"  # late
    assert store.record_cleared("CSREF0001", "BL1") is False
    assert len(store.postings_of("CSREF0001")) == 4
    assert store.postings_of("CSREF0002") == []
    assert store.payment("CSREF0002").state == "created"


def test_only_a_paid_payment_can_be_cleared_or_refunded_and_never_both(store):
    make(store)
    with pytest.raises(StoreError, match="created payment cannot become cleared"):
        store.record_cleared("CSREF0001", "BL1")
    store.record_paid("CSREF0001", "FT1", 486_500)
    assert store.record_refunded("CSREF0001", "RF1") is True
    with pytest.raises(StoreError, match="refunded payment cannot become cleared"):
        store.record_cleared("CSREF0001", "BL1")
    assert store.account_balances()["refunds"] == -486_500
    assert store.account_balances()["resident_payments"] == 0


def test_the_same_reference_is_the_same_payment_and_other_terms_are_refused(store):
    first = make(store)
    assert make(store) == first
    with pytest.raises(StoreError, match="other terms"):
        make(store, amount=1)
    with pytest.raises(ValueError, match="positive integer"):
        make(store, "CSREF0003", amount=0)
    with pytest.raises(ValueError, match="positive integer"):
        make(store, "CSREF0004", amount=1.5)


def test_history_and_postings_are_append_only(store, tmp_path):
    make(store)
    store.record_paid("CSREF0001", "FT1", 486_500)
    raw = sqlite3.connect(tmp_path / "station.db")
    try:
        for sql in (
            "UPDATE ledger_postings SET amount_vnd = 0",
            "DELETE FROM ledger_postings",
            "UPDATE payment_states SET state = 'cleared'",
            "DELETE FROM payment_states",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                raw.execute(sql)
    finally:
        raw.close()


def test_two_threads_with_the_same_callback_post_once(store):
    make(store)
    outcomes = []
    barrier = threading.Barrier(8)

    def callback():
        barrier.wait()
        outcomes.append(store.record_paid("CSREF0001", "FT1", 486_500))

    threads = [threading.Thread(target=callback) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["duplicate"] * 7 + ["recorded"]
    assert len(store.postings_of("CSREF0001")) == 2


def test_the_daily_reconciliation_uses_the_local_day(store):
    make(store, "CSLATE", 100_000, at=AT)  # 23:30 local, the 24th
    make(store, "CSNEXT", 50_000, at=NEXT_DAY)  # 00:30 local, the 25th
    make(store, "CSOPEN", 20_000, at=AT)
    store.record_paid("CSLATE", "FT1", 100_000, at=AT)
    store.record_paid("CSNEXT", "FT2", 50_000, at=NEXT_DAY)
    store.record_cleared("CSNEXT", "BL2", at=NEXT_DAY)
    day = store.reconciliation(date(2026, 11, 24))
    assert day.counts == {"created": 1, "paid": 1, "cleared": 0, "refunded": 0}
    assert day.sums == {"created": 20_000, "paid": 100_000, "cleared": 0, "refunded": 0}
    assert day.postings["bank_clearing"] == 100_000
    assert day.balances == {
        "bank_clearing": 100_000,
        "biller_payable": 0,
        "refunds": 0,
        "resident_payments": -100_000,
    }
    assert day.unsettled == ["CSLATE"]
    assert day.balanced
    after = store.reconciliation(date(2026, 11, 25))
    assert after.counts["cleared"] == 1
    assert after.balances["bank_clearing"] == 150_000
    assert after.balances["biller_payable"] == -50_000
    text = format_report(day)
    assert "Reconciliation of 2026-11-24 (Asia/Ho_Chi_Minh)" in text
    assert "100.000" in text
    assert "paid, not yet cleared or refunded: CSLATE" in text
    assert json.loads(json.dumps(report_dict(after)))["balances_vnd"]["bank_clearing"] == 150_000


def test_cabin_pay_report_prints_the_day(tmp_path, monkeypatch):
    from cabin import cli

    key = generate_key()
    config = tmp_path / "cabin.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "station.db"}"\nkey = "{key.hex()}"\n', encoding="utf-8"
    )
    with Store.open(tmp_path / "station.db", key=key) as store:
        make(store, at=AT)
        store.record_paid("CSREF0001", "FT1", 486_500, at=AT)
    assert cli.main(["--config", str(config), "pay", "report", "--day", "2026-11-24"]) == 0
    assert (
        cli.main(["--config", str(config), "pay", "report", "--day", "2026-11-24", "--json"]) == 0
    )
