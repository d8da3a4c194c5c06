"""Whether an application's answers fit its service's form: the checks the device already
made, made again by the backend, which trusts no device.

    check_answers(service, {"purpose": "travel"})   # -> {} or {"answers.x": "why"}

What is wrong is said in English for logs and ``Problem.fields``; the value itself is never
repeated (answers may be personal data). Pure functions: any thread.
"""
from __future__ import annotations

import math
import re
from datetime import date

from kiosk_app import contract
from kiosk_app.contract import FieldKind

_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}")
_ID_NUMBER = re.compile(r"[A-Z0-9]{5,12}")
YES_NO = ("yes", "no")


def check_field(field: contract.FormField, value: str) -> str | None:
    """Why ``value`` does not fit ``field``, or None when it does."""
    if field.min_length is not None and len(value) < field.min_length:
        return f"shorter than {field.min_length} characters"
    if field.max_length is not None and len(value) > field.max_length:
        return f"longer than {field.max_length} characters"
    if field.pattern is not None and re.fullmatch(field.pattern, value) is None:
        return "does not have the form this field asks for"
    kind = field.kind
    if kind is FieldKind.NUMBER:
        if _NUMBER.fullmatch(value) is None:
            return "not a number"
        number = float(value)
        if not math.isfinite(number):
            return "not a number"
        if field.min_value is not None and number < field.min_value:
            return f"less than {field.min_value:g}"
        if field.max_value is not None and number > field.max_value:
            return f"more than {field.max_value:g}"
    elif kind is FieldKind.DATE:
        if _DATE.fullmatch(value) is None:
            return "not a date as YYYY-MM-DD"
        try:
            date.fromisoformat(value)
        except ValueError:
            return "not a date that exists"
    elif kind is FieldKind.CHOICE:
        if value not in {choice.value for choice in field.choices}:
            return "not one of the choices"
    elif kind is FieldKind.YES_NO:
        if value not in YES_NO:
            return 'neither "yes" nor "no"'
    elif kind is FieldKind.PHONE:
        if re.fullmatch(contract.PHONE_PATTERN, value) is None:
            return "not a Kenyan mobile number as 2547XXXXXXXX or 2541XXXXXXXX"
    elif kind is FieldKind.EMAIL:
        if _EMAIL.fullmatch(value) is None:
            return "not an email address"
    elif kind is FieldKind.ID_NUMBER:
        if field.pattern is None and _ID_NUMBER.fullmatch(value) is None:
            return "not a document number (5 to 12 capitals and digits)"
    return None


def check_answers(service: contract.Service, answers: dict[str, str],
                  attachments: dict[str, str] | None = None) -> dict[str, str]:
    """Every answer that does not fit, by ``answers.<name>`` (or ``attachments.<name>``);
    empty when all is well. A ``photo`` field is answered by an attachment (the contract has
    already checked that it is a JPEG of allowed size), never by text."""
    attachments = attachments or {}
    fields = {field.name: field for field in service.fields}
    problems: dict[str, str] = {}
    for name in answers:
        if name not in fields:
            problems[f"answers.{name}"] = "this service's form has no such field"
        elif fields[name].kind is FieldKind.PHOTO:
            problems[f"answers.{name}"] = "a photo comes as an attachment, not as text"
    for name in attachments:
        if name not in fields or fields[name].kind is not FieldKind.PHOTO:
            problems[f"attachments.{name}"] = "this service's form asks for no such photo"
    for field in service.fields:
        if field.kind is FieldKind.PHOTO:
            if field.required and not attachments.get(field.name):
                problems[f"attachments.{field.name}"] = "required"
            continue
        value = answers.get(field.name, "")
        if not value.strip():
            if field.required:
                problems[f"answers.{field.name}"] = "required"
            continue
        why = check_field(field, value)
        if why is not None:
            problems[f"answers.{field.name}"] = why
    return problems


def check_patterns(catalogue: contract.Catalogue) -> list[str]:
    """The fields whose ``pattern`` is not a valid regular expression (a broken seed)."""
    broken = []
    for service in catalogue.services:
        for field in service.fields:
            if field.pattern is not None:
                try:
                    re.compile(field.pattern)
                except re.error:
                    broken.append(f"{service.code}.{field.name}")
    return broken
