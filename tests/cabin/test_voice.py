"""The voice guide speaks Vietnamese words through espeak-ng (installed by make)."""

from __future__ import annotations

import asyncio
import shutil
import wave

import pytest

from cabin.voice import Voice, VoiceSettings

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (make installs it)"
)


def seconds(path):
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


async def test_an_instruction_becomes_vietnamese_speech(tmp_path):
    voice = Voice(VoiceSettings(out_dir=tmp_path))
    path = await voice.say("Huyết áp của bác là 120/80 mmHg.")
    assert voice.spoken == [
        "Huyết áp của bác là một trăm hai mươi trên tám mươi mi li mét thủy ngân."
    ]
    assert 2.0 < seconds(path) < 15.0


async def test_speech_is_slower_when_asked(tmp_path):
    slow = await Voice(VoiceSettings(rate=110, out_dir=tmp_path / "a")).say("Xin mời ngồi.")
    fast = await Voice(VoiceSettings(rate=200, out_dir=tmp_path / "b")).say("Xin mời ngồi.")
    assert seconds(slow) > 1.3 * seconds(fast)


async def test_a_new_instruction_interrupts_the_old_one(tmp_path):
    # Writing a WAV takes espeak-ng milliseconds; playing takes as long as the speech.
    # A stand-in that "plays" for 30 s shows that the first utterance is cut off.
    player = tmp_path / "slow-speaker"
    player.write_text("#!/bin/sh\nsleep 30\n")
    player.chmod(0o755)
    voice = Voice(executable=str(player))
    first = asyncio.create_task(voice.say("Bác hãy ngồi yên."))
    await asyncio.sleep(0.2)
    started = asyncio.get_running_loop().time()
    second = asyncio.create_task(voice.say("Bác hãy đặt ngón tay vào kẹp."))
    await asyncio.wait_for(first, 5)  # ended by the interruption, not after 30 s
    assert asyncio.get_running_loop().time() - started < 5
    assert voice.spoken[-1] == "Bác hãy đặt ngón tay vào kẹp."
    second.cancel()  # the screen moved on: cancelling the request stops the speech
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(second, 5)


async def test_without_espeak_the_text_is_still_kept(tmp_path):
    voice = Voice(VoiceSettings(out_dir=tmp_path), executable="no-such-espeak")
    assert await voice.say("Nhiệt độ 36,5 °C") is None
    assert voice.spoken == ["Nhiệt độ ba mươi sáu phẩy năm độ xê"]
