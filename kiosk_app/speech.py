"""Spoken guidance: espeak-ng says what each screen is for, in English or Kiswahili.

Thread: :meth:`Speaker.say`, :meth:`Speaker.repeat` and :meth:`Speaker.stop` return at once and
may be called from any thread (the UI thread calls them); the speaker's own thread starts
espeak-ng, waits for it, and stops it when something newer is asked for. One utterance at a
time: a new one stops the old at once, and so does the end of a session (the speaker listens to
the session and stops at every wipe, forgetting what it said).

The text goes to espeak-ng on its standard input, never on its command line, where any process
on the machine could read it (``/proc/<pid>/cmdline``). Nothing said is logged.

    speaker = Speaker(enabled=True, volume=100, rate=150)
    speaker.say([("en", "Touch the screen to start"), ("sw", "Gusa skrini kuanza")])
    speaker.louder()          # and says the last utterance again, louder
    speaker.stop()

An utterance is a sequence of (language, text) parts, said one after the other with each
language's own voice (the attract screen speaks both languages).
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Sequence
from typing import IO, Any

log = logging.getLogger(__name__)

PROGRAM = "espeak-ng"
VOICES: dict[str, str] = {"en": "en", "sw": "sw"}
"""espeak-ng's voice for each of our languages."""
VOLUME_MIN, VOLUME_MAX, VOLUME_STEP = 20, 200, 20
"""espeak-ng's amplitude (``-a``): 100 is its normal loudness."""
RATE_MIN, RATE_MAX = 80, 300
"""Words per minute (``-s``)."""

Part = tuple[str, str]
Utterance = tuple[Part, ...]


def utterance(parts: Sequence[Part] | str, language: str = "en") -> Utterance:
    """``parts`` as an utterance; plain text is said in ``language``."""
    if isinstance(parts, str):
        parts = [(language, parts)]
    return tuple((lang, text) for lang, text in parts if text.strip())


