"""The consult's data-channel messages: sizes, round trips, strict parsing, pacing."""

from __future__ import annotations

import contextlib
import itertools
import json
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cabin.measure import Vital
from hardware.events import SignalKind, WaveformChunk
from video.control import (
    EARLIER_MAX,
    NOTE_MAX_CHARS,
    READINGS_MAX,
    Ack,
    EarlierVisit,
    End,
    Instruction,
    Measuring,
    Note,
    Reading,
    Record,
    Remeasure,
    Result,
    Unable,
    encode_control,
    new_message_id,
    parse_control,
)
from video.live import (
    LIVE_MAX_BYTES,
    RESOLUTION,
    LivePacer,
    ValuesMessage,
    WaveMessage,
    parse_live,
    values_message,
    wave_gap,
    waveform_messages,
)
from video.strict_json import ChannelMessageError

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def chunk(kind=SignalKind.ECG_II, n=250, seq=0, fs=500.0, seed=1, scale=2.0):
    rng = np.random.default_rng(seed)
    samples = rng.uniform(-scale, scale, n)
    return WaveformChunk(
        kind=kind, fs=fs, start=T0, samples=samples, seq=seq, device_id="ecg-sim", unit="mV"
    )


def waves(messages):
    out = [parse_live(m) for m in messages]
    assert all(isinstance(m, WaveMessage) for m in out)
    return out


@pytest.mark.parametrize("kind", list(SignalKind))
def test_waveform_round_trips_within_resolution(kind):
    c = chunk(kind=kind, n=700, seq=12345, scale=300.0)
    parsed = waves(waveform_messages(c))
    samples = np.concatenate([p.samples for p in parsed])
    assert len(samples) == len(c)
    assert np.max(np.abs(samples - c.samples)) <= RESOLUTION[kind] / 2 + 1e-9
    assert all(p.kind == kind and p.fs == c.fs and p.factor == RESOLUTION[kind] for p in parsed)


@pytest.mark.parametrize("n", [1, 10, 50, 125, 250, 500, 1000, 5000])
def test_ecg_messages_fit_in_a_thousand_bytes(n):
    messages = waveform_messages(chunk(n=n, seq=10**9, scale=10.0))
    assert messages
    for m in messages:
        assert len(m.encode("utf-8")) <= LIVE_MAX_BYTES
        json.loads(m)
    # the split is not wasteful: all but the last are nearly full
    for m in messages[:-1]:
        assert len(m.encode()) > LIVE_MAX_BYTES - 10


def test_message_format():
    c = WaveformChunk(
        kind=SignalKind.ECG_I,
        fs=500.0,
        start=T0,
        samples=np.array([0.0011, -0.5, float("nan")]),
        seq=7,
        device_id="d",
        unit="mV",
    )
    (m,) = waveform_messages(c)
    assert json.loads(m) == {
        "t": "wave",
        "k": "ecg_i",
        "fs": 500.0,
        "f": 0.001,
        "seq": 7,
        "d": [1, -500, None],
    }
    assert np.isnan(parse_live(m).samples[2])


def test_small_max_bytes_splits_and_too_small_refuses():
    c = chunk(n=100)
    messages = waveform_messages(c, max_bytes=120)
    assert all(len(m.encode()) <= 120 for m in messages)
    assert sum(len(p) for p in waves(messages)) == 100
    with pytest.raises(ValueError, match="too small"):
        waveform_messages(c, max_bytes=40)
    assert waveform_messages(chunk(n=0)) == []


def test_seq_continuity_and_gap_detection():
    first = waves(waveform_messages(chunk(n=600, seq=1000)))
    second = waves(waveform_messages(chunk(n=600, seq=1600, seed=2)))
    stream = first + second
    assert stream[0].seq == 1000
    assert all(wave_gap(a, b) == 0 for a, b in itertools.pairwise(stream))
    # lose one message in the middle: the receiver sees exactly its samples as missing
    lost = stream.pop(2)
    assert wave_gap(stream[1], stream[2]) == len(lost)
    assert stream[-1].end_seq == 2200


def test_values_message():
    text = values_message({"spo2": 97, "pulse_rate": 72.5}, {"spo2": "%", "pulse_rate": "/min"})
    assert len(text.encode()) < 200
    parsed = parse_live(text)
    assert isinstance(parsed, ValuesMessage)
    assert dict(parsed.values) == {"spo2": 97.0, "pulse_rate": 72.5}
    assert dict(parsed.units) == {"spo2": "%", "pulse_rate": "/min"}
    bp = parse_live(values_message({"systolic": 121, "diastolic": 79}, "mm[Hg]"))
    assert isinstance(bp, ValuesMessage)
    assert bp.units["diastolic"] == "mm[Hg]"


