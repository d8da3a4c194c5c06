"""The core of Huduma Kiosk: config, bootstrap, the session state machine, and everything that
runs with no display. Nothing here touches hardware, disk or network at import time."""

__version__ = "0.1.0"
