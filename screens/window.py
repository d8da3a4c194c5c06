"""Window settings that Kivy reads once, before the window exists.

Call :func:`configure` before importing anything that creates the window (``screens.app``).
"""
from __future__ import annotations

import os

from kiosk_app.config import KioskConfig

PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)


def configure(config: KioskConfig, *, size: tuple[int, int] | None = None) -> None:
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our argv is ours, not Kivy's
    # SDL turns SIGTERM into a close request, which the kiosk refuses; let the app handle
    # signals itself so that `systemctl stop` (and Ctrl+C in a demo) end it cleanly.
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    from kivy.config import Config

    width, height = size or (PORTRAIT if config.display.orientation == "portrait" else LANDSCAPE)
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0" if config.fullscreen else "1")
    Config.set("graphics", "fullscreen", "auto" if config.fullscreen else "0")
    Config.set("graphics", "borderless", "1" if config.fullscreen else "0")
    # 30 frames a second is smooth for a touch screen, and where there is no GPU (a demo on a
    # laptop, Mesa's llvmpipe) 60 outruns the software rasteriser, whose queued frames then
    # grow memory without bound (seen: +18 MB/s at 60, none at 30).
    Config.set("graphics", "maxfps", "30")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("kivy", "window_icon", "")
    # A touch screen: no red multitouch-emulation dots from right clicks.
    Config.set("input", "mouse", "mouse,disable_multitouch")
