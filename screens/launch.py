"""Starting the touch screen: window settings first, then the App (which creates the window)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk_app.config import KioskConfig, PendingCheck


def run_app(config: KioskConfig, *, config_check: PendingCheck | None = None) -> int:
    """Run the touch screen until it is stopped. ``config_check``: the config's full check,
    run once the first frame is up; a refusal stops the App and is raised here
    (:class:`~kiosk_app.config.ConfigError`)."""
    from screens.window import configure

    configure(config)
    import signal

    from kivy.clock import Clock

    # Each imports kivy.core.window, which creates the window: after configure().
    if config.role == "agent":
        from screens.agent_app import AgentApp

        app = AgentApp(config, config_check=config_check)
    else:
        from screens.app import HudumaApp

        app = HudumaApp(config, config_check=config_check)

    def stop(signum: int, _frame: object) -> None:
        # Runs between bytecodes on the main thread; stop at the next frame, cleanly.
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    app.run()
    if app.config_refused is not None:
        raise app.config_refused
    return 0
