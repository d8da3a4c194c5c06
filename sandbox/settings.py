"""The sandbox's settings: one small dataclass, filled from the command line or by a test.

Nothing here does I/O; any thread may build one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SEED_DIR = Path(__file__).parent / "seed"
DEFAULT_CATALOGUE = SEED_DIR / "catalogue.json"
DEFAULT_DB_FILE = "huduma-sandbox.sqlite3"


@dataclass(frozen=True)
class Settings:
    db_url: str = f"sqlite:///{DEFAULT_DB_FILE}"
    """SQLAlchemy URL: ``sqlite:///path.sqlite3`` or ``postgresql+psycopg://user@host/db``."""
    enrolment_code: str = "HUDUMA-DEMO"
    """The code a technician types to enrol a device."""
    operator_key: str = "demo-operator"
    """The ``X-Operator-Key`` that lets the back office move applications along."""
    confirm_after_s: float = 3.0
    """Seconds from an STK push to its final answer (confirmed, or failed for most codes)."""
    slow_answer_s: float = 8.0
    """Seconds the first answer to a payment from a ``...0009`` phone is held back."""
    no_answer_after_s: float = 10.0
    """Seconds before a push to a ``...0003`` phone fails with 1037 (no answer from the phone)."""
    lockout_s: float = 60.0
    """An agent's first lock after five wrong PINs, in seconds; each later lock doubles it."""
    offline_limit_cents: int = 500_000
    """How much an agent device may take while offline before it must sync (KES 5,000)."""
    offline_limit_count: int = 20
    """How many applications an agent device may take while offline before it must sync."""
    catalogue_path: Path = field(default=DEFAULT_CATALOGUE)
    """The catalogue seed loaded into the database at start."""
