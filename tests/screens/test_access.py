"""Large text, high contrast and reading aloud: switched on from the first screen and from home,
for one session only, with contrast checked by WCAG's own formula and speech by a real
espeak-ng."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from kiosk_app.clock import ManualClock
from kiosk_app.config import parse_config
from kiosk_app.i18n import translator
from kiosk_app.identity import typed_identity
from kiosk_app.session import SessionState
from kiosk_app.speech import Speaker
from tests.kiosk_app.test_speech import alive
from tests.screens.test_app import labels

NEW_SCREENS = {"catalogue", "form", "review", "payment", "submitting", "receipt", "feedback",
               "thank_you", "status_check", "queue_ticket"}


def test_contrast_is_at_least_7_to_1_in_high_contrast_and_4_5_to_1_in_the_standard_look() -> None:
    from screens.theme import HIGH_CONTRAST, PAIRS, ROLES, STANDARD, Theme, contrast_ratio

    # WCAG's own examples: black on white is 21:1, #777777 on white just under 4.5:1.
    assert contrast_ratio((1, 1, 1, 1), (0, 0, 0, 1)) == pytest.approx(21.0)
    assert contrast_ratio((0x77 / 255,) * 3, (1, 1, 1)) == pytest.approx(4.48, abs=0.01)
    assert set(STANDARD) == set(HIGH_CONTRAST) == set(ROLES)
    assert {role for pair in PAIRS for role in pair} == set(ROLES)  # every colour is checked
    for foreground, background in PAIRS:
        hc = contrast_ratio(HIGH_CONTRAST[foreground], HIGH_CONTRAST[background])
        assert hc >= 7.0, f"high contrast {foreground} on {background}: {hc:.2f}:1"
        standard = contrast_ratio(STANDARD[foreground], STANDARD[background])
        assert standard >= 4.5, f"standard {foreground} on {background}: {standard:.2f}:1"
    theme = Theme()
    theme.high_contrast = True
    assert {role: theme.colour(role) for role in ROLES} == HIGH_CONTRAST
    theme.high_contrast = False
    assert {role: theme.colour(role) for role in ROLES} == STANDARD


def pixel(ui, widget) -> tuple[int, int, int]:  # noqa: ANN001
    """The colour on screen a little inside ``widget``'s lower left corner."""
    path = ui.screenshot(Path(ui.app.kiosk.config.data_dir) / "shot.png")
    image = Image.open(path).convert("RGB")
    x, y = widget.to_window(widget.x + 3, widget.y + 3)
    return image.getpixel((int(x), image.height - 1 - int(y)))


def rgb(colour) -> tuple[int, int, int]:  # noqa: ANN001
    return tuple(round(c * 255) for c in colour[:3])  # type: ignore[return-value]


def test_large_text_and_high_contrast_from_the_first_screen_last_one_session(make_ui) -> None:  # noqa: ANN001
    from screens.theme import HIGH_CONTRAST

    ui = make_ui()
    attract = ui.screen
    switches = attract.ids.access
    english = attract.ids.english
    normal_size = english.font_size
    assert switches.ids.large_text.text == "Large text: off\nHerufi kubwa: zimezimwa"
    assert pixel(ui, attract)[1] > 90  # the house green

    ui.tap(switches.ids.large_text)
    assert english.font_size == pytest.approx(normal_size * 1.3)
    assert switches.ids.large_text.text == "Large text: on\nHerufi kubwa: zimewashwa"
    ui.tap(switches.ids.high_contrast)
    assert switches.ids.high_contrast.text == "High contrast: on\nRangi kali: zimewashwa"
    assert pixel(ui, attract) == (0, 0, 0)
    assert pixel(ui, english) == rgb(HIGH_CONTRAST["brand_button"])  # black on yellow
    assert ui.screen.name == "attract"  # the switches did not start the session

    ui.tap(english)
    home = ui.screen
    assert home.name == "home"
    assert home.ids.access.ids.large_text.text == "Large text: on"
    assert pixel(ui, home.ids.finish) == (255, 255, 255)
    assert pixel(ui, home) == (0, 0, 0)
    heading = next(w for w in home.walk() if type(w).__name__ == "Heading")
    assert tuple(heading.color) == (1, 1, 1, 1)
    ui.tap(home.ids.access.ids.large_text)  # and off again, from home
    assert home.ids.access.ids.large_text.text == "Large text: off"
    ui.tap(home.ids.apply)
    assert ui.screen.name == "identify" and pixel(ui, ui.screen) == (0, 0, 0)

    ui.kiosk.session.cancel()  # the next person finds the kiosk as it was set up
    ui.pump(3)
    assert ui.screen.name == "attract"
    assert switches.ids.high_contrast.text == "High contrast: off\nRangi kali: zimezimwa"
    assert english.font_size == pytest.approx(normal_size)
    assert pixel(ui, attract)[1] > 90


