"""Every button on every screen, in both orientations, is at least 15 mm each way on the panel.

The tests render at half the panel's size with half its density (tests/conftest.py), so one
pixel here is two of the panel's; the panel's pixel pitch comes from the config
(``display.pixel_pitch_mm``: 0.248 mm on a 21.5-inch 1080x1920 panel)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk_app.config import KioskConfig
from tests.screens.conftest import LANDSCAPE, PORTRAIT
from tests.screens.journey import every_screen
from tests.screens.test_apply_pay import live_config

MIN_MM = 15.0
PANEL = {"portrait": (1080, 1920), "landscape": (1920, 1080)}


def shown(widget: Any) -> bool:
    while widget is not None and widget is not getattr(widget, "parent", None):
        if widget.opacity <= 0:
            return False
        widget = widget.parent
    return True


def too_small(ui: Any, config: KioskConfig, orientation: str) -> list[str]:
    """Every touchable button on show that is under :data:`MIN_MM` either way, in words."""
    from kivy.uix.behaviors import ButtonBehavior

    mm_per_px = PANEL[orientation][0] / ui.window.width * config.display.pixel_pitch_mm
    found = []
    for widget in ui.app.root.walk():
        if not isinstance(widget, ButtonBehavior) or widget.disabled or not shown(widget):
            continue
        width, height = widget.width * mm_per_px, widget.height * mm_per_px
        if width < MIN_MM or height < MIN_MM:
            words = " ".join(str(getattr(widget, "text", "")).split())[:40]
            found.append(f"{ui.screen.name} ({orientation}): {type(widget).__name__} "
                         f"{words!r} is {width:.1f} x {height:.1f} mm")
    return found


def test_the_panel_size_gives_15_mm_as_about_60_pixels() -> None:
    config = KioskConfig.demo_config(data_dir=Path("/tmp/x"))
    assert config.display.pixel_pitch_mm == 0.248
    assert round(MIN_MM / config.display.pixel_pitch_mm) == 60  # of the panel's pixels


def test_every_button_on_every_screen_is_at_least_15_mm_both_ways(  # noqa: ANN001
        make_ui, tmp_path: Path, sandbox_factory) -> None:
    from screens.app import SCREENS

    config = live_config(tmp_path, sandbox_factory())
    ui = make_ui(config, size=PORTRAIT)
    seen, problems = [], []
    for name in every_screen(ui, "en"):
        seen.append(name)
        problems += too_small(ui, config, "portrait")
        ui.resize(LANDSCAPE)
        problems += too_small(ui, config, "landscape")
        ui.resize(PORTRAIT)
    assert sorted(seen) == sorted(SCREENS), "the journey left a screen out"
    assert problems == [], "\n".join(problems)
