"""pagoPA payment notices ("avviso di pagamento"): the notice number's check digits and the QR
code printed on the notice, so a bill can be paid at any pagoPA channel or app.

The notice number (numero avviso, 18 digits) is `<aux digit><17 digits>`. With aux digit 0
(`<application code 2n><IUV base 13n><check 2n>`) and 3 (`<segregation code 2n><IUV base
13n><check 2n>`) the last two digits are the remainder of the division by 93 of the number
made of every digit before them (pagoPA, "Specifiche attuative dei codici identificativi di
versamento", numero avviso); aux digits 1 and 2 carry no check digits.

The QR code encodes `PAGOPA|002|<notice number>|<creditor's fiscal code, 11 digits>|<amount
in euro cents>` (pagoPA's "avviso di pagamento", QR code version 002).
"""

import functools
import re

import segno

NOTICE_RE = re.compile(r"[0-3]\d{17}")
FISCAL_CODE_RE = re.compile(r"\d{11}")


class InvalidNotice(ValueError):
    pass


def check_digits(prefix):
    """The two check digits of a notice number whose first 16 digits are `prefix`."""
    return f"{int(prefix) % 93:02d}"


def validate_notice(value):
    """Raise InvalidNotice (its message says why, in English for logs) unless `value` is a
    well-formed notice number with the right check digits."""
    if not NOTICE_RE.fullmatch(value):
        raise InvalidNotice("18 digits, the first one 0, 1, 2 or 3")
    if value[0] in "03" and value[16:] != check_digits(value[:16]):
        raise InvalidNotice("check digits")
    return value


def qr_payload(*, notice, creditor_fiscal_code, amount_cents):
    if not FISCAL_CODE_RE.fullmatch(creditor_fiscal_code):
        raise ValueError("the creditor's fiscal code must be 11 digits")
    if amount_cents <= 0:
        raise ValueError("a pagoPA notice is for a positive amount")
    return f"PAGOPA|002|{validate_notice(notice)}|{creditor_fiscal_code}|{amount_cents}"


@functools.lru_cache(maxsize=256)
def qr_svg(payload):
    """The QR code of `payload` as an inline SVG element (no XML declaration, no inline
    style: the page's CSP forbids styles), sized by the page's CSS."""
    qr = segno.make(payload, error="m", micro=False)
    return qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", omitsize=True)


def format_notice(value):
    """The notice number in groups of four, as pagoPA prints it: 3021 2345 6789 0123 45."""
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