@pytest.mark.parametrize(
    ("values", "units", "match"),
    [
        ({"spo2": float("nan")}, "%", "not finite"),
        ({"spo2": 97.0}, {}, "no unit"),
        ({"Bad Name": 1.0}, "1", "short code"),
        ({f"v{i}": 1.5 for i in range(100)}, "1", "over 1000"),
    ],
)
def test_values_message_refuses(values, units, match):
    with pytest.raises(ValueError, match=match):
        values_message(values, units)


CONTROL = [
    Remeasure("a1", Vital.BLOOD_PRESSURE),
    Remeasure("a2", Vital.SPO2),
    Instruction("b", "finger_out"),
    Note("c", "Xin chào, hãy ngồi yên.\nThank you."),
    Note("c2", "x" * NOTE_MAX_CHARS),
    End("d"),
    Ack("a1"),
    Measuring("e", Vital.ECG),
    Result("f", Vital.BLOOD_PRESSURE, {"systolic": 121.0, "diastolic": 79.0}, "mm[Hg]"),
    Unable("u", Vital.BLOOD_PRESSURE, "cuff_loose"),
    Record("g", ()),
    Record(
        "h",
        (
            Reading("blood_pressure", {"systolic": 142.0, "diastolic": 91.0}, "mm[Hg]"),
            Reading("pulse_rate", {"pulse_rate": 88.0}, "/min", ("irregular_pulse",)),
        ),
        (
            EarlierVisit("2026-10-01", (Reading("spo2", {"spo2": 96.0}, "%"),)),
            EarlierVisit("2026-09-03", ()),
        ),
    ),
]


@pytest.mark.parametrize("message", CONTROL, ids=lambda m: type(m).__name__)
def test_control_round_trips(message):
    text = encode_control(message)
    assert parse_control(text) == message
    assert parse_control(text.encode()) == message
    assert json.loads(text)["id"] == message.id


def test_control_wire_format():
    assert json.loads(encode_control(Remeasure("x", Vital.SPO2))) == {
        "t": "remeasure",
        "id": "x",
        "vital": "spo2",
    }
    assert json.loads(encode_control(Ack("x"))) == {"t": "ack", "id": "x"}


def test_record_wire_format_and_limits():
    record = Record(
        "r",
        (Reading("spo2", {"spo2": 97.0}, "%", ("low_perfusion",)),),
        (EarlierVisit("2026-10-01", (Reading("weight", {"weight": 61.5}, "kg"),)),),
    )
    assert json.loads(encode_control(record)) == {
        "t": "record",
        "id": "r",
        "now": [{"k": "spo2", "v": {"spo2": 97.0}, "u": "%", "f": ["low_perfusion"]}],
        "earlier": [
            {
                "date": "2026-10-01",
                "r": [{"k": "weight", "v": {"weight": 61.5}, "u": "kg", "f": []}],
            }
        ],
    }
    one = Reading("spo2", {"spo2": 97.0}, "%")
    encode_control(Record("a", (one,) * READINGS_MAX))
    with pytest.raises(ChannelMessageError, match="more than"):
        encode_control(Record("a", (one,) * (READINGS_MAX + 1)))
    with pytest.raises(ChannelMessageError, match="more than"):
        encode_control(Record("a", (), (EarlierVisit("2026-01-01", ()),) * (EARLIER_MAX + 1)))
    with pytest.raises(ChannelMessageError, match="YYYY-MM-DD"):
        encode_control(Record("a", (), (EarlierVisit("1 Oct", ()),)))
    with pytest.raises(ChannelMessageError, match="short code"):
        encode_control(Record("a", (Reading("Nguyễn", {"x": 1.0}, "%"),)))


def test_new_ids_are_valid_and_distinct():
    ids = {new_message_id() for _ in range(100)}
    assert len(ids) == 100
    for i in ids:
        assert parse_control(encode_control(End(i))) == End(i)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", "not valid JSON"),
        ("[1,2]", "not a JSON object"),
        ('{"id":"a"}', "no type"),
        ('{"t":"launch","id":"a"}', "unknown control message type 'launch'"),
        ('{"t":"remeasure","id":"a","vital":"weight"}', "unknown vital 'weight'"),
        ('{"t":"end","id":"a","extra":1}', "unexpected extra"),
        ('{"t":"end"}', "lacks id"),
        ('{"t":"end","id":"a b"}', "id must be"),
        ('{"t":"end","id":""}', "id must be"),
        ('{"t":"end","id":7}', "id must be a string"),
        ('{"t":"end","id":"a","id":"b"}', "appears twice"),
        ('{"t":"instruction","id":"a","key":"Play Everything Now!"}', "catalogue code"),
        ('{"t":"note","id":"a","text":"' + "x" * (NOTE_MAX_CHARS + 1) + '"}', "too long"),
        ('{"t":"note","id":"a","text":"' + "x" * 20_000 + '"}', "too long"),
        ('{"t":"note","id":"a","text":"\\ud800"}', "not valid Unicode"),
        ('{"t":"result","id":"a","vital":"spo2","values":{"spo2":NaN},"unit":"%"}', "NaN"),
        ('{"t":"result","id":"a","vital":"spo2","values":{"spo2":true},"unit":"%"}', "number"),
        ('{"t":"result","id":"a","vital":"spo2","values":{},"unit":"%"}', "non-empty"),
        ('{"t":"unable","id":"a","vital":"spo2","reason":"Ngón tay!"}', "short code"),
        ('{"t":"unable","id":"a","vital":"spo2"}', "lacks reason"),
        ('{"t":"record","id":"a","now":{},"earlier":[]}', "now must be a list"),
        ('{"t":"record","id":"a","now":[{"k":"spo2"}],"earlier":[]}', "k, v, u and f"),
        ('{"t":"record","id":"a","now":[],"earlier":[{"date":"x","r":[]}]}', "YYYY-MM-DD"),
        (
            '{"t":"record","id":"a","now":[{"k":"spo2","v":{"spo2":9},"u":"%","f":[1]}],'
            '"earlier":[]}',
            "short codes",
        ),
        ("[" * 5000 + "]" * 5000, "JSON"),
    ],
)
def test_bad_control_messages_give_clear_errors(text, match):
    with pytest.raises(ChannelMessageError, match=match):
        parse_control(text)


