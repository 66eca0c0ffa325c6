import string
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.it import codicefiscale, iva

from accounts import validators
from core import identifiers

from .helpers import CF_MARIO, CF_MARIO_OMOCODIC, PIVA_ACME, omocodic, with_check_char

MONTH_LETTERS = "ABCDEHLMPRST"
MUNICIPALITIES = ("A562", "H501", "L736", "F205", "G224", "D969", "Z404")
ALPHANUMERIC = string.ascii_uppercase + string.digits

# stdnum reads the two-digit year as 1920-2019: stay inside it so the date is the one meant.
birth_dates = st.dates(min_value=date(1920, 1, 1), max_value=date(2019, 12, 31))
letters3 = st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3)


@st.composite
def codici_fiscali(draw):
    """A person's codice fiscale built field by field, sometimes an omocodic variant."""
    born = draw(birth_dates)
    woman = draw(st.booleans())
    first15 = (
        draw(letters3)
        + draw(letters3)
        + f"{born.year % 100:02d}"
        + MONTH_LETTERS[born.month - 1]
        + f"{born.day + (40 if woman else 0):02d}"
        + draw(st.sampled_from(MUNICIPALITIES))
    )
    return omocodic(with_check_char(first15), draw(st.integers(min_value=0, max_value=7)))


@st.composite
def partite_iva(draw):
    """7 digits (not all zero), a provincial office code 001-100, the Luhn check digit."""
    first10 = f"{draw(st.integers(1, 9_999_999)):07d}{draw(st.integers(1, 100)):03d}"
    return first10 + luhn.calc_check_digit(first10)


def spaced(value, data):
    """`value` in lower case with spaces where a person typing might put them."""
    cuts = sorted(data.draw(st.sets(st.integers(0, len(value)), max_size=4)))
    parts, start = [], 0
    for cut in cuts:
        parts.append(value[start:cut])
        start = cut
    parts.append(value[start:])
    return " " + " ".join(parts).lower() + " "


def one_character_corruptions(value, alphabet):
    for position, original in enumerate(value):
        for replacement in alphabet:
            if replacement != original:
                yield value[:position] + replacement + value[position + 1 :]


# --- codice fiscale --------------------------------------------------------------------------


@given(cf=codici_fiscali(), data=st.data())
@example(cf=CF_MARIO, data=None)
@example(cf=CF_MARIO_OMOCODIC, data=None)
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_every_valid_codice_fiscale_is_accepted_and_normalised(cf, data):
    assert codicefiscale.is_valid(cf), "the generator builds valid codes"
    assert identifiers.clean_codice_fiscale(cf) == cf
    assert identifiers.clean_codice_fiscale(cf.lower()) == cf
    if data is not None:
        assert identifiers.clean_codice_fiscale(spaced(cf, data)) == cf


@given(cf=codici_fiscali())
@example(cf=CF_MARIO_OMOCODIC)
@settings(max_examples=40, deadline=None)
def test_every_one_character_corruption_of_a_codice_fiscale_is_refused(cf):
    refused = 0
    for corrupted in one_character_corruptions(cf, ALPHANUMERIC):
        if codicefiscale.is_valid(corrupted):
            continue  # e.g. a digit swapped for its omocodic letter and a matching check
        with pytest.raises(ValidationError):
            identifiers.clean_codice_fiscale(corrupted)
        refused += 1
    assert refused > 14 * 35, "nearly every corruption breaks the code"


def test_omocodic_variants_of_one_code_are_all_accepted():
    variants = [omocodic(CF_MARIO, level) for level in range(8)]
    assert len(set(variants)) == 8
    assert variants[7] == with_check_char("RSSMRAURTMLARSN")
    for variant in variants:
        assert identifiers.clean_codice_fiscale(variant) == variant


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "length"),
        ("RSSMRA85T10A562", "length"),
        ("RSSMRA85T10A562SX", "length"),
        ("RSSMRA85T10A562A", "invalid"),  # wrong check character
        ("RSSMRA85T32A562S", "invalid"),  # 32nd of December
        ("RSSMRA85Z10A562S", "invalid"),  # Z is no month
        ("12345678901", "length"),  # a company's numeric code needs allow_company
    ],
)
def test_wrong_codici_fiscali_are_refused_in_italian(value, code):
    with pytest.raises(ValidationError) as raised:
        identifiers.clean_codice_fiscale(value)
    assert raised.value.code == code
    assert "codice fiscale" in raised.value.messages[0].lower()


