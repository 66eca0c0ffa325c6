"""The CSRF token a page puts in its forms: Django's, masked with one call to os.urandom.

Every signed-in page carries a form ("Esci"), so every one of them masks the CSRF secret.
Django's get_token() draws the 32 characters of the mask one by one through
secrets.choice(), about 40 µs on this machine, a tenth of the logged-in home's own time
(docs/performance.md). `get_token()` here does what Django's does (the same secret from
the request, the same flag that renews the cookie, the same token format: a fresh random mask
followed by the secret enciphered with it, which Django's CsrfViewMiddleware unmasks), with
the mask drawn from os.urandom, the source secrets.choice() reads too, at once. Each mask
character is one byte below 248 taken modulo 62: 248 is 4 × 62, so every character is
equally likely (the bytes at or above 248 are dropped, not folded).

`csrf` is the template context processor that gives templates this token as `csrf_token`
(listed after Django's built-in one, so it replaces it).
"""

import os

from django.middleware import csrf as django_csrf
from django.utils.functional import SimpleLazyObject

_CHARS = django_csrf.CSRF_ALLOWED_CHARS
_SIZE = len(_CHARS)
_LIMIT = 256 - 256 % _SIZE  # 248: the bytes that map evenly onto the characters
_INDEX = {char: i for i, char in enumerate(_CHARS)}


def _mask_indexes(length):
    picks = []
    while len(picks) < length:
        picks += [byte % _SIZE for byte in os.urandom(length + 8) if byte < _LIMIT]
    return picks[:length]


def mask(secret):
    """Django's _mask_cipher_secret(secret): mask + the secret shifted by the mask."""
    picks = _mask_indexes(len(secret))
    chars, index = _CHARS, _INDEX
    return "".join([chars[p] for p in picks]) + "".join(
        [chars[(index[c] + p) % _SIZE] for c, p in zip(secret, picks, strict=True)]
    )


def get_token(request):
    """django.middleware.csrf.get_token(request), faster."""
    # CsrfViewMiddleware puts only a checked secret there (32 allowed characters).
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        return django_csrf.get_token(request)  # a new secret: Django makes and stores it
    # As Django does: the cookie is sent again (its expiry renewed) since the page uses it.
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    return mask(secret)


def csrf(request):
    """Context processor: `csrf_token`, lazily, as Django's built-in one gives it."""
    return {"csrf_token": SimpleLazyObject(lambda: get_token(request))}
