"""The MRZ: the ICAO specimens field by field, every check digit, the TD1 long number rule."""
from __future__ import annotations

import pytest

from drivers.card.emrtd.errors import MrzError
from drivers.card.emrtd.mrz import BacKey, Mrz, check_digit, make_td1, make_td3, parse_mrz

TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<\n"
       "7408122F1204159UTO<<<<<<<<<<<6\n"
       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")


def _replace(text: str, line: int, position: int, char: str) -> str:
    lines = text.split("\n")
    lines[line] = lines[line][:position] + char + lines[line][position + 1:]
    return "\n".join(lines)


def test_check_digit() -> None:
    assert check_digit("L898902C<") == "3"
    assert check_digit("690806") == "1"
    assert check_digit("940623") == "6"
    assert check_digit("D23145890") == "7"
    assert check_digit("") == "0"
    assert check_digit("<<<<") == "0"
    assert check_digit("Z") == "5"            # 35 * 7 = 245
    assert check_digit("A1") == "3"           # 10 * 7 + 1 * 3 = 73
    with pytest.raises(MrzError) as err:
        check_digit("a")
    assert err.value.reason == "charset"


def test_td3_specimen() -> None:
    mrz = parse_mrz(TD3)
    assert mrz == Mrz(format="TD3", document_code="P", issuing_state="UTO",
                      document_number="L898902C3", birth_date="740812", sex="F",
                      expiry_date="120415", nationality="UTO", surname="ERIKSSON",
                      given_names="ANNA MARIA", optional_data="ZE184226B", optional_data_2="")
    assert mrz.bac_key.mrz_information == "L898902C3674081221204159"


def test_td1_specimen() -> None:
    mrz = parse_mrz(TD1)
    assert mrz == Mrz(format="TD1", document_code="I", issuing_state="UTO",
                      document_number="D23145890", birth_date="740812", sex="F",
                      expiry_date="120415", nationality="UTO", surname="ERIKSSON",
                      given_names="ANNA MARIA", optional_data="", optional_data_2="")
    assert mrz.bac_key == BacKey("D23145890", "740812", "120415")


@pytest.mark.parametrize("text", [TD3, TD1])
def test_to_text_rebuilds_the_specimens(text: str) -> None:
    assert parse_mrz(text).to_text() == text


def test_surrounding_whitespace_and_crlf_are_tolerated() -> None:
    assert parse_mrz("  \r\n" + TD1.replace("\n", "\r\n") + "\r\n ") == parse_mrz(TD1)
    assert parse_mrz(TD3.replace("\n", "")) == parse_mrz(TD3)


@pytest.mark.parametrize("line, position, reason", [
    (1, 9, "check_digit:document_number"),
    (1, 19, "check_digit:birth_date"),
    (1, 27, "check_digit:expiry_date"),
    (1, 42, "check_digit:optional_data"),
    (1, 43, "check_digit:composite"),
])
def test_td3_wrong_check_digit(line: int, position: int, reason: str) -> None:
    wrong = str((int(TD3.split("\n")[line][position]) + 1) % 10)
    with pytest.raises(MrzError) as err:
        parse_mrz(_replace(TD3, line, position, wrong))
    assert err.value.reason == reason


@pytest.mark.parametrize("line, position, reason", [
    (0, 14, "check_digit:document_number"),
    (1, 6, "check_digit:birth_date"),
    (1, 14, "check_digit:expiry_date"),
    (1, 29, "check_digit:composite"),
])
def test_td1_wrong_check_digit(line: int, position: int, reason: str) -> None:
    wrong = str((int(TD1.split("\n")[line][position]) + 1) % 10)
    with pytest.raises(MrzError) as err:
        parse_mrz(_replace(TD1, line, position, wrong))
    assert err.value.reason == reason


def test_composite_catches_a_change_in_covered_optional_data() -> None:
    with pytest.raises(MrzError) as err:
        parse_mrz(_replace(TD1, 1, 20, "X"))      # TD1 optional data 2, no own check digit
    assert err.value.reason == "check_digit:composite"


@pytest.mark.parametrize("text", [
    TD3[:-1],
    TD3 + "<",
    TD1.rsplit("\n", 1)[0],
    TD1 + "\n" + "<" * 30,
    "",
    TD3.split("\n")[0] + "\n" + TD1.split("\n")[1],
])
def test_wrong_length(text: str) -> None:
    with pytest.raises(MrzError) as err:
        parse_mrz(text)
    assert err.value.reason == "length"


@pytest.mark.parametrize("text", [TD3.lower(), _replace(TD3, 0, 10, "-"), _replace(TD1, 2, 5, " ")])
def test_wrong_charset(text: str) -> None:
    with pytest.raises(MrzError) as err:
        parse_mrz(text)
    assert err.value.reason == "charset"


def test_wrong_format() -> None:
    with pytest.raises(MrzError) as err:
        parse_mrz(_replace(TD3, 0, 0, "I"))       # a 2 x 44 MRZ that is no passport
    assert err.value.reason == "format"
    with pytest.raises(MrzError) as err:
        parse_mrz(_replace(TD3, 1, 20, "Q"))      # sex
    assert err.value.reason == "format"


