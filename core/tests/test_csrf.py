"""core.csrf: Django's CSRF token, masked faster; Django's middleware accepts it."""

import re
from collections import Counter

import pytest
from django.middleware import csrf as django_csrf
from django.test import Client, RequestFactory

from core.csrf import get_token, mask

SECRET = "Qqj98H4XQSQPSf6R3mtSvxKsG2ZnKmAU"


def _request(secret=SECRET):
    request = RequestFactory().get("/")
    if secret is not None:
        request.META["CSRF_COOKIE"] = secret
    return request


def test_the_token_unmasks_to_the_secret_and_renews_the_cookie():
    request = _request()
    token = get_token(request)
    assert len(token) == django_csrf.CSRF_TOKEN_LENGTH
    assert set(token) <= set(django_csrf.CSRF_ALLOWED_CHARS)
    assert django_csrf._unmask_cipher_token(token) == SECRET
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def test_every_token_has_a_fresh_mask():
    tokens = {mask(SECRET) for _ in range(200)}
    assert len(tokens) == 200
    assert {django_csrf._unmask_cipher_token(t) for t in tokens} == {SECRET}


def test_the_mask_characters_are_spread_over_the_whole_alphabet():
    seen = Counter("".join(mask(SECRET)[:32] for _ in range(2000)))  # 64,000 characters
    assert set(seen) == set(django_csrf.CSRF_ALLOWED_CHARS)
    expected = 64_000 / 62  # about 1,032 each; a byte folded modulo 62 would favour 8 of them
    assert all(0.8 * expected < n < 1.2 * expected for n in seen.values())


def test_without_a_secret_django_makes_one():
    request = _request(None)
    token = get_token(request)
    new = request.META["CSRF_COOKIE"]
    assert len(new) == django_csrf.CSRF_SECRET_LENGTH
    assert django_csrf._unmask_cipher_token(token) == new


@pytest.mark.django_db
def test_the_forms_token_passes_django_csrf_check(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get("/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post("/esci/", {"csrfmiddlewaretoken": token}).status_code == 302
    client.force_login(alice)
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert client.post("/esci/", {"csrfmiddlewaretoken": forged}).status_code == 403
