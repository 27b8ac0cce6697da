"""The consult queue model: order, positions, estimates, accept races, time-outs, summaries."""

from __future__ import annotations

import pytest

from video.portal.consults import (
    ConsultQueue,
    ConsultState,
    ConsultTaken,
    SummaryError,
    parse_summary,
)

GOOD = {
    "age": 71,
    "sex": "female",
    "values": {"bp_sys": 152, "spo2": {"value": 95, "unit": "%"}},
    "flags": ["bp_high"],
}


@pytest.fixture
def queue(clock):
    return ConsultQueue(clock=clock, request_timeout=600, default_consult_s=300)


def test_a_good_summary_is_kept_as_is():
    summary = parse_summary(GOOD)
    assert summary.to_json() == GOOD


def test_an_anonymous_residents_age_is_unknown_not_zero():
    anonymous = {**GOOD, "age": None, "sex": "unknown"}
    assert parse_summary(anonymous).to_json() == anonymous


@pytest.mark.parametrize(
    "bad",
    [
        {**GOOD, "name": "Nguyễn Văn A"},
        {**GOOD, "cccd": "001099012345"},
        {k: v for k, v in GOOD.items() if k != "age"},
        {**GOOD, "age": "71"},
        {**GOOD, "age": True},
        {**GOOD, "age": 200},
        {**GOOD, "age": -1},
        {**GOOD, "sex": "Nguyễn"},
        {**GOOD, "values": {"bp_sys": "Nguyễn Văn A"}},
        {**GOOD, "values": {"bp_sys": {"value": 1, "note": "x"}}},
        {**GOOD, "values": {"bp_sys": float("nan")}},
        {**GOOD, "flags": ["Nguyễn Văn A có số 0123"]},
        {**GOOD, "flags": "bp_high"},
        ["not", "an", "object"],
        None,
    ],
)
def test_anything_but_the_four_plain_keys_is_refused(bad):
    with pytest.raises(SummaryError):
        parse_summary(bad)


def test_order_positions_and_estimates(queue, clock):
    summary = parse_summary(GOOD)
    first = queue.request("tram-1", "v1", summary)
    clock.now += 1
    second = queue.request("tram-2", "v2", summary)
    assert [c.id for c in queue.waiting()] == [first.id, second.id]
    assert queue.position(first.id) == 1
    assert queue.position(second.id) == 2
    assert queue.wait_estimate(first.id, doctors=1) == 299
    assert queue.wait_estimate(second.id, doctors=1) == 600
    assert queue.wait_estimate(second.id, doctors=2) == 300
    clock.now += 60
    assert queue.waiting_s(first) == 61
    queue.accept(first.id, "bs.lan")
    assert queue.position(first.id) is None
    assert queue.position(second.id) == 1
    assert queue.active() == [first]


def test_the_first_accept_wins(queue):
    consult = queue.request("tram-1", "v1", parse_summary(GOOD))
    assert queue.accept(consult.id, "bs.lan").doctor == "bs.lan"
    with pytest.raises(ConsultTaken):
        queue.accept(consult.id, "bs.hung")
    with pytest.raises(ConsultTaken):
        queue.accept("no-such-consult", "bs.hung")
    assert consult.doctor == "bs.lan"
    assert consult.state is ConsultState.ACTIVE


def test_ending_and_cancelling(queue, clock):
    summary = parse_summary(GOOD)
    waiting = queue.request("tram-1", "v1", summary)
    ended = queue.end(waiting.id, "cancelled")
    assert ended is waiting
    assert ended.state is ConsultState.ENDED
    assert ended.end_reason == "cancelled"
    assert queue.end(waiting.id, "cancelled") is None
    assert len(queue) == 0


def test_consult_lengths_feed_the_estimate(queue, clock):
    summary = parse_summary(GOOD)
    call = queue.request("tram-1", "v1", summary)
    queue.accept(call.id, "bs.lan")
    clock.now += 100
    queue.end(call.id, "doctor")
    waiting = queue.request("tram-2", "v2", summary)
    assert queue.wait_estimate(waiting.id) == round(0.8 * 300 + 0.2 * 100)


def test_requests_time_out(queue, clock):
    summary = parse_summary(GOOD)
    old = queue.request("tram-1", "v1", summary)
    clock.now += 300
    young = queue.request("tram-2", "v2", summary)
    accepted = queue.request("tram-3", "v3", summary)
    queue.accept(accepted.id, "bs.lan")
    clock.now += 299
    assert queue.expire() == []
    clock.now += 1
    assert queue.expire() == [old]
    assert old.end_reason == "timeout"
    assert [c.id for c in queue.waiting()] == [young.id]
    assert queue.get(accepted.id) is accepted


def test_bad_settings_are_refused(clock):
    with pytest.raises(ValueError, match="must be > 0"):
        ConsultQueue(clock=clock, request_timeout=0)
