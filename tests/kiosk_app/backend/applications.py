"""Valid applications for whatever catalogue the sandbox serves, built from the catalogue's own
form fields (so the tests do not depend on one service's form)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from kiosk_app import contract
from kiosk_app.contract import FieldKind, FormField, Service

SIMPLE = {FieldKind.TEXT: "Nairobi", FieldKind.DATE: "2001-05-17", FieldKind.YES_NO: "yes",
          FieldKind.PHONE: "254712345678", FieldKind.ID_NUMBER: "12345678",
          FieldKind.EMAIL: "mwananchi@example.co.ke"}


def answer_for(field: FormField) -> str | None:
    if field.kind is FieldKind.CHOICE:
        return field.choices[0].value
    if field.kind is FieldKind.NUMBER:
        low = field.min_value if field.min_value is not None else 1
        return str(int(low) if float(low).is_integer() else low)
    if field.kind is FieldKind.PHOTO:
        return None
    value = SIMPLE.get(field.kind)
    if value is None:
        return None
    if field.pattern and not re.fullmatch(field.pattern, value):
        return None
    if field.max_length is not None and len(value) > field.max_length:
        return None
    if field.min_length is not None and len(value) < field.min_length:
        return None
    return value


def answers_for(service: Service) -> dict[str, str] | None:
    """Answers to every required field, or None when this test cannot make them."""
    answers = {}
    for field in service.fields:
        if not field.required:
            continue
        value = answer_for(field)
        if value is None:
            return None
        answers[field.name] = value
    return answers


def simple_services(catalogue: contract.Catalogue, *, paid: bool | None = None) -> list[Service]:
    found = []
    for service in catalogue.services:
        if not service.online or answers_for(service) is None:
            continue
        if paid is not None and (service.total_cents > 0) != paid:
            continue
        found.append(service)
    return found


def application(service: Service, *, reference: str | None = None) -> contract.ApplicationIn:
    return contract.ApplicationIn(
        reference=reference or contract.new_reference(), service_code=service.code,
        applicant=contract.Applicant(document_type=contract.DocumentType.NATIONAL_ID,
                                     document_number="23456789", surname="TESTER",
                                     given_names="SAMPLE APPLICANT", phone="254712345678"),
        answers=answers_for(service) or {}, amount_cents=service.total_cents,
        created_at=datetime.now(timezone.utc).replace(microsecond=0))
