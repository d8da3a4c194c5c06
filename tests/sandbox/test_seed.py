"""The seeded catalogue of Huduma services (``sandbox/seed/catalogue.json``): it is a valid
:class:`~kiosk_app.contract.Catalogue`, it holds the services a Huduma Centre offers, every word
is in English and Kiswahili, personal data is marked, every pattern accepts a real answer and
refuses a wrong one, and its version is the hash of its content."""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from kiosk_app.contract import Catalogue, FieldKind, FormField, Service, Text
from sandbox.seed import build_version

SEED = Path(build_version.__file__).with_name("catalogue.json")

REQUIRED_SERVICES = {
    "ID-DUPLICATE": "replacement (duplicate) national ID card",
    "GOOD-CONDUCT": "certificate of good conduct",
    "SHA-REGISTER": "SHA registration",
    "NSSF-REGISTER": "NSSF member registration",
    "NSSF-STATEMENT": "NSSF member statement",
    "DL-RENEW": "smart driving licence renewal",
    "BN-SEARCH": "business name search",
    "BN-REGISTER": "business name registration",
    "BIRTH-CERT-COPY": "birth certificate, application for a copy",
    "KRA-PIN": "KRA PIN registration for an individual",
}
NAIROBI_PARKING = {
    "NBI-PARK-CAR", "NBI-PARK-MATATU", "NBI-PARK-MINIBUS", "NBI-PARK-BUS", "NBI-PARK-LORRY",
}
"""Seasonal parking is one service per vehicle type: a service's fees are fixed, and the
monthly fee depends on the vehicle."""
FURTHER_SERVICES = {
    "PASSPORT-34", "PASSPORT-50", "POLICE-ABSTRACT", "DEATH-CERT", "MARRIAGE-COPY",
    "SHA-STATEMENT", "HELB-COMPLIANCE", "LAND-SEARCH",
}

SAME_IN_BOTH_LANGUAGES = {
    # counties and towns are proper names (West Pokot is Pokot Magharibi in Kiswahili)
    "Mombasa", "Kwale", "Kilifi", "Tana River", "Lamu", "Taita-Taveta", "Garissa", "Wajir",
    "Mandera", "Marsabit", "Isiolo", "Meru", "Tharaka-Nithi", "Embu", "Kitui", "Machakos",
    "Makueni", "Nyandarua", "Nyeri", "Kirinyaga", "Murang'a", "Kiambu", "Turkana", "Samburu",
    "Trans Nzoia", "Uasin Gishu", "Elgeyo-Marakwet", "Nandi", "Baringo", "Laikipia", "Nakuru",
    "Narok", "Kajiado", "Kericho", "Bomet", "Kakamega", "Vihiga", "Bungoma", "Busia", "Siaya",
    "Kisumu", "Homa Bay", "Migori", "Kisii", "Nyamira", "Nairobi", "Eldoret",
    "Nairobi (Nyayo House)",
    # blood groups are written the same way
    "A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-",
}

