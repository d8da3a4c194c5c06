"""Starting the touch screen: window settings first, then the App (which creates the window)."""
from __future__ import annotations

from kiosk_app.config import KioskConfig


def run_app(config: KioskConfig) -> int:
    from screens.window import configure

    configure(config)
    from screens.app import HudumaApp  # imports kivy.core.window: after configure()

    HudumaApp(config).run()
    return 0