def test_bad_bytes_and_bad_encoding():
    with pytest.raises(ChannelMessageError, match="UTF-8"):
        parse_control(b"\xff\xfe")
    with pytest.raises(ChannelMessageError):
        encode_control(Note("a", "x" * (NOTE_MAX_CHARS + 1)))
    with pytest.raises(ChannelMessageError):
        encode_control(Result("a", Vital.SPO2, {"spo2": float("inf")}, "%"))


def test_error_is_a_value_error():
    assert issubclass(ChannelMessageError, ValueError)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_fuzz_text_only_raises_the_channel_error(text):
    with contextlib.suppress(ChannelMessageError):
        parse_control(text)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["remeasure", "instruction", "note", "end", "ack", "measuring", "result"]),
    st.dictionaries(
        st.sampled_from(["id", "vital", "key", "text", "values", "unit", "x"]), json_values
    ),
)
def test_fuzz_near_miss_objects_only_raise_the_channel_error(t, rest):
    text = json.dumps({"t": t, **rest})
    try:
        message = parse_control(text)
    except ChannelMessageError:
        return
    assert parse_control(encode_control(message)) == message


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=100))
def test_fuzz_live_only_raises_the_channel_error(data):
    with contextlib.suppress(ChannelMessageError):
        parse_live(data)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_pacer_keeps_the_rate_per_kind():
    clock = Clock()
    pacer = LivePacer(rate=4, max_pending=100, clock=clock)
    for i in range(10):
        pacer.feed(chunk(n=125, seq=i * 125))
        pacer.feed(chunk(kind=SignalKind.PLETH, n=10, seq=i * 10))
    first = pacer.pull()
    kinds = [json.loads(m)["k"] for m in first]
    assert kinds.count("ecg_ii") == 4
    assert kinds.count("pleth") == 4
    assert pacer.pull() == []
    clock.now += 0.5
    assert pacer.pull() == []
    clock.now += 0.5
    assert len(pacer.pull()) == 8
    assert pacer.dropped == {}


def test_pacer_drops_oldest_when_behind():
    clock = Clock()
    pacer = LivePacer(rate=2, max_pending=3, clock=clock)
    for i in range(6):
        pacer.feed(chunk(n=50, seq=i * 50))  # one message each
    assert pacer.pending(SignalKind.ECG_II) == 3
    assert pacer.dropped == {SignalKind.ECG_II: 3}
    sent = waves(pacer.pull())
    assert [w.seq for w in sent] == [150, 200]  # the newest survive, oldest first
    clock.now += 1.0
    (last,) = waves(pacer.pull())
    assert last.seq == 250
    assert wave_gap(sent[-1], last) == 0


def test_pacer_over_a_slow_minute_never_backs_up():
    clock = Clock()
    pacer = LivePacer(rate=5, clock=clock)
    sent = 0
    for i in range(600):  # ECG at 500 Hz in 100 ms chunks, 60 s
        pacer.feed(chunk(n=50, seq=i * 50, seed=i))
        clock.now += 0.1
        sent += len(pacer.pull())
        assert pacer.pending(SignalKind.ECG_II) <= 5
    assert sent <= 5 * 61
    made = sum(len(waveform_messages(chunk(n=50, seq=i * 50))) for i in range(600))
    dropped = pacer.dropped.get(SignalKind.ECG_II, 0)
    assert sent + dropped + pacer.pending(SignalKind.ECG_II) == made
    assert dropped > 0


def test_pacer_refuses_bad_settings():
    with pytest.raises(ValueError, match="rate"):
        LivePacer(rate=0)
    with pytest.raises(ValueError, match="max_pending"):
        LivePacer(rate=1, max_pending=0)
