"""Usernames and phone numbers (codice fiscale and partita IVA: core.identifiers).

Each `clean_*` returns the normalised value or raises ValidationError with an Italian message
meant to sit next to the field.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Letters (any alphabet), digits, dots, hyphens, apostrophes and underscores (the guide).
USERNAME_RE = re.compile(r"^[\w.'\-]+$")


def clean_username(value):
    value = value.strip()
    if not USERNAME_RE.fullmatch(value):
        raise ValidationError(
            _(
                "Il nome utente può contenere solo lettere, cifre, punti, trattini, apostrofi "
                "e underscore, senza spazi."
            ),
            code="invalid",
        )
    return value


_LANDLINE = {phonenumbers.PhoneNumberType.FIXED_LINE}
_MOBILE = {phonenumbers.PhoneNumberType.MOBILE}
_EITHER = {phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _clean_phone(value, allowed, message):
    try:
        number = phonenumbers.parse(value, "IT")
    except phonenumbers.NumberParseException:
        raise ValidationError(message, code="invalid") from None
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.number_type(number) not in allowed | _EITHER
    ):
        raise ValidationError(message, code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_landline(value):
    return _clean_phone(
        value,
        _LANDLINE,
        _("Inserisci un numero di telefono fisso valido, per esempio 049 123 4567."),
    )


def clean_mobile(value):
    return _clean_phone(
        value,
        _MOBILE,
        _("Inserisci un numero di cellulare valido, per esempio 347 123 4567."),
    )


def format_phone(e164):
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "IT")
    if number.country_code == 39:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
