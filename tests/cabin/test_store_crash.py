"""A store killed mid-write keeps every committed row and none of the uncommitted ones.

Each test runs a writer in a separate Python process on a real file, reads the
ids it reports after each commit, and SIGKILLs it while it is still writing.
The test then reopens the file and checks what survived.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from cabin.store import Store, generate_key

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL"),
    pytest.mark.timeout(120),
]

REPO = Path(__file__).resolve().parents[2]

# The writer prints one line per event and flushes it *after* the commit returned:
#   "visit <uuid>"            a visit was started
#   "committed <id> <i>"      measurement <id> holding value <i> is committed
#   "pending <id>"            waveform <id> was written inside a transaction not yet committed
# It stops by itself after WRITER_LIFETIME seconds, in case nobody kills it.
WRITER = """
import sys, time
import numpy as np
from cabin.store import Store

path, key_hex, mode, lifetime = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
deadline = time.monotonic() + lifetime
store = Store.open(path, key=bytes.fromhex(key_hex))
visit = store.start_visit("TEST-STATION")
print("visit", visit, flush=True)
i = 0
if mode == "commit":
    while time.monotonic() < deadline:
        row = store.add_measurement(
            visit, "pulse_rate", {"pulse_rate": float(i)}, "/min",
            device_id="sim-oximeter", quality=(i % 101) / 100, flags=["seq"],
        )
        print("committed", row, i, flush=True)
        i += 1
elif mode == "open-transaction":
    for _ in range(20):
        row = store.add_measurement(visit, "pulse_rate", {"pulse_rate": float(i)}, "/min")
        print("committed", row, i, flush=True)
        i += 1
    rng = np.random.default_rng(7)
    with store.transaction():
        store.transition(visit, "measuring")
        while time.monotonic() < deadline:
            # Random noise does not compress: each segment is ~80 kB, so the open
            # transaction soon outgrows the page cache and spills into the WAL file.
            row = store.add_waveform(
                visit, "ecg_ii", 500.0, store.visit(visit).started_at,
                rng.standard_normal(20_000), "mV",
            )
            print("pending", row, flush=True)
store.close()
"""

WRITER_LIFETIME = 60.0


class Writer:
    """A writer process and a thread that queues its output lines."""

    def __init__(self, script: Path, db: Path, key: bytes, mode: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(db), key.hex(), mode, str(WRITER_LIFETIME)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def read_until(self, prefix: str, count: int, timeout: float = 30.0) -> list[list[str]]:
        """Every line read until ``count`` lines starting with ``prefix`` were seen."""
        deadline = time.monotonic() + timeout
        seen: list[list[str]] = []
        matched = 0
        while matched < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"writer too slow: {matched}/{count} {prefix!r} lines")
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail(f"writer ended early: {self.stderr()}")
            fields = line.split()
            seen.append(fields)
            matched += fields[0] == prefix
        return seen

    def kill(self) -> None:
        """SIGKILL the writer and wait for it."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reader.join(timeout=10)

    def stderr(self) -> str:
        self.kill()
        assert self.proc.stderr is not None
        return self.proc.stderr.read()[-2000:]

    def close(self) -> None:
        self.kill()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def writers(tmp_path: Path) -> Iterator[list[Writer]]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    started: list[Writer] = []
    yield started
    for writer in started:
        writer.close()


def start(writers: list[Writer], tmp_path: Path, db: Path, key: bytes, mode: str) -> Writer:
    writer = Writer(tmp_path / "writer.py", db, key, mode)
    writers.append(writer)
    return writer


def raw_integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def test_every_committed_measurement_survives_sigkill(
    tmp_path: Path, writers: list[Writer]
) -> None:
    db, key = tmp_path / "station.db", generate_key()
    committed: dict[str, dict[int, float]] = {}  # visit -> {row id: value}
    # Three rounds on the same file, each killed at a different point mid-stream.
    for round_, extra in enumerate((0, 37, 111)):
        writer = start(writers, tmp_path, db, key, "commit")
        lines = writer.read_until("committed", 200 + extra)
        writer.kill()
        assert writer.proc.returncode == -signal.SIGKILL, f"round {round_}"
        visit = lines[0][1]
        assert lines[0][0] == "visit"
        committed[visit] = {int(f[1]): float(f[2]) for f in lines if f[0] == "committed"}

    assert raw_integrity(db) == "ok"
    with Store.open(db, key=key) as store:
        assert store.integrity_check() == []
        for visit, expected in committed.items():
            stored = {m.id: m for m in store.measurements(visit)}
            assert set(expected) <= set(stored), "a committed row is missing"
            for row_id, value in expected.items():
                m = stored[row_id]
                assert dict(m.values) == {"pulse_rate": value}
                assert m.unit == "/min"
                assert m.flags == frozenset({"seq"})
                assert m.quality == pytest.approx((int(value) % 101) / 100)
            # The writer may have committed a few more rows than it printed, never fewer,
            # and the rows it wrote form an unbroken run.
            values = [stored[i].values["pulse_rate"] for i in sorted(stored)]
            assert values == [float(i) for i in range(len(values))]


def test_uncommitted_transaction_is_absent_after_sigkill(
    tmp_path: Path, writers: list[Writer]
) -> None:
    db, key = tmp_path / "station.db", generate_key()
    writer = start(writers, tmp_path, db, key, "open-transaction")
    lines = writer.read_until("pending", 100)
    wal = db.with_name(db.name + "-wal")
    # The open transaction has spilled pages into the WAL file: uncommitted bytes
    # are on disk, and recovery must ignore them.
    assert wal.stat().st_size > 2_000_000
    writer.kill()
    assert writer.proc.returncode == -signal.SIGKILL

    visit = lines[0][1]
    committed = {int(f[1]) for f in lines if f[0] == "committed"}
    pending = {int(f[1]) for f in lines if f[0] == "pending"}
    assert len(committed) == 20
    assert len(pending) >= 100

    assert raw_integrity(db) == "ok"
    with Store.open(db, key=key) as store:
        assert store.integrity_check() == []
        assert {m.id for m in store.measurements(visit)} == committed
        assert store.waveforms(visit) == []
        stored_visit = store.visit(visit)
        assert stored_visit is not None
        assert stored_visit.state == "started"  # the transition was in the lost transaction
        assert [t.to_state for t in store.transitions(visit)] == ["started"]
        # The store carries on: a new write works and the file stays sound.
        store.add_waveform(visit, "ecg_ii", 500.0, stored_visit.started_at, np.zeros(10), "mV")
        assert len(store.waveforms(visit)) == 1
        assert store.integrity_check() == []