def test_a_company_may_give_its_numeric_codice_fiscale():
    assert identifiers.clean_codice_fiscale(PIVA_ACME, allow_company=True) == PIVA_ACME
    with pytest.raises(ValidationError) as raised:
        identifiers.clean_codice_fiscale(PIVA_ACME[:-1] + "0", allow_company=True)
    assert "11 cifre" in raised.value.messages[0]


def test_codice_fiscale_is_masked_for_display():
    assert identifiers.mask_codice_fiscale("RSSMRA85T10A562S") == "RSS*********562S"
    assert identifiers.mask_codice_fiscale("") == ""


# --- partita IVA -----------------------------------------------------------------------------


@given(piva=partite_iva(), data=st.data())
@example(piva=PIVA_ACME, data=None)
@settings(max_examples=150)
def test_every_valid_partita_iva_is_accepted_and_normalised(piva, data):
    assert iva.is_valid(piva), "the generator builds valid numbers"
    assert identifiers.clean_partita_iva(piva) == piva
    if data is not None:
        assert identifiers.clean_partita_iva(spaced(piva, data)) == piva


@given(piva=partite_iva())
@settings(max_examples=100)
def test_every_one_character_corruption_of_a_partita_iva_is_refused(piva):
    refused = 0
    for corrupted in one_character_corruptions(piva, string.digits):
        if iva.is_valid(corrupted):
            continue
        with pytest.raises(ValidationError):
            identifiers.clean_partita_iva(corrupted)
        refused += 1
    # Luhn catches every single changed digit, so none of the 99 corruptions is valid.
    assert refused == 11 * 9


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1234567890", "11 cifre"),  # the leading zero forgotten
        ("0765432002A", "11 cifre"),
        ("07654320023", "non è valida"),  # check digit
        ("00000000000", "non è valida"),
        ("07654321011", "non è valida"),  # office 101 does not exist
    ],
)
def test_wrong_partite_iva_are_refused_in_italian(value, message):
    with pytest.raises(ValidationError) as raised:
        identifiers.clean_partita_iva(value)
    assert message in raised.value.messages[0]


# --- username --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username", ["mario.rossi", "d'annunzio", "anna-maria_2", "Zoë", "ÉLISE", "utente42"]
)
def test_usernames_the_guide_allows(username):
    assert validators.clean_username(username) == username


@pytest.mark.parametrize("username", ["mario rossi", "mario!", "mario@rossi", "a/b", "x;y", ""])
def test_usernames_with_other_punctuation_or_spaces_are_refused(username):
    with pytest.raises(ValidationError) as raised:
        validators.clean_username(username)
    assert "senza spazi" in raised.value.messages[0]


# --- phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("049 123 4567", "+390491234567"),
        ("06 1234 5678", "+390612345678"),
        ("+39 02 1234 5678", "+390212345678"),
        ("0039 049 8765432", "+390498765432"),
    ],
)
def test_landlines_are_accepted_in_e164(value, expected):
    assert validators.clean_landline(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("347 123 4567", "+393471234567"),
        ("+39 333 765 4321", "+393337654321"),
        ("3201234567", "+393201234567"),
    ],
)
def test_mobiles_are_accepted_in_e164(value, expected):
    assert validators.clean_mobile(value) == expected


@pytest.mark.parametrize("value", ["347 123 4567", "800 000 000", "12", "telefono"])
def test_a_mobile_or_toll_free_number_is_no_landline(value):
    with pytest.raises(ValidationError) as raised:
        validators.clean_landline(value)
    assert "telefono fisso" in raised.value.messages[0]


@pytest.mark.parametrize("value", ["049 123 4567", "800 000 000", "347", "cellulare"])
def test_a_landline_is_no_mobile(value):
    with pytest.raises(ValidationError) as raised:
        validators.clean_mobile(value)
    assert "cellulare" in raised.value.messages[0]


def test_phones_are_shown_in_the_national_format():
    assert validators.format_phone("+390491234567") == "049 123 4567"
    assert validators.format_phone("+393471234567") == "347 123 4567"
    assert validators.format_phone("") == ""
