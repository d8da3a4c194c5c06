"""The client of the kiosk API."""
from kiosk_app.backend.client import BackendClient, BackendError, BackendUnavailable, Health

__all__ = ["BackendClient", "BackendError", "BackendUnavailable", "Health"]
