"""Italian identifiers and contact data, checked with python-stdnum and phonenumbers.

Each `clean_*` returns the normalised value or raises ValidationError with an Italian message
meant to sit next to the field.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale, iva

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


def clean_codice_fiscale(value, *, allow_company=False):
    """A person's 16-character codice fiscale (omocodic variants accepted); with
    `allow_company`, also a company's 11-digit one."""
    compact = codicefiscale.compact(value or "")
    if allow_company and compact.isdigit() and len(compact) == 11:
        try:
            return iva.validate(compact)
        except StdnumError:
            raise ValidationError(
                _("Il codice fiscale numerico non è valido: controlla le 11 cifre."),
                code="invalid",
            ) from None
    if len(compact) != 16:
        raise ValidationError(
            _("Il codice fiscale deve avere 16 caratteri (lettere e cifre)."), code="length"
        )
    try:
        return codicefiscale.validate(compact)
    except StdnumError:
        raise ValidationError(
            _("Il codice fiscale non è valido: controlla di averlo scritto correttamente."),
            code="invalid",
        ) from None


def clean_partita_iva(value):
    compact = iva.compact(value or "")
    if not (compact.isdigit() and len(compact) == 11):
        raise ValidationError(
            _('La partita IVA ha 11 cifre: digitale tutte, compresi gli "0" iniziali.'),
            code="length",
        )
    try:
        return iva.validate(compact)
    except StdnumError:
        raise ValidationError(
            _("La partita IVA non è valida: controlla di averla scritta correttamente."),
            code="invalid",
        ) from None


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


def mask_codice_fiscale(value):
    """RSSMRA85T10A562S -> RSS*********562S: enough to recognise it, not to reuse it."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
