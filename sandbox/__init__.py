"""The reference backend that implements the kiosk API (``kiosk_app.contract``) on FastAPI and
SQLAlchemy, for demo mode and for the tests."""