class Speaker:
    """espeak-ng as a subprocess, one utterance at a time, on a thread of its own.

    ``sink`` is where the sound goes: ``None`` plays it on the sound card (espeak-ng's own
    audio output); a file gets the WAV instead (``--stdout``); ``subprocess.PIPE`` gives it a
    pipe that nobody drains, so that espeak-ng waits on it as it would on a sound card (how the
    tests hold an utterance "playing" on a machine with no sound card).
    """

    def __init__(self, *, enabled: bool = False, volume: int = 100, rate: int = 150,
                 program: str = PROGRAM, sink: IO[bytes] | int | None = None) -> None:
        self.default_enabled = enabled
        self.default_volume = _clamp(volume, VOLUME_MIN, VOLUME_MAX)
        self.enabled = enabled
        self.volume = self.default_volume
        self.rate = _clamp(rate, RATE_MIN, RATE_MAX)
        self.program = program
        self.sink = sink
        self._cond = threading.Condition()
        self._pending: Utterance | None = None
        self._generation = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._last: Utterance = ()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._missing_logged = False
        self.spoken = 0
        """How many parts were handed to espeak-ng (for diagnostics and tests)."""

    # -- what callers ask for (any thread; returns at once) --------------------------------
    def say(self, parts: Sequence[Part] | str, language: str = "en") -> None:
        """Say ``parts`` now, stopping whatever is being said. Nothing when switched off."""
        said = utterance(parts, language)
        with self._cond:
            self._last = said
            if not self.enabled or self._closed or not said:
                return
            self._replace(said)

    def repeat(self) -> None:
        """Say the last utterance again (the person touched "repeat")."""
        with self._cond:
            if self.enabled and self._last and not self._closed:
                self._replace(self._last)

    def stop(self) -> None:
        """Stop speaking now; what was said is still there for :meth:`repeat`."""
        with self._cond:
            self._replace(None)

    def louder(self) -> int:
        self.volume = min(VOLUME_MAX, self.volume + VOLUME_STEP)
        self.repeat()
        return self.volume

    def quieter(self) -> int:
        self.volume = max(VOLUME_MIN, self.volume - VOLUME_STEP)
        self.repeat()
        return self.volume

    def switch(self, on: bool) -> None:
        """Switch spoken guidance on or off for this session; off stops it at once."""
        self.enabled = on
        if not on:
            self.stop()

    # -- the session ------------------------------------------------------------------------
    def on_session_wiped(self, session: Any, reason: Any) -> None:
        """UI thread: the session ended. Stop, forget what was said (it may have named the
        person), and go back to this kiosk's own settings for the next person."""
        with self._cond:
            self._last = ()
            self._replace(None)
        self.enabled = self.default_enabled
        self.volume = self.default_volume

    # -- what is going on -------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """The espeak-ng process speaking now, if any."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    @property
    def last(self) -> Utterance:
        """What was last asked to be said in this session (for "repeat")."""
        return self._last

    @property
    def speaking(self) -> bool:
        with self._cond:
            return self._pending is not None or self._process is not None

    def argv(self, language: str) -> list[str]:
        """espeak-ng's command line for one part; the text itself goes on standard input."""
        voice = VOICES.get(language, VOICES["en"])
        argv = [self.program, "-v", voice, "-a", str(self.volume), "-s", str(self.rate),
                "-b", "1", "--stdin"]  # -b 1: the text is UTF-8
        if self.sink is not None:
            argv.append("--stdout")
        return argv

    def close(self) -> None:
        """Stop speaking and end the speaker's thread (the kiosk is closing)."""
        with self._cond:
            self._closed = True
            self._replace(None)
            thread = self._thread
        if thread is not None:
            thread.join(timeout=2.0)

    # -- the speaker's thread ---------------------------------------------------------------
    def _replace(self, said: Utterance | None) -> None:
        """With the lock held: a new utterance (or none) replaces whatever is under way."""
        self._generation += 1
        self._pending = said
        process = self._process
        if process is not None and process.returncode is None:
            _terminate(process)  # a signal: returns at once; the speaker's thread reaps it
        if said is not None and self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
            self._thread.start()
        self._cond.notify_all()

    def _run(self) -> None:
        """The speaker's thread."""
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                said, generation, self._pending = self._pending, self._generation, None
            for language, text in said:
                if not self._speak(language, text, generation):
                    break

    def _speak(self, language: str, text: str, generation: int) -> bool:
        """The speaker's thread: one part, to its end; False when it was stopped."""
        try:
            process = subprocess.Popen(self.argv(language), stdin=subprocess.PIPE,
                                       stdout=self.sink if self.sink is not None else subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as err:
            if not self._missing_logged:
                self._missing_logged = True
                log.error("spoken guidance: %s cannot be started (%s)", self.program,
                          type(err).__name__)
            return False
        with self._cond:
            superseded = generation != self._generation or self._closed
            if not superseded:
                self._process = process
        if superseded:
            _terminate(process)
        else:
            try:
                assert process.stdin is not None
                process.stdin.write(text.encode("utf-8"))
                process.stdin.close()
            except OSError:
                pass  # it was stopped before it read its text
            self.spoken += 1
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
        with self._cond:
            if self._process is process:
                self._process = None
            return generation == self._generation and not self._closed


def _terminate(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, int(value)))


def voice_available(language: str, program: str = PROGRAM) -> bool:
    """Whether espeak-ng is installed with a voice for ``language``. Blocking (it runs
    espeak-ng): for the doctor and the tests, not the UI thread."""
    path = shutil.which(program)
    if path is None:
        return False
    voice = VOICES.get(language)
    if voice is None:
        return False
    out = subprocess.run([path, f"--voices={voice}"], capture_output=True, text=True,
                         timeout=10).stdout
    return any(line.split()[1:2] == [voice] or f"({voice} " in line
               for line in out.splitlines()[1:])