PATTERN_EXAMPLES: dict[tuple[str, str], tuple[str, str]] = {
    # (service, field): (an answer that fits, an answer that must not)
    ("ID-DUPLICATE", "police_abstract_number"): ("OB 12/03/05/2025", "12/03/05/2025"),
    ("PASSPORT-34", "previous_passport_number"): ("AK0123456", "0123456"),
    ("PASSPORT-34", "father_full_name"): ("Joseph Kamau Mwangi", "J0seph Kamau"),
    ("PASSPORT-34", "mother_full_name"): ("Mary Wanjiru", "Mary Wanjiru 2"),
    ("PASSPORT-34", "next_of_kin_full_name"): ("Achieng' Otieno", "Achieng@Otieno"),
    ("PASSPORT-34", "next_of_kin_phone"): ("254712345678", "0712345678"),
    ("PASSPORT-34", "recommender_full_name"): ("Hassan Abdi Mohamed", " Hassan"),
    ("PASSPORT-34", "recommender_id_number"): ("23456789", "2345"),
    ("PASSPORT-50", "previous_passport_number"): ("BK1234567", "AK-0123456"),
    ("PASSPORT-50", "father_full_name"): ("Peter Kiprono Rotich", "Peter_Rotich"),
    ("PASSPORT-50", "mother_full_name"): ("Grace Nafula Wekesa", "Grace."),
    ("PASSPORT-50", "next_of_kin_full_name"): ("Mwanaisha Ali", "Mwanaisha Ali!"),
    ("PASSPORT-50", "next_of_kin_phone"): ("254110123456", "254612345678"),
    ("PASSPORT-50", "recommender_full_name"): ("Jane Akinyi-Odhiambo", "Jane Akinyi-"),
    ("PASSPORT-50", "recommender_id_number"): ("1234567", "12345678901"),
    ("SHA-REGISTER", "spouse_id_number"): ("30123456", "30 123 456"),
    ("SHA-STATEMENT", "email"): ("wanjiru@example.co.ke", "wanjiru.example.co.ke"),
    ("NSSF-REGISTER", "kra_pin"): ("A012345678Z", "P051234567Q"),
    ("NSSF-REGISTER", "nominee_full_name"): ("Esther Chebet Kirui", "Esther Chebet 3"),
    ("NSSF-REGISTER", "nominee_id_number"): ("987654", "98765"),
    ("NSSF-REGISTER", "nominee_phone"): ("254722000111", "+254722000111"),
    ("NSSF-STATEMENT", "nssf_number"): ("2003456789", "NSSF2003456789"),
    ("NSSF-STATEMENT", "email"): ("otieno.j@example.com", "otieno j@example.com"),
    ("DL-RENEW", "licence_number"): ("DLK12345", "dl k12345"),
    ("BN-SEARCH", "business_name"): ("Mama Njeri Groceries", "Groceries"),
    ("BN-REGISTER", "business_name"): ("Baraka Tailoring & Designs", "Baraka  Tailoring"),
    ("BN-REGISTER", "kra_pin"): ("A987654321B", "A98765432B"),
    ("BN-REGISTER", "email"): ("baraka@example.com", "baraka@example"),
    ("BN-REGISTER", "partner_full_name"): ("Omar Said", "Omar Said (partner)"),
    ("BN-REGISTER", "partner_id_number"): ("22334455", "ID22334455"),
    ("BIRTH-CERT-COPY", "registered_full_name"): ("Brian Kipchumba Kiptoo", "Brian K. Kiptoo"),
    ("BIRTH-CERT-COPY", "mother_full_name"): ("Naliaka Wafula", "Naliaka, Wafula"),
    ("BIRTH-CERT-COPY", "father_full_name"): ("Wafula Barasa", "W"),
    ("BIRTH-CERT-COPY", "mother_id_number"): ("12345678", "1234567890"),
    ("BIRTH-CERT-COPY", "birth_entry_number"): ("1234567", "12-34567"),
    ("DEATH-CERT", "deceased_full_name"): ("Samuel Mutua Musyoka", "Samuel Mutua."),
    ("DEATH-CERT", "deceased_id_number"): ("4567890", "45678a0"),
    ("MARRIAGE-COPY", "spouse_full_name"): ("Fatuma Hassan Omar", "Fatuma Hassan Omar 1"),
    ("MARRIAGE-COPY", "spouse_id_number"): ("29876543", "298765432109"),
    ("KRA-PIN", "email"): ("kamau@example.org", "@example.org"),
    ("KRA-PIN", "employer_kra_pin"): ("P051234567Q", "X051234567Q"),
    ("KRA-PIN", "postal_code"): ("00100", "0010"),
    ("NBI-PARK-CAR", "vehicle_registration"): ("KDA 123B", "KDA 123"),
    ("NBI-PARK-MATATU", "vehicle_registration"): ("KCZ 456A", "kcz 456a"),
    ("NBI-PARK-MINIBUS", "vehicle_registration"): ("KBX 789C", "UBX 789C"),
    ("NBI-PARK-BUS", "vehicle_registration"): ("KDG 001Z", "KDG 0001Z"),
    ("NBI-PARK-LORRY", "vehicle_registration"): ("KDE123H", "KDE-123H"),
    ("HELB-COMPLIANCE", "email"): ("achieng@example.com", "achieng@@example.com"),
    ("LAND-SEARCH", "title_number"): ("KIAMBU/RUIRU/5678", "Kiambu Ruiru 5678"),
}

