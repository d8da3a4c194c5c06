"""A service's form: each answer checked against its field, and the form walked one question
per page.

The checks are the backend's own (``sandbox/answers.py``) made on the device first, so the kiosk
never accepts an answer the backend would refuse; they are a little kinder to what people type
(``0712 345 678`` for a phone, ``17/05/2001`` for a date, small letters where capitals are
asked for) and a little stricter where the backend does not care (a date before 1900). What is
wrong is said in both languages: the field's own ``invalid`` words when it has them, else ours.

    checked = check_answer(field, "17/05/2001")   # Checked(value="2001-05-17", problem=None)
    checked.problem.get("sw")                     # when it does not fit: words for the person

    draft = FormDraft(service, answers=session.data.answers,
                      attachments=session.data.attachments)
    draft.answer("Nairobi")        # checks and keeps the current page's answer (or a problem)
    draft.forward(); draft.back()  # one page at a time
    draft.summary("sw")            # [SummaryLine(label, value), ...] for the review

Answers are kept as the API wants them (dates ISO 8601, yes/no as "yes"/"no", phones as
2547XXXXXXXX); photos of documents are JPEG bytes kept by field name, outside the answers.
Answers may be personal data: nothing here logs them. Pure functions and plain objects: any
thread, no I/O.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Callable

from kiosk_app.api_terms import FieldKind
from kiosk_app.i18n import N_, gettext_for
from kiosk_app.lazy import lazy_module

if TYPE_CHECKING:
    from kiosk_app import contract
    from kiosk_app.contract import FormField
else:
    contract = lazy_module("kiosk_app.contract")  # pydantic, on first use (kiosk_app/lazy.py)

# The backend's forms of a number, a date, an email and a document number (sandbox/answers.py).
_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}")
_ID_NUMBER = re.compile(r"[A-Z0-9]{5,12}")
# Dates as people in Kenya write them: day, month, year (four digits).
_TYPED_DATE = re.compile(r"([0-9]{1,2})[/.\- ]([0-9]{1,2})[/.\- ]([0-9]{4})")
_EIGHT_DIGITS = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{4})")

ANSWER_MAX_LENGTH = 2000
"""The contract's longest answer (``ApplicationIn.answers``)."""
FIRST_DATE = date(1900, 1, 1)
"""No date on a government form is earlier than this."""
YEARS_AHEAD = 5
"""Dates up to the end of this many years from today are accepted."""

YES_WORDS = {"yes": "yes", "y": "yes", "ndiyo": "yes", "no": "no", "n": "no", "hapana": "no"}

REQUIRED = N_("Please answer this question.")
NUMBER = N_("Please enter a number, with digits only.")
NUMBER_LOW = N_("Please enter a number of at least {low}.")
NUMBER_HIGH = N_("Please enter a number of at most {high}.")
NUMBER_RANGE = N_("Please enter a number from {low} to {high}.")
DATE_FORM = N_("Enter a date like 17/05/2001.")
DATE_MISSING = N_("There is no such date. Please check the day and the month.")
DATE_RANGE = N_("Please enter a date between {first} and {last}.")
TOO_SHORT = N_("Please write at least {count} characters.")
TOO_LONG = N_("Please write no more than {count} characters.")
PATTERN = N_("This answer is not in the form asked for. Please check it.")
CHOICE = N_("Please choose one of the answers.")
YES_NO = N_("Please answer Yes or No.")
PHONE = N_("Enter a Kenyan mobile number like 0712 345 678.")
EMAIL = N_("Enter an email address like name@example.com.")
ID_NUMBER = N_("Enter the number as it is printed: 5 to 12 letters and digits.")
PHOTO_REQUIRED = N_("Please take a photo of the document.")
PHOTO_TOO_BIG = N_("The photo is too large. Please take it again.")

YES = N_("Yes")
NO = N_("No")
PHOTO_TAKEN = N_("Photo taken")
NOT_ANSWERED = N_("Not answered")


