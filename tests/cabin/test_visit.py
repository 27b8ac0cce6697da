"""The visit state machine, on a real SQLite store, with an injected clock."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from cabin.store import Store, generate_key
from cabin.visit import End, IdleEvent, IdleTimer, Step, VisitError, VisitFlow, recover

KEY = generate_key()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "station.db", key=KEY) as store:
        yield store


@pytest.fixture
def clock():
    return Clock()


def states(store, visit):
    return [t.to_state for t in store.transitions(visit.visit_id)]


def test_a_whole_visit_is_stored_step_by_step(store, clock):
    visit = VisitFlow(store, "station-1", clock=clock)
    visit.identify(None)
    visit.give_consent(True)
    visit.start_measuring()
    visit.record("spo2", {"spo2": 97}, "%", device_id="oximeter", quality=0.93)
    visit.stop_measuring()
    visit.show_results()
    visit.ask_doctor()
    visit.end_consult()
    visit.send()
    visit.goodbye()
    visit.finish()
    assert states(store, visit) == [
        "identify", "consent", "measure", "results", "consult", "results", "send", "goodbye",
        "completed",
    ]  # fmt: skip
    stored = store.visit(visit.visit_id)
    assert stored.consent is True
    assert stored.ended_at == clock.now
    (measurement,) = store.measurements(visit.visit_id)
    assert measurement.values == {"spo2": 97.0}
    assert measurement.quality == pytest.approx(0.93)


def test_without_consent_nothing_is_sent_and_goodbye_comes_from_results(store, clock):
    visit = VisitFlow(store, "station-1", clock=clock)
    visit.identify(None)
    visit.give_consent(False)
    visit.show_results()
    with pytest.raises(VisitError, match="no consent"):
        visit.send()
    visit.goodbye()
    visit.finish()
    assert "send" not in states(store, visit)


def test_with_consent_the_visit_must_be_sent_before_goodbye(store, clock):
    visit = VisitFlow(store, "station-1", clock=clock)
    visit.identify(None)
    visit.give_consent(True)
    visit.show_results()
    with pytest.raises(VisitError, match="send the visit"):
        visit.goodbye()


def test_every_step_before_send_can_be_undone(store, clock):
    visit = VisitFlow(store, "station-1", clock=clock)
    visit.identify(None)
    visit.give_consent(True)
    visit.show_results()
    visit.back()
    assert visit.step == Step.MEASURE
    visit.back()
    assert visit.step == Step.CONSENT
    visit.back()
    assert visit.step == Step.IDENTIFY
    visit.identify(None)  # identify again, e.g. after correcting the card number
    visit.give_consent(False)
    visit.show_results()
    visit.goodbye()
    with pytest.raises(VisitError, match="cannot go back"):
        visit.back()


def test_going_back_from_identify_cancels_the_visit(store, clock):
    visit = VisitFlow(store, "station-1", clock=clock)
    visit.back()
    assert visit.ended == End.CANCELLED
    assert store.visit(visit.visit_id).state == "cancelled"
    with pytest.raises(VisitError, match="ended"):
        visit.identify(None)


@pytest.mark.parametrize(
    "action",
    [
        lambda v: v.give_consent(True),
        lambda v: v.record("spo2", {"spo2": 97}, "%"),
        lambda v: v.show_results(),
        lambda v: v.send(),
        lambda v: v.finish(),
        lambda v: v.end_consult(),
    ],
)
def test_steps_out_of_order_are_refused_and_change_nothing(store, clock, action):
    visit = VisitFlow(store, "station-1", clock=clock)
    with pytest.raises(VisitError):
        action(visit)
    assert states(store, visit) == ["identify"]
    assert store.measurements(visit.visit_id) == []


def test_the_idle_timer_warns_once_then_ends_the_visit_keeping_its_data(store, clock):
    visit = VisitFlow(store, "station-1", clock=clock, timer=IdleTimer(90, 15))
    visit.identify(None)
    visit.give_consent(True)
    visit.record("pulse_rate", {"pulse_rate": 71}, "/min")
    clock.advance(74)
    assert visit.tick() == IdleEvent.NONE
    clock.advance(1)
    assert visit.tick() == IdleEvent.WARN
    clock.advance(5)
    assert visit.tick() == IdleEvent.NONE  # warned once only
    clock.advance(10)
    assert visit.tick() == IdleEvent.TIMED_OUT
    assert visit.ended == End.TIMED_OUT
    assert store.visit(visit.visit_id).state == "timed_out"
    assert len(store.measurements(visit.visit_id)) == 1
    assert visit.tick() == IdleEvent.NONE


def test_a_touch_restarts_the_timer(store, clock):
    visit = VisitFlow(store, "station-1", clock=clock)
    clock.advance(80)
    assert visit.tick() == IdleEvent.WARN
    visit.touch()
    clock.advance(80)
    assert visit.tick() == IdleEvent.WARN  # warned again after the new silence
    assert visit.ended is None


def test_no_time_pressure_while_a_device_measures(store, clock):
    visit = VisitFlow(store, "station-1", clock=clock)
    visit.identify(None)
    visit.give_consent(True)
    visit.start_measuring()
    clock.advance(300)  # a slow blood-pressure cycle, then a rest
    assert visit.tick() == IdleEvent.NONE
    visit.stop_measuring()
    clock.advance(89)
    assert visit.tick() == IdleEvent.WARN


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from cabin.store import Store
    from cabin.visit import VisitFlow
    store = Store.open(Path(sys.argv[1]), key=bytes.fromhex(sys.argv[2]))
    visit = VisitFlow(store, "station-1")
    visit.identify(None)
    visit.give_consent(True)
    visit.start_measuring()
    visit.record("spo2", {"spo2": 95}, "%")
    visit.record("pulse_rate", {"pulse_rate": 64}, "/min")
    print(visit.visit_id, flush=True)
    sys.stdin.read()  # wait here, mid-visit, until killed
    """
)