APPLICANT_FIELDS = {"surname", "given_names", "first_name", "last_name", "full_name", "name",
                    "id_number", "document_number", "date_of_birth", "phone", "phone_number"}
"""Who applies comes from the Applicant (the card read, or the typed identity), never from a
service's form."""

NOT_A_PERSON = {"business_name"}
"""Fields named ``*_name`` that name a thing, not a person."""
PERSON_NAMES = {"kra_pin", "nssf_number", "police_abstract_number", "licence_number",
                "previous_passport_number", "birth_entry_number", "burial_permit_number",
                "certificate_number", "town", "sub_county", "postal_code", "place_of_birth",
                "place_of_death"}
"""Further fields that identify or locate a person."""


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.model_validate_json(SEED.read_text(encoding="utf-8"))


def services_by_code(catalogue: Catalogue) -> dict[str, Service]:
    return {service.code: service for service in catalogue.services}


def texts(model: BaseModel, where: str = "") -> Iterator[tuple[str, Text]]:
    """Every :class:`Text` inside ``model``, with where it is."""
    if isinstance(model, Text):
        yield where, model
        return
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, BaseModel):
                label = getattr(item, "code", None) or getattr(item, "name", None) \
                    or getattr(item, "value", None)
                part = f"{name}[{label if isinstance(label, str) else index}]" \
                    if isinstance(value, list) else name
                yield from texts(item, f"{where}.{part}" if where else part)


def fields(catalogue: Catalogue) -> Iterator[tuple[Service, FormField]]:
    for service in catalogue.services:
        for field in service.fields:
            yield service, field


def identifies_a_person(field: FormField) -> bool:
    name = field.name
    if field.kind in (FieldKind.ID_NUMBER, FieldKind.PHONE, FieldKind.EMAIL):
        return True
    if name in NOT_A_PERSON:
        return False
    return (name.endswith("_name") or name.endswith("_id_number") or "date_of_birth" in name
            or "phone" in name or "kra_pin" in name or "address" in name
            or name in PERSON_NAMES)


# --- the file and its services -----------------------------------------------------------------

def test_the_seed_is_a_valid_catalogue(catalogue: Catalogue) -> None:
    assert catalogue.services
    assert catalogue.published_at.utcoffset() is not None


def test_every_named_service_is_offered(catalogue: Catalogue) -> None:
    codes = set(services_by_code(catalogue))
    missing = {code: what for code, what in REQUIRED_SERVICES.items() if code not in codes}
    assert missing == {}
    assert NAIROBI_PARKING <= codes
    assert FURTHER_SERVICES <= codes
    assert len(FURTHER_SERVICES) >= 5


def test_nairobi_parking_is_monthly_by_vehicle_type(catalogue: Catalogue) -> None:
    by_code = services_by_code(catalogue)
    totals = {code: by_code[code].total_cents for code in NAIROBI_PARKING}
    assert all(total > 0 for total in totals.values())
    assert len(set(totals.values())) == len(NAIROBI_PARKING), "each vehicle type has its fee"
    for code in NAIROBI_PARKING:
        service = by_code[code]
        assert service.category == "county"
        assert service.agency.code == "NCCG"
        assert "vehicle_registration" in {field.name for field in service.fields}
        assert "month" in service.name.en.lower() and "mwezi" in service.name.sw.lower()


def test_service_codes_are_unique(catalogue: Catalogue) -> None:
    counts = Counter(service.code for service in catalogue.services)
    assert [code for code, n in counts.items() if n > 1] == []


def test_field_names_are_unique_within_each_service(catalogue: Catalogue) -> None:
    for service in catalogue.services:
        counts = Counter(field.name for field in service.fields)
        assert [name for name, n in counts.items() if n > 1] == [], service.code


def test_no_form_asks_again_for_the_applicants_own_identity(catalogue: Catalogue) -> None:
    asked = [(service.code, field.name) for service, field in fields(catalogue)
             if field.name in APPLICANT_FIELDS]
    assert asked == []


def test_every_service_says_what_to_bring_and_how_it_is_collected(catalogue: Catalogue) -> None:
    for service in catalogue.services:
        assert service.documents, service.code
        assert service.fees, f"{service.code}: a free service says so with a zero fee"
        assert service.online, f"{service.code}: every seeded service can be applied for"


