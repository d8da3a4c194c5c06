"""Answers checked on the kiosk the way the backend checks them, and a form walked page by page.

The backend's own check (``sandbox.answers.check_field``) runs in-process on the same inputs:
every field of every service in the seeded catalogue takes a good example and refuses a bad one
on both sides, and nothing the kiosk accepts is refused by the backend."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from kiosk_app import contract, forms
from kiosk_app.contract import Catalogue, FieldKind, FormField, Text
from kiosk_app.forms import FormDraft, check_answer, check_photo
from sandbox.answers import check_answers, check_field

SEED = Path(__file__).resolve().parents[2] / "sandbox" / "seed" / "catalogue.json"
CATALOGUE = Catalogue.model_validate_json(SEED.read_text(encoding="utf-8"))
FIELDS = [(service, field) for service in CATALOGUE.services for field in service.fields]
TODAY = date(2026, 11, 24)

# What a person types for each pattern the seed uses (good), and what does not fit it (bad).
BY_PATTERN = {
    r"^OB ?(NO\.? ?)?[0-9]{1,4}/[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}$": ("ob 12/3/4/2026", "12/3/4"),
    r"^[A-Z]{1,2}[0-9]{6,7}$": ("ak1234567", "1234567A"),
    r"^[A-Za-z][A-Za-z' -]*[A-Za-z]$": ("Sample  Applicant", "Sample Applicant 2"),
    r"^254(7|1)[0-9]{8}$": ("0712 345 678", "254812345678"),
    r"^[0-9]{6,9}$": ("12345678", "12345"),
    r"^[0-9]{1,10}$": ("1234", "12A4"),
    r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$": ("Mwananchi@Example.co.ke", "mwananchi@example"),
    r"^A[0-9]{9}[A-Z]$": ("a123456789z", "P123456789Z"),
    r"^[AP][0-9]{9}[A-Z]$": ("P123456789Z", "B123456789Z"),
    r"^[A-Za-z0-9&'.,-]+( [A-Za-z0-9&'.,-]+)+$": ("Tester Traders", "Tester"),
    r"^[0-9]{5}$": ("00100", "0010"),
    r"^[0-9]{6,12}$": ("1234567", "12345"),
    r"^K[A-Z]{2,3} ?[0-9]{3}[A-Z]$": ("kda 123a", "KDA 12A"),
    r"^[A-Z0-9]{5,12}$": ("abc123456", "ABC-123"),
    r"^[A-Z][A-Z' -]*(/[A-Z0-9][A-Z0-9 .-]*){1,3}$": ("Nairobi/Block 12/345", "12/345"),
}
BY_KIND = {
    FieldKind.TEXT: ("Nairobi", None),
    FieldKind.DATE: ("17/05/2001", "2001-02-31"),
    FieldKind.PHONE: ("0712 345 678", "254812345678"),
    FieldKind.YES_NO: ("yes", "maybe"),
    FieldKind.ID_NUMBER: ("12345678", "12AB"),
    FieldKind.EMAIL: ("mwananchi@example.co.ke", "not-an-address"),
}


def examples(field: FormField) -> tuple[str, str | None]:
    """(a good answer as typed, a bad answer as a careless device would send it)."""
    if field.pattern is not None:
        assert field.pattern in BY_PATTERN, f"add examples for the seed's pattern {field.pattern}"
        return BY_PATTERN[field.pattern]
    if field.kind is FieldKind.CHOICE:
        return field.choices[-1].value, "not_a_choice"
    if field.kind is FieldKind.NUMBER:
        high = field.max_value if field.max_value is not None else 10
        return f"{high:g}", f"{high + 1:g}" if field.max_value is not None else "many"
    good, bad = BY_KIND[field.kind]
    if bad is None and field.max_length is not None:
        bad = "x" * (field.max_length + 1)
    return good, bad


@pytest.mark.parametrize(("service", "field"),
                         [pair for pair in FIELDS if pair[1].kind is not FieldKind.PHOTO],
                         ids=[f"{s.code}.{f.name}" for s, f in FIELDS if f.kind is not FieldKind.PHOTO])
def test_each_seed_field_takes_a_good_answer_and_refuses_a_bad_one_like_the_backend(
        service: contract.Service, field: FormField) -> None:
    good, bad = examples(field)
    checked = check_answer(field, good, today=TODAY)
    assert checked.ok, (checked.problem, good)
    assert check_field(field, checked.value) is None  # the backend takes what the kiosk keeps
    if bad is not None:
        refused = check_answer(field, bad, today=TODAY)
        assert refused.problem is not None and refused.problem == (
            field.invalid or refused.problem)
        assert check_field(field, bad) is not None  # and refuses what the kiosk refuses
    empty = check_answer(field, "   ", today=TODAY)
    assert empty.value == ""
    if field.required:
        assert empty.problem == Text(en="Please answer this question.",
                                     sw="Tafadhali jibu swali hili.")
        assert "required" == check_answers(service, {}).get(f"answers.{field.name}")
    else:
        assert empty.ok


def test_a_whole_form_filled_on_the_kiosk_is_taken_by_the_backend() -> None:
    photo = contract.JPEG_START + b"\x00" * 100
    for service in CATALOGUE.services:
        draft = FormDraft(service, today=lambda: TODAY)
        for page in range(draft.count):
            draft.go_to(page)
            if draft.field.kind is FieldKind.PHOTO:
                assert draft.attach(photo) is None
            else:
                assert draft.answer(examples(draft.field)[0]) is None, draft.field.name
        assert draft.complete()
        sent = {name: contract.encode_attachment(jpeg) for name, jpeg in draft.attachments.items()}
        assert check_answers(service, draft.application_answers(), sent) == {}, service.code


TYPED = st.text(alphabet="0123456789 /-.+@abcAKZOBkn'", max_size=16)


@settings(max_examples=300, deadline=None)
@given(pair=st.sampled_from([p for p in FIELDS if p[1].kind is not FieldKind.PHOTO]),
       typed=st.one_of(TYPED, st.sampled_from(sorted({v for pair in BY_PATTERN.values() for v in pair}))))
def test_the_kiosk_never_keeps_an_answer_the_backend_refuses(pair, typed: str) -> None:  # noqa: ANN001
    _service, field = pair
    checked = check_answer(field, typed, today=TODAY)
    if checked.ok and checked.value:
        assert check_field(field, checked.value) is None, (field.name, typed, checked.value)


def field(kind: FieldKind, **extra: object) -> FormField:
    return FormField(name="answer", kind=kind, label=Text(en="Answer", sw="Jibu"), **extra)


@pytest.mark.parametrize(("kind", "typed", "kept"), [
    (FieldKind.DATE, "17/05/2001", "2001-05-17"),
    (FieldKind.DATE, "7-5-2001", "2001-05-07"),
    (FieldKind.DATE, "17052001", "2001-05-17"),
    (FieldKind.DATE, "2001-05-17", "2001-05-17"),
    (FieldKind.PHONE, "+254 712 345 678", "254712345678"),
    (FieldKind.PHONE, "0112345678", "254112345678"),
    (FieldKind.NUMBER, " 1,200 ", "1200"),
    (FieldKind.YES_NO, "Ndiyo", "yes"),
    (FieldKind.YES_NO, "NO", "no"),
    (FieldKind.ID_NUMBER, " ab 12345 ", "AB12345"),
    (FieldKind.EMAIL, " Mwananchi@Example.CO.KE ", "mwananchi@example.co.ke"),
    (FieldKind.TEXT, "  Kisumu   West ", "Kisumu West"),
])
def test_answers_are_kept_as_the_api_wants_them(kind: FieldKind, typed: str, kept: str) -> None:
    assert check_answer(field(kind), typed, today=TODAY) == forms.Checked(kept)


def test_what_is_wrong_is_said_in_both_languages() -> None:
    date_field = field(FieldKind.DATE)
    assert check_answer(date_field, "17 May", today=TODAY).problem == Text(
        en="Enter a date like 17/05/2001.", sw="Andika tarehe kama 17/05/2001.")
    assert check_answer(date_field, "30/02/2001", today=TODAY).problem.en == (
        "There is no such date. Please check the day and the month.")
    early = check_answer(date_field, "31/12/1899", today=TODAY).problem
    assert early.en == "Please enter a date between 01/01/1900 and 31/12/2031."
    assert "01/01/1900" in early.sw and "31/12/2031" in early.sw and early.sw != early.en
    assert check_answer(date_field, "01/01/2032", today=TODAY).problem == early
    assert check_answer(date_field, "31/12/2031", today=TODAY).ok

    count = field(FieldKind.NUMBER, min_value=0, max_value=20)
    assert check_answer(count, "21", today=TODAY).problem.en == (
        "Please enter a number from 0 to 20.")
    assert check_answer(count, "two", today=TODAY).problem.en == (
        "Please enter a number, with digits only.")
    assert check_answer(field(FieldKind.NUMBER, min_value=1), "0", today=TODAY).problem.en == (
        "Please enter a number of at least 1.")
    assert check_answer(field(FieldKind.TEXT, max_length=5), "Nairobi", today=TODAY
                        ).problem.en == "Please write no more than 5 characters."
    assert check_answer(field(FieldKind.TEXT, min_length=3), "ab", today=TODAY
                        ).problem.en == "Please write at least 3 characters."
    assert check_answer(field(FieldKind.TEXT), "x" * 2001, today=TODAY).problem.en == (
        "Please write no more than 2000 characters.")
    assert check_answer(field(FieldKind.PHONE), "0812 345 678", today=TODAY).problem.en == (
        "Enter a Kenyan mobile number like 0712 345 678.")
    choice = field(FieldKind.CHOICE, choices=[contract.Choice(value="a", label=Text(en="A", sw="A"))])
    assert check_answer(choice, "b", today=TODAY).problem.en == "Please choose one of the answers."


def test_a_fields_own_words_come_first() -> None:
    own = Text(en="Type the number on your police abstract, like OB 12/3/4/2026.",
               sw="Andika nambari iliyo kwenye cheti chako cha polisi, kama OB 12/3/4/2026.")
    abstract = field(FieldKind.TEXT, pattern=r"^OB [0-9/]+$", invalid=own, required=True)
    assert check_answer(abstract, "12/3", today=TODAY).problem == own
    assert check_answer(abstract, "", today=TODAY).problem.en == "Please answer this question."


def test_a_photo_must_be_a_jpeg_within_the_limit() -> None:
    required = field(FieldKind.PHOTO)
    optional = field(FieldKind.PHOTO, required=False)
    jpeg = contract.JPEG_START + b"\x00" * 10
    assert check_photo(required, None).en == "Please take a photo of the document."
    assert check_photo(optional, None) is None
    assert check_photo(required, jpeg) is None
    assert check_photo(required, jpeg + bytes(contract.ATTACHMENT_MAX_BYTES)).en == (
        "The photo is too large. Please take it again.")
    with pytest.raises(ValueError):
        check_answer(required, "a photo")


def service(*fields: FormField, fees: tuple[int, ...] = (100_000, 5_000)) -> contract.Service:
    words = Text(en="Sample", sw="Mfano")
    return contract.Service(
        code="SAMPLE", category="identity", agency=contract.Agency(code="AG", name=words),
        name=words, summary=words, documents=[], processing_days=3, collection=words,
        fees=[contract.Fee(code=f"fee_{i}", label=words, amount_cents=c) for i, c in enumerate(fees)],
        fields=list(fields))


def test_a_draft_walks_the_form_one_page_at_a_time_and_sums_it_up() -> None:
    name = FormField(name="full_name", kind=FieldKind.TEXT, label=Text(en="Name", sw="Jina"),
                     min_length=3, personal=True)
    county = FormField(name="county", kind=FieldKind.CHOICE, label=Text(en="County", sw="Kaunti"),
                       choices=[contract.Choice(value="nairobi",
                                                label=Text(en="Nairobi", sw="Nairobi")),
                                contract.Choice(value="kisumu",
                                                label=Text(en="Kisumu", sw="Kisumu"))])
    born = FormField(name="born", kind=FieldKind.DATE, label=Text(en="Born", sw="Alizaliwa"))
    married = FormField(name="married", kind=FieldKind.YES_NO,
                        label=Text(en="Married?", sw="Umeoa au kuolewa?"), required=False)
    deed = FormField(name="deed_photo", kind=FieldKind.PHOTO, label=Text(en="Deed", sw="Hati"),
                     required=False)
    answers: dict[str, str] = {}
    draft = FormDraft(service(name, county, born, married, deed), answers=answers,
                      today=lambda: TODAY)
    assert (draft.number, draft.count, draft.is_first, draft.field.name) == (1, 5, True, "full_name")
    assert draft.back() is False
    assert draft.answer("ab").en == "Please write at least 3 characters."
    assert answers == {}
    assert draft.answer("Sample Applicant") is None
    assert draft.forward() and draft.answer("kisumu") is None
    assert draft.forward() and draft.answer("29/02/2001").en.startswith("There is no such date")
    assert draft.answer("28/02/2001") is None and draft.typed() == "28/02/2001"
    assert draft.first_unfinished() is None  # the rest is optional
    assert draft.forward() and draft.answer("no") is None
    assert draft.forward() and draft.is_last and draft.forward() is False
    assert draft.photo() is None and draft.attach(contract.JPEG_START + b"1") is None
    assert answers == {"full_name": "Sample Applicant", "county": "kisumu", "born": "2001-02-28",
                       "married": "no"}
    assert draft.application_answers() == answers
    assert [(line.label, line.value) for line in draft.summary("sw")] == [
        ("Jina", "Sample Applicant"), ("Kaunti", "Kisumu"), ("Alizaliwa", "28/02/2001"),
        ("Umeoa au kuolewa?", "Hapana"), ("Hati", "Picha imepigwa")]
    draft.detach()
    assert draft.summary("en")[-1].value == "Not answered"
    assert draft.back() and draft.answer("") is None and "married" not in answers
    draft.go_to(0)
    assert draft.typed() == "Sample Applicant"
    answers.pop("county")
    assert draft.first_unfinished() == 1


def test_helpers_for_showing_answers() -> None:
    assert forms.phone_words("254712345678") == "0712 345 678"
    assert forms.mask_number("12345678") == "*****678"
    assert forms.mask_number("12") == "**"
