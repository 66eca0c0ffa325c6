"""core.middleware.ResolvedUserMiddleware: views see the user itself, not two lazy proxies,
and django-otp's verification state is on it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils.functional import LazyObject, SimpleLazyObject

from core.middleware import ResolvedUserMiddleware

pytestmark = pytest.mark.django_db


def test_nested_lazy_users_are_resolved_once(alice):
    reads = []

    def load():
        reads.append(1)
        alice.is_verified = lambda: False
        return alice

    inner = SimpleLazyObject(load)
    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(lambda: inner)
    seen = []
    ResolvedUserMiddleware(lambda r: seen.append(r.user))(request)
    assert seen == [alice] and not isinstance(seen[0], LazyObject)
    assert reads == [1]
    assert seen[0].is_verified() is False


def test_anonymous_and_missing_users_pass_through():
    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(AnonymousUser)
    ResolvedUserMiddleware(lambda r: None)(request)
    assert isinstance(request.user, AnonymousUser)
    bare = RequestFactory().get("/")
    ResolvedUserMiddleware(lambda r: None)(bare)
    assert not hasattr(bare, "user")


def test_views_get_the_user_itself(client, alice):
    client.force_login(alice)
    response = client.get("/")
    user = response.wsgi_request.user
    assert type(user) is type(alice) and user.pk == alice.pk
    assert user.is_verified() is False  # django-otp's state, set while it was resolved