def test_agencies_are_named_the_same_wherever_they_appear(catalogue: Catalogue) -> None:
    names: dict[str, Text] = {}
    for service in catalogue.services:
        assert names.setdefault(service.agency.code, service.agency.name) == service.agency.name


# --- words -------------------------------------------------------------------------------------

def test_every_text_has_its_own_kiswahili(catalogue: Catalogue) -> None:
    untranslated = [(where, text.en) for where, text in texts(catalogue)
                    if text.sw.strip() == "" or (text.sw.strip() == text.en.strip()
                                                 and text.en not in SAME_IN_BOTH_LANGUAGES)]
    assert untranslated == []


def test_the_text_walker_finds_every_kind_of_text(catalogue: Catalogue) -> None:
    places = {re.sub(r"\[[^]]*]", "", where) for where, _ in texts(catalogue)}
    assert {"categories.name", "services.agency.name", "services.name", "services.summary",
            "services.fees.label", "services.fields.label", "services.fields.hint",
            "services.fields.invalid", "services.fields.choices.label", "services.documents",
            "services.collection"} <= places


def test_an_untranslated_text_would_be_caught() -> None:
    copied = Catalogue.model_validate({
        "version": "x", "published_at": "2026-01-01T00:00:00+03:00",
        "categories": [{"code": "tax", "name": {"en": "Tax", "sw": "Tax"}}], "services": []})
    assert [(where, text.en) for where, text in texts(copied)
            if text.sw == text.en and text.en not in SAME_IN_BOTH_LANGUAGES] == \
        [("categories[tax].name", "Tax")]


# --- fields ------------------------------------------------------------------------------------

def test_fields_that_identify_a_person_are_personal(catalogue: Catalogue) -> None:
    unmarked = [(service.code, field.name) for service, field in fields(catalogue)
                if identifies_a_person(field) and not field.personal]
    assert unmarked == []


def test_photos_of_documents_are_personal(catalogue: Catalogue) -> None:
    unmarked = [(service.code, field.name) for service, field in fields(catalogue)
                if field.kind is FieldKind.PHOTO and not field.personal]
    assert unmarked == []


def test_a_lost_id_asks_for_a_photo_of_the_police_abstract(catalogue: Catalogue) -> None:
    service = services_by_code(catalogue)["ID-DUPLICATE"]
    kinds = {field.name: field.kind for field in service.fields}
    assert kinds["police_abstract_photo"] is FieldKind.PHOTO
    assert {choice.value for choice in next(
        field for field in service.fields if field.name == "reason").choices} >= {"lost"}


def test_choice_fields_offer_real_choices(catalogue: Catalogue) -> None:
    for service, field in fields(catalogue):
        where = f"{service.code}.{field.name}"
        if field.kind is FieldKind.CHOICE:
            assert len(field.choices) >= 2, where
            values = [choice.value for choice in field.choices]
            assert len(set(values)) == len(values), where
            assert all(re.fullmatch(r"[a-z][a-z0-9_]*", value) for value in values), where
        else:
            assert field.choices == [], where


def test_county_lists_hold_the_47_counties(catalogue: Catalogue) -> None:
    county_fields = [(service.code, field) for service, field in fields(catalogue)
                     if field.kind is FieldKind.CHOICE
                     and (field.name.startswith("county") or field.name.endswith("_county"))]
    assert len(county_fields) >= 5
    for code, field in county_fields:
        assert len(field.choices) == 47, f"{code}.{field.name}"
    first = [choice.model_dump() for choice in county_fields[0][1].choices]
    for code, field in county_fields[1:]:
        assert [choice.model_dump() for choice in field.choices] == first, code


def test_every_pattern_compiles_and_fits_a_real_answer(catalogue: Catalogue) -> None:
    patterned = {(service.code, field.name): field for service, field in fields(catalogue)
                 if field.pattern is not None}
    assert set(patterned) == set(PATTERN_EXAMPLES), "an example for each patterned field"
    for key, field in patterned.items():
        good, bad = PATTERN_EXAMPLES[key]
        regex = re.compile(field.pattern)
        assert regex.fullmatch(good), (key, good)
        assert not regex.fullmatch(bad), (key, bad)
        if field.min_length is not None:
            assert len(good) >= field.min_length, key
        if field.max_length is not None:
            assert len(good) <= field.max_length, key
        assert field.invalid is not None, f"{key}: a pattern says what a right answer is"


