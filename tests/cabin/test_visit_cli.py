"""``cabin visit --simulate --json``: a whole visit headless, as a process."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

from cabin.cccd import parse_cccd_qr
from cabin.testident import invented_card_qr


def test_invented_cards_pass_every_check_of_the_parser():
    rng = random.Random(7)
    for _ in range(200):
        card = parse_cccd_qr(invented_card_qr(rng))
        assert card.full_name.split()[-1] in ("Thử", "Mẫu", "Giả", "Nghiệm", "Demo")


def test_a_whole_simulated_visit_prints_its_summary(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "cabin", "visit", "--simulate", "--json", "--seed", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CABIN_DATA_DIR": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["state"] == "completed"
    assert summary["transitions"] == [
        "identify", "consent", "measure", "results", "send", "goodbye", "completed",
    ]  # fmt: skip
    kinds = {v["kind"]: v for v in summary["vitals"]}
    assert set(kinds) == {"spo2", "pulse_rate", "heart_rate", "blood_pressure"}
    for vital in summary["vitals"]:
        assert 0 < vital["quality"] <= 1
        assert vital["unit"] in ("%", "/min", "mm[Hg]")
    assert kinds["blood_pressure"]["interpretation"]["code"].startswith("bp.")
    assert kinds["spo2"]["interpretation"]["text_vi"]
    # The invented heart beats at one rate: every device agrees on it.
    rates = [
        kinds["pulse_rate"]["values"]["pulse_rate"],
        kinds["heart_rate"]["values"]["heart_rate"],
    ]
    assert max(rates) - min(rates) <= 3
    # No personal data in the summary: ids only.
    card = parse_cccd_qr(invented_card_qr(random.Random(3)))
    assert card.full_name not in done.stdout
    assert card.id_number not in done.stdout
