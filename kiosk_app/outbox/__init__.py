"""The outbox: every write that matters, kept on disk until the backend has it."""
from kiosk_app.outbox.store import (
    NewRow,
    Outbox,
    OutboxError,
    OutboxRow,
    OutboxStatus,
    OutboxSummary,
)

__all__ = ["NewRow", "Outbox", "OutboxError", "OutboxRow", "OutboxStatus", "OutboxSummary"]
