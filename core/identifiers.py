"""Italian identifiers: codice fiscale and partita IVA, normalised and checked with
python-stdnum, in one place for registration, "Aggancio servizi", the feed and every page that
shows them.

`compact_*` only normalise (spaces, dots, an "IT" prefix, case) and never raise: for lookups.
`clean_*` normalise and check, raising ValidationError with an Italian message meant to sit
next to the field. `mask_codice_fiscale` is how a codice fiscale is shown to a customer.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale, iva


def compact_codice_fiscale(value):
    """Upper case, without spaces or separators: RSS MRA 85T10 A562S -> RSSMRA85T10A562S."""
    value = (value or "").strip().upper()
    return value if value.isalnum() else codicefiscale.compact(value)


def compact_partita_iva(value):
    """Digits only, without spaces or an "IT" prefix: IT 012 345 600 25 -> 01234560025."""
    value = (value or "").strip()
    return value if value.isdigit() else iva.compact(value)


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


def mask_codice_fiscale(value):
    """RSSMRA85T10A562S -> RSS*********562S: enough to recognise it, not to reuse it. The one
    way a codice fiscale is shown to a customer (template filter `mask_cf`)."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
