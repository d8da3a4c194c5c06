"""The screenshot gallery: every screen of the App in English and Kiswahili, portrait and
landscape, and every screen once more in high contrast, written by `make screenshots` to
docs/screenshots/ as ``<screen>-<en|sw>-<portrait|landscape>.png`` (and
``<screen>-en-portrait-high-contrast.png``). The README shows a few of them.

Run only by `make screenshots` (which names the folder): the journey itself, every screen in
both orientations, is checked on every test run by test_touch_targets.py."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from tests.screens.agent_journey import every_agent_screen, make_agent_ui, training_config
from tests.screens.conftest import LANDSCAPE, PORTRAIT
from tests.screens.journey import every_screen
from tests.screens.test_apply_pay import live_config

__all__ = ["make_agent_ui"]  # the agent App's fixture, for pytest
pytestmark = pytest.mark.skipif(not os.environ.get("HUDUMA_SCREENSHOTS_DIR"),
                                reason="the gallery is made by `make screenshots`")


def not_blank(path: Path, size: tuple[int, int]) -> None:
    image = Image.open(path).convert("RGB")
    assert image.size == size, path
    colours = image.resize((54, 96)).getcolors(54 * 96)
    assert colours is not None and len(colours) > 2, f"{path.name} is blank"


@pytest.mark.parametrize("language", ["en", "sw"])
def test_screenshot_gallery_in_both_languages_and_orientations(  # noqa: ANN001
        make_ui, tmp_path: Path, sandbox_factory, screenshots_dir: Path, language: str) -> None:
    from screens.app import SCREENS

    ui = make_ui(live_config(tmp_path, sandbox_factory()), size=PORTRAIT)
    seen = []
    for name in every_screen(ui, language):
        seen.append(name)
        for orientation, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
            if ui.window.size != size:
                ui.resize(size)
            path = ui.screenshot(screenshots_dir / f"{name}-{language}-{orientation}.png")
            not_blank(path, size)
        ui.resize(PORTRAIT)
    assert sorted(seen) == sorted(SCREENS)


def test_screenshot_gallery_in_high_contrast(  # noqa: ANN001
        make_ui, tmp_path: Path, sandbox_factory, screenshots_dir: Path) -> None:
    config = live_config(tmp_path, sandbox_factory())
    config = replace(config, display=replace(config.display, 
        high_contrast=True))
    ui = make_ui(config, size=PORTRAIT)
    assert ui.app.theme.high_contrast
    for name in every_screen(ui, "en"):
        path = ui.screenshot(screenshots_dir / f"{name}-en-portrait-high-contrast.png")
        not_blank(path, PORTRAIT)
        black = Image.open(path).convert("RGB").getpixel((2, PORTRAIT[1] // 2))
        assert black == (0, 0, 0) or name == "attract", f"{name}: not on black"


@pytest.mark.parametrize("language", ["en", "sw"])
def test_screenshot_gallery_of_the_agents_screens(  # noqa: ANN001
        make_agent_ui, tmp_path: Path, sandbox_factory, screenshots_dir: Path,
        language: str) -> None:
    """The agent role's screens (``huduma-kiosk run --role agent``), in training mode, so that
    the TRAINING / MAFUNZO band shows as it does on a training device: written as
    ``agent-<screen>-<en|sw>-<portrait|landscape>.png``. The kiosk's screens the agent drives
    for a customer are there too, in the agent's denser look."""
    ui = make_agent_ui(training_config(tmp_path, sandbox_factory()), size=PORTRAIT)
    seen = []
    for name in every_agent_screen(ui, language):
        seen.append(name)
        if name in seen[:-1] and name != "shift":
            continue  # the agent's home again, after the customer
        shot = "shift-end" if name in seen[:-1] else name  # the shift's start, then its end
        for orientation, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
            if ui.window.size != size:
                ui.resize(size)
            path = ui.screenshot(
                screenshots_dir / f"agent-{shot}-{language}-{orientation}.png")
            not_blank(path, size)
        ui.resize(PORTRAIT)
    assert sorted(set(seen)) == sorted(ui.app.screens)
