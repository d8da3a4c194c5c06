"""Starting the touch screen: window settings first, then the App (which creates the window)."""
from __future__ import annotations

from kiosk_app.config import KioskConfig


def run_app(config: KioskConfig) -> int:
    from screens.window import configure

    configure(config)
    import signal

    from kivy.clock import Clock

    # Each imports kivy.core.window, which creates the window: after configure().
    if config.role == "agent":
        from screens.agent_app import AgentApp

        app = AgentApp(config)
    else:
        from screens.app import HudumaApp

        app = HudumaApp(config)

    def stop(signum: int, _frame: object) -> None:
        # Runs between bytecodes on the main thread; stop at the next frame, cleanly.
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    app.run()
    return 0
