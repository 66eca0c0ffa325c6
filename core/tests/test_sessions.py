from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved(**data):
    store = SessionStore()
    store.update(data)
    store.save()
    return store.session_key


def test_a_saved_session_reads_back():
    key = _saved(colour="blu", n=3)
    store = SessionStore(key)
    assert store["colour"] == "blu" and store["n"] == 3
    assert store.session_key == key


def test_an_expired_session_is_no_session():
    key = _saved(colour="blu")
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    store = SessionStore(key)
    assert "colour" not in store
    assert store.session_key is None  # a new key is made on save, never the old one


@pytest.mark.parametrize("key", ["nonexistent-key-0123456789abcdef", "short", "", None])
def test_an_unknown_or_malformed_key_is_no_session(key):
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


def test_a_deleted_session_is_gone_at_once():
    key = _saved(colour="blu")
    SessionStore(key).delete()
    assert SessionStore(key).load() == {}