def test_invalid_dates_with_good_check_digits() -> None:
    text = make_td3(issuing_state="UTO", document_number="L898902C3", birth_date="740812",
                    sex="F", expiry_date="120415", nationality="UTO", surname="ERIKSSON",
                    given_names="ANNA MARIA")
    bad_birth = _replace(_replace(text, 1, 15, "1"), 1, 16, "3")        # 741312
    lines = bad_birth.split("\n")
    lines[1] = _fix_td3_digits(lines[1])
    with pytest.raises(MrzError) as err:
        parse_mrz("\n".join(lines))
    assert err.value.reason == "date:birth_date"
    bad_expiry = _replace(_replace(text, 1, 25, "3"), 1, 26, "2")       # 120432
    lines = bad_expiry.split("\n")
    lines[1] = _fix_td3_digits(lines[1])
    with pytest.raises(MrzError) as err:
        parse_mrz("\n".join(lines))
    assert err.value.reason == "date:expiry_date"


def _fix_td3_digits(line: str) -> str:
    line = line[:19] + check_digit(line[13:19]) + line[20:]
    line = line[:27] + check_digit(line[21:27]) + line[28:]
    return line[:43] + check_digit(line[0:10] + line[13:20] + line[21:43])


def test_td1_long_document_number_round_trips() -> None:
    text = make_td1(issuing_state="KEN", document_number="AB1234567890", birth_date="920229",
                    sex="M", expiry_date="301231", nationality="KEN", surname="OTIENO",
                    given_names="BRIAN OCHIENG")
    line1 = text.split("\n")[0]
    assert line1 == "I<KENAB1234567<8904<<<<<<<<<<<"
    mrz = parse_mrz(text)
    assert mrz.document_number == "AB1234567890"
    assert mrz.optional_data == ""
    assert mrz.to_text() == text
    assert mrz.bac_key.mrz_information == (
        "AB12345678904" "9202298" "3012316")


def test_td1_long_document_number_with_optional_data() -> None:
    text = make_td1(issuing_state="KEN", document_number="AB1234567890", birth_date="900101",
                    sex="F", expiry_date="301231", nationality="KEN", surname="WANJIKU",
                    given_names="", optional_data="X12")
    assert text.split("\n")[0][15:30] == "8904<X12<<<<<<<"
    mrz = parse_mrz(text)
    assert (mrz.document_number, mrz.optional_data, mrz.given_names) == ("AB1234567890", "X12", "")
    assert mrz.to_text() == text


def test_td1_long_document_number_with_wrong_check_digit() -> None:
    text = make_td1(issuing_state="KEN", document_number="AB1234567890", birth_date="900101",
                    sex="F", expiry_date="301231", nationality="KEN", surname="WANJIKU",
                    given_names="")
    digit = text[18]
    with pytest.raises(MrzError) as err:
        parse_mrz(text[:18] + str((int(digit) + 1) % 10) + text[19:])
    assert err.value.reason == "check_digit:document_number"


def test_names_are_cut_to_fit() -> None:
    text = make_td1(issuing_state="KEN", document_number="123456789", birth_date="900101",
                    sex="F", expiry_date="301231", nationality="KEN",
                    surname="WANJIKU-MWANGI", given_names="GRACE NJERI WAMBUI")
    assert text.split("\n")[2] == "WANJIKU<MWANGI<<GRACE<NJERI<WA"
    mrz = parse_mrz(text)
    assert (mrz.surname, mrz.given_names) == ("WANJIKU MWANGI", "GRACE NJERI WA")


def test_to_text_rejects_fields_that_do_not_fit() -> None:
    fields = dict(issuing_state="KEN", document_number="123456789", birth_date="900101",
                  sex="F", expiry_date="301231", nationality="KEN", surname="A", given_names="B")
    with pytest.raises(MrzError) as err:
        make_td3(**{**fields, "document_number": "1234567890"})
    assert err.value.reason == "length"
    with pytest.raises(MrzError) as err:
        make_td3(**{**fields, "surname": "MÜLLER"})
    assert err.value.reason == "charset"
    with pytest.raises(MrzError) as err:
        make_td3(**{**fields, "birth_date": "900230"})
    assert err.value.reason == "date:birth_date"


def test_bac_key_from_typed() -> None:
    key = BacKey.from_typed(" l898902c ", "690806", "940623")
    assert key.mrz_information == "L898902C<369080619406236"
    assert BacKey.from_typed("l898-902 c", "69-08-06", " 940623 ") == key
    assert key == BacKey("L898902C<", "690806", "940623")


@pytest.mark.parametrize("birth, expiry, reason", [
    ("691306", "940623", "date:birth_date"),
    ("690832", "940623", "date:birth_date"),
    ("6908", "940623", "date:birth_date"),
    ("69O806", "940623", "date:birth_date"),
    ("690806", "940229", "date:expiry_date"),
    ("690806", "9406231", "date:expiry_date"),
])
def test_bac_key_invalid_dates(birth: str, expiry: str, reason: str) -> None:
    with pytest.raises(MrzError) as err:
        BacKey("L898902C", birth, expiry)
    assert err.value.reason == reason
    assert "690806" not in str(err.value) and "L898902C" not in str(err.value)


def test_bac_key_leap_day_and_document_number_rules() -> None:
    assert BacKey("X", "000229", "240229").mrz_information == "X<<<<<<<<1" "0002299" "2402295"
    with pytest.raises(MrzError) as err:
        BacKey("  <<< ", "690806", "940623")
    assert err.value.reason == "format"
    with pytest.raises(MrzError) as err:
        BacKey("L8989/02C", "690806", "940623")
    assert err.value.reason == "charset"


def test_repr_shows_no_personal_data() -> None:
    mrz = parse_mrz(TD3)
    assert repr(mrz) == "Mrz(format='TD3', document_code='P', issuing_state='UTO')"
    assert repr(mrz.bac_key) == "BacKey()"
    for secret in ("ERIKSSON", "ANNA", "L898902C3", "740812", "120415", "ZE184226B"):
        assert secret not in repr(mrz)