def test_a_visit_cut_by_a_crash_is_closed_at_restart_with_its_measurements(tmp_path):
    path = tmp_path / "station.db"
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), KEY.hex()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as writer:
        try:
            visit_id = writer.stdout.readline().strip()
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=10)
        finally:
            if writer.poll() is None:
                writer.kill()
    with Store.open(path, key=KEY) as store:
        assert recover(store, "station-1") == [visit_id]
        assert store.visit(visit_id).state == "interrupted"
        assert store.visit(visit_id).ended_at is not None
        assert {m.kind for m in store.measurements(visit_id)} == {"spo2", "pulse_rate"}
        assert recover(store, "station-1") == []  # once only


# -- handing a sent visit to the outbox ------------------------------------------------------


def sent_visit(store, clock, on_sent):
    visit = VisitFlow(store, "station-1", clock=clock, on_sent=on_sent)
    visit.identify(None)
    visit.give_consent(True)
    visit.start_measuring()
    visit.record("spo2", {"spo2": 96}, "%", device_id="oximeter")
    visit.show_results()
    visit.choose_hospital("bv-b")
    visit.send()
    return visit


def enqueue_into(store, seen):
    def on_sent(visit_id):
        # Inside the ending transaction: the visit already reads as ended.
        seen.append((visit_id, store.visit(visit_id).ended_at is not None))
        store.enqueue(visit_id, store.visit(visit_id).hospital, "fhir-transaction", b"{}")

    return on_sent


@pytest.mark.parametrize("ending", ["finish", "tick", "cancel"])
def test_a_sent_visit_is_queued_in_the_transaction_that_ends_it(store, clock, ending):
    seen = []
    visit = sent_visit(store, clock, enqueue_into(store, seen))
    assert seen == []  # not before it ends
    if ending == "finish":
        visit.goodbye()
        visit.finish()
    elif ending == "tick":
        clock.advance(visit.timer.idle_timeout)
        assert visit.tick() is IdleEvent.TIMED_OUT
    else:
        visit.cancel()
    assert seen == [(visit.visit_id, True)]
    [entry] = store.outbox_entries()
    assert (entry.visit_id, entry.destination) == (visit.visit_id, "bv-b")