def bilingual_text(message: str, **params: object) -> contract.Text:
    """One of our messages (an English msgid) in both languages, with ``params`` filled in."""
    return contract.Text(en=message.format(**params),
                         sw=gettext_for("sw")(message).format(**params))


@dataclass(frozen=True)
class Checked:
    """An answer checked against its field."""

    value: str
    """The answer as the API wants it; empty when there is none (an optional field left out)."""
    problem: contract.Text | None = None
    """Why it does not fit, in both languages; None when it does."""

    @property
    def ok(self) -> bool:
        return self.problem is None


def _number_words(value: float) -> str:
    return f"{value:g}"


def _date_words(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def last_date(today: date) -> date:
    return date(today.year + YEARS_AHEAD, 12, 31)


def _normalise(field: FormField, typed: str) -> str:
    kind = field.kind
    text = typed.strip()
    if kind is FieldKind.NUMBER:
        return re.sub(r"[\s,]", "", text)
    if kind is FieldKind.ID_NUMBER:
        return re.sub(r"\s", "", text).upper()
    if kind is FieldKind.EMAIL:
        return text.lower()
    if kind in (FieldKind.CHOICE, FieldKind.PHONE, FieldKind.DATE):
        return text
    if kind is FieldKind.YES_NO:
        return YES_WORDS.get(text.casefold(), text.casefold())
    # Text: inner runs of spaces as one; capitals where the form asks for capitals only.
    text = " ".join(text.split())
    if field.pattern and re.fullmatch(field.pattern, text) is None \
            and re.fullmatch(field.pattern, text.upper()) is not None:
        text = text.upper()
    return text


def _iso_date(text: str) -> tuple[str | None, str | None]:
    """(ISO date, None) or (None, the message key of what is wrong)."""
    match = _TYPED_DATE.fullmatch(text) or _EIGHT_DIGITS.fullmatch(text)
    if match is not None:
        day, month, year = (int(part) for part in match.groups())
    elif _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in text.split("-"))
    else:
        return None, DATE_FORM
    try:
        return date(year, month, day).isoformat(), None
    except ValueError:
        return None, DATE_MISSING


def _kind_problem(field: FormField, value: str, today: date) -> contract.Text | str | None:
    """What is wrong with ``value`` for the field's kind: a message key (or Text), or None."""
    kind = field.kind
    if kind is FieldKind.NUMBER:
        if _NUMBER.fullmatch(value) is None or not math.isfinite(float(value)):
            return NUMBER
        number = float(value)
        low, high = field.min_value, field.max_value
        if (low is not None and number < low) or (high is not None and number > high):
            if low is not None and high is not None:
                return bilingual_text(NUMBER_RANGE, low=_number_words(low),
                                      high=_number_words(high))
            if low is not None:
                return bilingual_text(NUMBER_LOW, low=_number_words(low))
            return bilingual_text(NUMBER_HIGH, high=_number_words(high))  # type: ignore[arg-type]
    elif kind is FieldKind.DATE:
        day = date.fromisoformat(value)
        if not FIRST_DATE <= day <= last_date(today):
            return bilingual_text(DATE_RANGE, first=_date_words(FIRST_DATE),
                                  last=_date_words(last_date(today)))
    elif kind is FieldKind.CHOICE:
        if value not in {choice.value for choice in field.choices}:
            return CHOICE
    elif kind is FieldKind.YES_NO:
        if value not in ("yes", "no"):
            return YES_NO
    elif kind is FieldKind.PHONE:
        if re.fullmatch(contract.PHONE_PATTERN, value) is None:
            return PHONE
    elif kind is FieldKind.EMAIL:
        if _EMAIL.fullmatch(value) is None:
            return EMAIL
    elif kind is FieldKind.ID_NUMBER:
        if field.pattern is None and _ID_NUMBER.fullmatch(value) is None:
            return ID_NUMBER
    return None


