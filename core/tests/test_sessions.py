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


def test_each_request_gets_its_own_copy_of_a_decoded_session():
    key = _saved(colour="blu", n=3)
    first = SessionStore(key)
    first["colour"] = "rosso"  # changed in one request, not saved
    second = SessionStore(key)
    assert second["colour"] == "blu"


def test_a_session_changed_elsewhere_is_read_as_changed():
    key = _saved(colour="blu")
    assert SessionStore(key)["colour"] == "blu"
    other = SessionStore(key)
    other["colour"] = "verde"
    other.save()
    assert SessionStore(key)["colour"] == "verde"


def test_a_session_holding_a_list_is_decoded_each_time():
    from core import sessions

    key = _saved(items=["a"])
    data = Session.objects.get(session_key=key).session_data
    first = SessionStore(key)
    first["items"].append("b")
    assert SessionStore(key)["items"] == ["a"]
    assert data not in sessions._DECODED


def test_a_tampered_session_is_empty_and_not_kept():
    from core import sessions

    key = _saved(colour="blu")
    row = Session.objects.get(session_key=key)
    tampered = row.session_data[:-2] + ("AA" if not row.session_data.endswith("AA") else "BB")
    Session.objects.filter(session_key=key).update(session_data=tampered)
    assert "colour" not in SessionStore(key)
    assert tampered not in sessions._DECODED


def test_a_new_secret_key_forgets_what_was_decoded(settings):
    key = _saved(colour="blu")
    assert SessionStore(key)["colour"] == "blu"
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert "colour" not in SessionStore(key)  # signed with the old key: no session