def test_lengths_and_ranges_are_consistent(catalogue: Catalogue) -> None:
    for service, field in fields(catalogue):
        where = f"{service.code}.{field.name}"
        if field.min_length is not None and field.max_length is not None:
            assert field.min_length <= field.max_length, where
        if field.min_value is not None or field.max_value is not None:
            assert field.kind is FieldKind.NUMBER, where
            assert field.min_value <= field.max_value, where


# --- categories and fees -----------------------------------------------------------------------

def test_every_category_used_is_declared_and_every_declared_one_used(
        catalogue: Catalogue) -> None:
    declared = [category.code for category in catalogue.categories]
    assert len(set(declared)) == len(declared)
    used = {service.category for service in catalogue.services}
    assert used - set(declared) == set()
    assert set(declared) - used == set()


def test_fees_are_honest(catalogue: Catalogue) -> None:
    for service in catalogue.services:
        codes = [fee.code for fee in service.fees]
        assert len(set(codes)) == len(codes), service.code
        commission = sum(fee.agent_commission_cents for fee in service.fees)
        for fee in service.fees:
            assert fee.amount_cents >= 0 and fee.agent_commission_cents >= 0, service.code
            assert fee.amount_cents % 100 == 0, f"{service.code}: whole shillings"
            if fee.code == "ecitizen_convenience":
                assert fee.amount_cents == 5_000 and fee.agent_commission_cents == 0
        if service.total_cents > 0:
            assert 3_000 <= commission <= 10_000, f"{service.code}: KES 30 to 100"
        else:
            assert commission <= 2_000, f"{service.code}: a free service pays at most KES 20"


def test_fees_checked_against_published_schedules(catalogue: Catalogue) -> None:
    """The fees that were checked against published eCitizen and gazette figures."""
    totals = {service.code: service.total_cents // 100 for service in catalogue.services}
    assert totals["GOOD-CONDUCT"] == 1_050      # KES 1,000 + KES 50 convenience fee
    assert totals["ID-DUPLICATE"] == 1_050      # KES 1,000 since March 2024 + KES 50
    assert totals["DL-RENEW"] == 3_050          # smart DL, 3 years, KES 3,000 + KES 50
    assert totals["BN-SEARCH"] == 150
    assert totals["BIRTH-CERT-COPY"] == 250     # KES 200 since March 2024 + KES 50
    assert totals["PASSPORT-34"] == 7_550       # KES 7,500 since March 2024 + KES 50
    for free in ("SHA-REGISTER", "NSSF-REGISTER", "KRA-PIN", "POLICE-ABSTRACT",
                 "HELB-COMPLIANCE"):
        assert totals[free] == 0, free


# --- version -----------------------------------------------------------------------------------

def test_the_version_is_the_hash_of_the_content(raw: dict) -> None:
    content = {key: value for key, value in raw.items() if key != "version"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert raw["version"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]
    assert build_version.main([str(SEED), "--check"]) == 0


def test_the_stored_file_is_as_the_build_script_writes_it(raw: dict) -> None:
    assert SEED.read_text(encoding="utf-8") == build_version.dump(raw)


def test_a_change_gives_a_new_version_and_the_script_writes_it(raw: dict, tmp_path: Path) -> None:
    changed = json.loads(json.dumps(raw))
    changed["services"][0]["processing_days"] += 1
    path = tmp_path / "catalogue.json"
    path.write_text(build_version.dump(changed), encoding="utf-8")
    assert build_version.main([str(path), "--check"]) == 1
    assert build_version.main([str(path)]) == 0
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["version"] != raw["version"]
    assert written["version"] == build_version.content_version(written)
    assert build_version.main([str(path), "--check"]) == 0


def test_the_script_refuses_an_invalid_catalogue(raw: dict, tmp_path: Path) -> None:
    broken = json.loads(json.dumps(raw))
    broken["services"][0]["code"] = "not a code"
    path = tmp_path / "catalogue.json"
    path.write_text(build_version.dump(broken), encoding="utf-8")
    with pytest.raises(ValueError):
        build_version.main([str(path)])
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == raw["version"]