def check_answer(field: FormField, typed: str, *, today: date | None = None) -> Checked:
    """``typed`` checked against ``field``: the value to keep, or why it does not fit.

    Not for photo fields: a photo is checked with :func:`check_photo`."""
    if field.kind is FieldKind.PHOTO:
        raise ValueError("a photo field's answer is a photo: use check_photo")
    today = today or date.today()
    value = _normalise(field, typed)
    if not value:
        return Checked("", bilingual_text(REQUIRED) if field.required else None)

    def refused(problem: contract.Text | str) -> Checked:
        if isinstance(problem, contract.Text):
            return Checked(value, field.invalid or problem)
        return Checked(value, field.invalid or bilingual_text(problem))

    if field.kind is FieldKind.DATE:
        iso, why = _iso_date(value)
        if iso is None:
            return refused(why)  # type: ignore[arg-type]
        value = iso
    elif field.kind is FieldKind.PHONE:
        phone = contract.normalise_phone(value)
        if phone is None:
            return refused(PHONE)
        value = phone
    problem = _kind_problem(field, value, today)
    if problem is not None:
        return refused(problem)
    longest = min(field.max_length or ANSWER_MAX_LENGTH, ANSWER_MAX_LENGTH)
    if field.min_length is not None and len(value) < field.min_length:
        return refused(bilingual_text(TOO_SHORT, count=field.min_length))
    if len(value) > longest:
        return refused(bilingual_text(TOO_LONG, count=longest))
    if field.pattern is not None and re.fullmatch(field.pattern, value) is None:
        return refused(PATTERN)
    return Checked(value)


def check_photo(field: FormField, jpeg: bytes | None) -> contract.Text | None:
    """Why a photo field's photo (JPEG bytes, or None for none) cannot be sent, or None."""
    if not jpeg:
        return bilingual_text(PHOTO_REQUIRED) if field.required else None
    if len(jpeg) > contract.ATTACHMENT_MAX_BYTES or not jpeg.startswith(contract.JPEG_START):
        return bilingual_text(PHOTO_TOO_BIG)
    return None


# --- showing answers ---------------------------------------------------------------------------

def as_typed(field: FormField, value: str) -> str:
    """A kept answer in the form a person types it again (to fill the answer box)."""
    if not value:
        return ""
    if field.kind is FieldKind.DATE:
        return _date_words(date.fromisoformat(value))
    if field.kind is FieldKind.PHONE:
        return phone_words(value)
    return value


def phone_words(phone: str) -> str:
    """``254712345678`` as ``0712 345 678``."""
    local = "0" + phone[3:] if phone.startswith("254") and len(phone) == 12 else phone
    return f"{local[:4]} {local[4:7]} {local[7:]}" if len(local) == 10 else local


def display(field: FormField, value: str, language: str) -> str:
    """A kept answer as the person reads it back, in ``language``."""
    _ = gettext_for(language)
    if field.kind is FieldKind.CHOICE:
        for choice in field.choices:
            if choice.value == value:
                return choice.label.get(language)
    if field.kind is FieldKind.YES_NO and value in ("yes", "no"):
        return _(YES) if value == "yes" else _(NO)
    return as_typed(field, value)


def mask_number(number: str, shown: int = 3) -> str:
    """An ID number with all but its last ``shown`` characters hidden: ``*****678``."""
    number = number.strip()
    if len(number) <= shown:
        return "*" * len(number)
    return "*" * (len(number) - shown) + number[-shown:]


@dataclass(frozen=True)
class SummaryLine:
    name: str
    label: str
    value: str
    page: int
    """The page that asks it (0-based), to go back and change it."""


# --- the form, one page at a time --------------------------------------------------------------