def test_a_visit_that_was_not_sent_is_not_queued(store, clock):
    seen = []
    visit = VisitFlow(store, "station-1", clock=clock, on_sent=enqueue_into(store, seen))
    visit.identify(None)
    visit.give_consent(False)
    visit.show_results()
    visit.goodbye()
    visit.finish()
    assert seen == []
    assert store.outbox_entries() == []


def test_if_queueing_fails_the_visit_does_not_end(store, clock):
    def broken(visit_id):
        store.enqueue(visit_id, "bv-a", "fhir-transaction", b"{}")
        raise OSError("disk full")

    visit = sent_visit(store, clock, broken)
    visit.goodbye()
    with pytest.raises(OSError, match="disk full"):
        visit.finish()
    assert store.visit(visit.visit_id).ended_at is None
    assert store.outbox_entries() == []  # rolled back with the ending
    assert visit.ended is None


def test_the_hospital_cannot_change_after_sending(store, clock):
    visit = sent_visit(store, clock, None)
    with pytest.raises(VisitError, match="already been sent"):
        visit.choose_hospital("bv-a")


def test_recover_queues_the_visits_that_were_sent_before_the_crash(store, clock):
    sent = sent_visit(store, clock, None)  # the station stopped on the goodbye screen
    unsent = VisitFlow(store, "station-1", clock=clock)
    unsent.identify(None)
    seen = []
    closed = recover(store, "station-1", clock=clock, on_sent=enqueue_into(store, seen))
    assert set(closed) == {sent.visit_id, unsent.visit_id}
    assert seen == [(sent.visit_id, True)]
    assert [e.visit_id for e in store.outbox_entries()] == [sent.visit_id]


def test_the_doctor_can_have_a_vital_measured_again_during_the_consult(store, clock):
    visit = VisitFlow(store, "station-1", clock=clock)
    visit.identify(None)
    visit.give_consent(True)
    visit.start_measuring()
    visit.record("spo2", {"spo2": 93}, "%")
    visit.show_results()
    with pytest.raises(VisitError):
        visit.start_measuring()  # not from the results: only the doctor's request reopens it
    with pytest.raises(VisitError):
        visit.record("spo2", {"spo2": 95}, "%")
    visit.ask_doctor()
    visit.begin_call()
    clock.advance(visit.timer.idle_timeout + 1)
    assert visit.tick() is IdleEvent.NONE  # talking to the doctor is not being idle
    visit.start_measuring()
    clock.advance(visit.timer.idle_timeout + 1)
    assert visit.tick() is IdleEvent.NONE  # nobody is hurried while the device measures
    visit.record("spo2", {"spo2": 96}, "%", device_id="oximeter")
    visit.stop_measuring()
    assert visit.step is Step.CONSULT
    visit.end_call()
    assert visit.tick() is IdleEvent.NONE  # the end of the call counts as a touch
    visit.end_consult()
    assert [m.values["spo2"] for m in store.measurements(visit.visit_id)] == [93, 96]
    assert states(store, visit)[-3:] == ["results", "consult", "results"]


def test_recover_closes_a_call_the_stop_cut(store, clock):
    visit = VisitFlow(store, "station-1", clock=clock)
    visit.identify(None)
    visit.give_consent(True)
    visit.show_results()
    visit.ask_doctor()
    consult = store.begin_consult(visit.visit_id, at=clock())
    store.set_consult_doctor(consult, "bs.lan", "BS. Lan", at=clock())
    store.set_consult_note(consult, "Ổn định.")
    clock.advance(60)
    assert recover(store, "station-1", clock=clock) == [visit.visit_id]
    kept = store.consult_for(visit.visit_id)
    assert (kept.end_reason, kept.ended_at, kept.note) == ("interrupted", clock(), "Ổn định.")
