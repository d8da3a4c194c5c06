"""Spoken guidance through the real espeak-ng: sound in both languages, one utterance at a
time, and silence at the end of a session."""
from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import numpy as np
import pytest

from kiosk_app.clock import ManualClock
from kiosk_app.session import Session, SessionState, WipeReason
from kiosk_app.speech import VOLUME_MAX, Speaker, voice_available

LONG = ("Fill in the form for the service you chose. Each box says what it needs. "
        "When every box is filled, go on to check your answers before you pay. ") * 3


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for the speaker")
        time.sleep(0.01)


def alive(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def samples(wav: bytes) -> np.ndarray:
    """The 16-bit samples of espeak-ng's streamed WAV (its header's sizes are placeholders)."""
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    fmt = wav.index(b"fmt ")
    channels, rate, bits = (int.from_bytes(wav[fmt + 10:fmt + 12], "little"),
                            int.from_bytes(wav[fmt + 12:fmt + 16], "little"),
                            int.from_bytes(wav[fmt + 22:fmt + 24], "little"))
    assert (channels, bits) == (1, 16) and rate >= 16000
    data = wav.index(b"data") + 8
    return np.frombuffer(wav[data:len(wav) - (len(wav) - data) % 2], dtype="<i2")


@pytest.mark.parametrize("language, text", [
    ("en", "Touch the screen to start"),
    ("sw", "Gusa skrini kuanza"),
])
def test_espeak_ng_has_the_voice_and_really_makes_sound(language: str, text: str) -> None:
    assert voice_available(language), f"espeak-ng has no {language} voice: is espeak-ng installed?"
    speaker = Speaker(sink=subprocess.PIPE)
    argv = speaker.argv(language)
    assert text not in " ".join(argv)  # the words go on standard input, never on the command line
    wav = subprocess.run(argv, input=text.encode(), capture_output=True, timeout=30,
                         check=True).stdout
    sound = samples(wav)
    assert len(sound) > 16000 * 0.8  # most of a second of speech
    loud = np.abs(sound.astype(np.int32)) > 1000
    assert loud.mean() > 0.1, "espeak-ng wrote a WAV of silence"


def test_the_two_voices_sound_different() -> None:
    speaker = Speaker(sink=subprocess.PIPE)
    text = b"Karibu Huduma"
    en, sw = (samples(subprocess.run(speaker.argv(lang), input=text, capture_output=True,
                                     timeout=30, check=True).stdout) for lang in ("en", "sw"))
    assert len(en) != len(sw) or not np.array_equal(en, sw)


def test_volume_and_rate_reach_espeak_ng_within_their_limits() -> None:
    speaker = Speaker(volume=180, rate=500)
    assert speaker.argv("sw")[:7] == ["espeak-ng", "-v", "sw", "-a", "180", "-s", "300"]
    assert "--stdout" not in speaker.argv("sw")  # no sink: the sound card
    speaker.louder()
    assert speaker.louder() == VOLUME_MAX and speaker.volume == VOLUME_MAX
    for _ in range(20):
        speaker.quieter()
    assert speaker.argv("en")[3:5] == ["-a", "20"]


def test_a_new_utterance_stops_the_old_and_a_wipe_stops_everything() -> None:
    session = Session(clock=ManualClock(), idle_s=60, warning_s=30)
    # A pipe nobody drains: espeak-ng waits on it as it would on a sound card, mid-sentence.
    speaker = Speaker(enabled=False, sink=subprocess.PIPE)
    session.add_listener(speaker)
    try:
        speaker.switch(True)
        session.start("en")
        speaker.say(LONG)
        wait_for(lambda: speaker.pid is not None)
        first = speaker.pid
        assert alive(first)

        speaker.say([("sw", LONG), ("en", LONG)])
        wait_for(lambda: speaker.pid not in (None, first))
        second = speaker.pid
        assert not alive(first), "the old utterance is still being said"
        assert alive(second)

        session.go(SessionState.QUEUE_TICKET)
        session.finish()  # the session ends: the speaker stops, and the sw+en parts with it
        wait_for(lambda: not alive(second))
        wait_for(lambda: not speaker.speaking)
        assert speaker.pid is None
        assert speaker.spoken == 2  # the English part after the Kiswahili one never started
        speaker.repeat()  # what was said went with the session
        assert not speaker.speaking
    finally:
        speaker.close()


def test_switched_off_it_says_nothing_and_the_next_session_starts_from_the_settings() -> None:
    session = Session(clock=ManualClock(), idle_s=60, warning_s=30)
    speaker = Speaker(enabled=False, volume=100, sink=subprocess.PIPE)
    session.add_listener(speaker)
    try:
        speaker.say("Take a queue ticket")
        assert not speaker.speaking and speaker.spoken == 0
        session.start("sw")
        speaker.switch(True)
        speaker.quieter()
        assert speaker.volume == 80
        speaker.repeat()  # the last words, now that it is on
        wait_for(lambda: speaker.spoken == 1)
        speaker.switch(False)
        wait_for(lambda: not speaker.speaking)
        session.wipe(WipeReason.TIMED_OUT)
        assert (speaker.enabled, speaker.volume) == (False, 100)
    finally:
        speaker.close()


def test_a_missing_espeak_ng_is_a_logged_line_not_a_crash(caplog) -> None:  # noqa: ANN001
    speaker = Speaker(enabled=True, program="/nonexistent/espeak-ng")
    try:
        speaker.say("Gusa skrini kuanza", "sw")
        wait_for(lambda: not speaker.speaking)
        speaker.say("again")
        wait_for(lambda: not speaker.speaking)
    finally:
        speaker.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "kiosk_app.speech"]
    assert lines == ["spoken guidance: /nonexistent/espeak-ng cannot be started (FileNotFoundError)"]
    assert not any("Gusa" in line for line in lines)


def test_the_kiosk_closes_its_speaker_and_no_espeak_ng_is_left(demo_config) -> None:  # noqa: ANN001
    from kiosk_app.bootstrap import build

    kiosk = build(demo_config, speaker=Speaker(enabled=True, sink=subprocess.PIPE))
    assert kiosk.speaker.enabled
    kiosk.speaker.say(LONG)
    wait_for(lambda: kiosk.speaker.pid is not None)
    pid = kiosk.speaker.pid
    kiosk.close()
    wait_for(lambda: not alive(pid))
    quiet = build(demo_config)
    assert not quiet.speaker.enabled  # display.speech is off unless configured
    quiet.close()