class FormDraft:
    """A service's form being filled: one field per page, answers kept as they are given.

    ``answers`` and ``attachments`` are the dicts to keep them in (the session's own, so the
    session's wipe takes them); new ones are made when none are given."""

    def __init__(self, service: contract.Service, *, answers: dict[str, str] | None = None,
                 attachments: dict[str, bytes] | None = None,
                 today: Callable[[], date] = date.today) -> None:
        if not service.fields:
            raise ValueError(f"the service {service.code} has no form to fill")
        self.service = service
        self.fields = list(service.fields)
        self.answers = answers if answers is not None else {}
        self.attachments = attachments if attachments is not None else {}
        self._today = today
        self.page = 0

    # -- where we are ---------------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.fields)

    @property
    def number(self) -> int:
        """The page as a person counts it: 1 to ``count``."""
        return self.page + 1

    @property
    def field(self) -> FormField:
        return self.fields[self.page]

    @property
    def is_first(self) -> bool:
        return self.page == 0

    @property
    def is_last(self) -> bool:
        return self.page == self.count - 1

    def go_to(self, page: int) -> None:
        if not 0 <= page < self.count:
            raise IndexError(f"no page {page} in a form of {self.count}")
        self.page = page

    def forward(self) -> bool:
        """To the next page; False on the last one."""
        if self.is_last:
            return False
        self.page += 1
        return True

    def back(self) -> bool:
        """To the page before; False on the first one."""
        if self.is_first:
            return False
        self.page -= 1
        return True

    # -- answers --------------------------------------------------------------------------
    def typed(self) -> str:
        """The current page's kept answer, as a person would type it."""
        return as_typed(self.field, self.answers.get(self.field.name, ""))

    def kept(self) -> str:
        """The current page's kept answer, as the API wants it ("" when none)."""
        return self.answers.get(self.field.name, "")

    def answer(self, typed: str) -> contract.Text | None:
        """Check the current page's answer and keep it; the problem when it does not fit (the
        answer kept before stays as it was)."""
        checked = check_answer(self.field, typed, today=self._today())
        if not checked.ok:
            return checked.problem
        if checked.value:
            self.answers[self.field.name] = checked.value
        else:
            self.answers.pop(self.field.name, None)
        return None

    def attach(self, jpeg: bytes) -> contract.Text | None:
        """Keep a photo for the current (photo) page; the problem when it cannot be sent."""
        if self.field.kind is not FieldKind.PHOTO:
            raise ValueError(f"{self.field.name} is not a photo field")
        problem = check_photo(self.field, jpeg)
        if problem is None:
            self.attachments[self.field.name] = jpeg
        return problem

    def detach(self) -> None:
        """Forget the current page's photo (to take it again, or to go on without it)."""
        self.attachments.pop(self.field.name, None)

    def photo(self) -> bytes | None:
        return self.attachments.get(self.field.name)

    def problem_on(self, page: int) -> contract.Text | None:
        """What is wrong with the answer kept for ``page`` (missing, or no longer fitting)."""
        field = self.fields[page]
        if field.kind is FieldKind.PHOTO:
            return check_photo(field, self.attachments.get(field.name))
        kept = self.answers.get(field.name, "")
        return check_answer(field, as_typed(field, kept), today=self._today()).problem

    def first_unfinished(self) -> int | None:
        """The first page whose answer is missing or does not fit; None when all are done."""
        for page in range(self.count):
            if self.problem_on(page) is not None:
                return page
        return None

    def complete(self) -> bool:
        return self.first_unfinished() is None

    def application_answers(self) -> dict[str, str]:
        """The answers for ``ApplicationIn.answers``: only this form's fields, photos apart."""
        names = {f.name for f in self.fields if f.kind is not FieldKind.PHOTO}
        return {name: value for name, value in self.answers.items() if name in names and value}

    def summary(self, language: str) -> list[SummaryLine]:
        """Every question and its answer, in ``language``, for the review."""
        _ = gettext_for(language)
        lines = []
        for page, field in enumerate(self.fields):
            if field.kind is FieldKind.PHOTO:
                value = _(PHOTO_TAKEN) if self.attachments.get(field.name) else _(NOT_ANSWERED)
            else:
                kept = self.answers.get(field.name, "")
                value = display(field, kept, language) if kept else _(NOT_ANSWERED)
            lines.append(SummaryLine(field.name, field.label.get(language), value, page))
        return lines