def test_the_kiosk_can_be_set_up_to_start_with_large_text_and_high_contrast(  # noqa: ANN001
        make_ui, tmp_path: Path) -> None:
    config = parse_config({"data_dir": str(tmp_path / "d"), "demo": True,
                           "display": {"fullscreen": False, "large_text": True,
                                       "high_contrast": True}})
    ui = make_ui(config)
    assert ui.app.theme.high_contrast and ui.app.theme.text_scale == pytest.approx(1.3)
    assert "Large text: on\nHerufi kubwa: zimewashwa" in labels(ui.screen)


@pytest.fixture
def speaker():  # noqa: ANN201
    # A pipe nobody drains: espeak-ng waits on it as on a sound card, so an utterance is
    # "playing" until it is stopped.
    speaker = Speaker(sink=subprocess.PIPE)
    yield speaker
    speaker.close()


def test_reading_aloud_from_the_first_screen_with_repeat_and_volume(  # noqa: ANN001
        make_ui, speaker: Speaker, tmp_path: Path) -> None:
    sw = translator("sw").gettext
    clock = ManualClock()
    config = parse_config({"data_dir": str(tmp_path / "d"), "demo": True,
                           "display": {"fullscreen": False},
                           "time_limits": {"idle_s": 60, "warning_s": 30}})
    ui = make_ui(config, speaker=speaker, clock=clock)
    bar = ui.app.speech_bar
    assert bar.height == 0 and not speaker.enabled and speaker.pid is None

    ui.tap(ui.screen.ids.access.ids.speech)
    assert speaker.enabled and bar.height > 0
    assert ui.screen.ids.access.ids.speech.text == "Read aloud: on\nKusoma kwa sauti: kumewashwa"
    welcome = ui.app.views["attract"].presenter.spoken()
    assert [lang for lang, _text in welcome] == ["en", "sw"]
    assert speaker.last == welcome and welcome[0][1].startswith("Welcome to Huduma Kiosk")
    ui.wait_until(lambda: speaker.pid is not None)
    first = speaker.pid

    ui.tap(ui.screen.ids.kiswahili)
    home_words = "Ungependa kufanya nini? Unaweza kuomba huduma"
    assert speaker.last[0][0] == "sw" and speaker.last[0][1].startswith(home_words)
    ui.wait_until(lambda: speaker.pid not in (None, first))
    assert not alive(first)  # the welcome stopped when home began
    assert bar.ids.volume.text == "Sauti 5 kati ya 10"

    ui.tap(bar.ids.louder)
    assert speaker.volume == 120 and bar.ids.volume.text == "Sauti 6 kati ya 10"
    assert speaker.argv("sw")[3:5] == ["-a", "120"]
    said = speaker.spoken
    ui.tap(bar.ids.repeat)
    ui.wait_until(lambda: speaker.spoken > said)
    assert speaker.last[0][1].startswith(home_words)

    ui.tap(ui.screen.ids.language)  # English now: said again in English
    ui.wait_until(lambda: speaker.last[0][0] == "en")
    assert speaker.last[0][1].startswith("What would you like to do?")

    clock.advance(61)
    ui.run_for(0.5)
    assert speaker.last[0][1].startswith("Do you need more time?")

    playing = speaker.pid
    ui.tap(ui.app.timeout_warning.ids.end_now)  # the session ends: silence, and the settings back
    assert ui.screen.name == "attract"
    ui.wait_until(lambda: not speaker.speaking)
    assert playing is None or not alive(playing)
    assert not speaker.enabled and speaker.volume == 100 and speaker.last == ()
    ui.pump(2)
    assert bar.height == 0


def test_the_name_is_said_only_on_the_screen_that_shows_it(make_ui, speaker: Speaker) -> None:  # noqa: ANN001
    ui = make_ui(speaker=speaker)
    ui.tap(ui.screen.ids.access.ids.speech)
    session = ui.kiosk.session
    session.start("en")
    session.go(SessionState.IDENTIFY)
    session.go(SessionState.CARD_UNLOCK)
    session.begin_card_read()
    session.card_read_succeeded(typed_identity("Amina Njeri Wanjiku", "12345678", "01/01/1990"))
    ui.pump(2)
    assert ui.screen.name == "identity_confirm"
    assert [text for _lang, text in speaker.last][-1] == \
        "The name read from the card is AMINA NJERI WANJIKU."
    ui.tap(ui.screen.ids.no)
    assert ui.screen.name == "identify"
    assert not any("AMINA" in text for _lang, text in speaker.last)


def test_every_screen_has_spoken_guidance_in_both_languages(make_ui) -> None:  # noqa: ANN001
    from screens.app import SCREENS
    from screens.guidance import SPOKEN

    assert NEW_SCREENS <= set(SPOKEN), "the screens being added need guidance too"
    sw = translator("sw").gettext
    for name in set(SPOKEN):
        assert sw(SPOKEN[name]) != SPOKEN[name], f"{name}: no Kiswahili guidance"
    ui = make_ui()
    missing = []
    for language in ("en", "sw"):
        ui.app.tr.switch(language)
        for name in SCREENS:
            said = ui.app.views[name].presenter.spoken()
            if not said or not all(text.strip() for _lang, text in said):
                missing.append(f"{name} ({language})")
            elif name != "attract":
                assert {lang for lang, _text in said} == {language}, name
    assert missing == []
