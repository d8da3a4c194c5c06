"""Sample outbox payloads for the outbox's tests: applications with personal data that is easy
to look for in a file's bytes."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from kiosk_app import contract


def application(surname: str = "WANJIKUMARKER", document_number: str = "31415926",
                reference: str | None = None, service_code: str = "GOOD_CONDUCT",
                answers: dict[str, str] | None = None) -> dict[str, Any]:
    body = contract.ApplicationIn(
        reference=reference or contract.new_reference(),
        service_code=service_code,
        applicant=contract.Applicant(document_type=contract.DocumentType.NATIONAL_ID,
                                     document_number=document_number, surname=surname,
                                     given_names="AMANIMARKER", date_of_birth="1990-04-01",
                                     phone="254712345678"),
        answers=answers if answers is not None else {"county": "NAIROBIMARKER"},
        amount_cents=105_000,
        payment="mpesa",
        created_at=datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc),
    )
    return body.model_dump(mode="json")


PERSONAL_MARKERS = (b"WANJIKUMARKER", b"AMANIMARKER", b"31415926", b"254712345678",
                    b"1990-04-01", b"NAIROBIMARKER")
"""Values of :func:`application` that are personal and must never be on disk in the clear."""


FREE_SERVICE = "HELB-COMPLIANCE"
"""A free service of the seeded catalogue (sandbox/seed/catalogue.json) with one required
answer: applications to it need no payment."""


def submit_line(n: int, **changes: Any) -> dict[str, Any]:
    """Line ``n`` of a file for ``huduma-kiosk submit``: a valid application to the free
    service, with no reference or created_at (the command makes them)."""
    line: dict[str, Any] = {
        "service_code": FREE_SERVICE,
        "applicant": {"document_type": "national_id", "document_number": f"{20000000 + n}",
                      "surname": "WANJIKUMARKER", "given_names": "AMANIMARKER",
                      "phone": "254712345678"},
        "answers": {"loan_status": ("never", "repaying", "cleared")[n % 3]},
        "amount_cents": 0,
        "language": "sw" if n % 2 else "en",
    }
    line.update(changes)
    return line
