"""The camera interface.

A camera runs its own capture thread once started and keeps only the newest frame: a slow
consumer drops frames, it never queues them. ``latest()`` never blocks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from drivers.base import Device

if TYPE_CHECKING:  # numpy is imported by whoever makes frames, when a camera starts
    import numpy as np


@dataclass(frozen=True)
class Frame:
    image: np.ndarray
    """BGR, uint8, height x width x 3 (OpenCV's layout)."""
    seq: int
    """Counts up from 1 for each frame captured since start."""
    timestamp: float
    """time.monotonic() when it was captured."""


class Camera(Device):
    family: ClassVar[str] = "camera"

    def start(self) -> None:
        """Start capturing (idempotent)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop capturing and forget the last frame (it may show a person's face)."""
        raise NotImplementedError

    def latest(self) -> Frame | None:
        raise NotImplementedError
