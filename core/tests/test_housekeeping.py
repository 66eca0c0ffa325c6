""" "Sessioni aperte" shows live sessions only, and `housekeeping` prunes the rest daily."""

import datetime

from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from accounts import selectors
from accounts.models import UserSession
from core.cache import TABLE
from core.signals import housekeeping


def _log_in(user, ip):
    browser = Client(
        REMOTE_ADDR=ip, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
    )
    browser.force_login(user)
    return browser, browser.session.session_key


def _expire(session_key):
    Session.objects.filter(session_key=session_key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )


def test_sessions_list_shows_only_live_sessions(alice, django_assert_num_queries):
    browser, current = _log_in(alice, "198.51.100.1")
    _, expired = _log_in(alice, "198.51.100.2")
    _, ended = _log_in(alice, "198.51.100.3")
    _expire(expired)
    Session.objects.filter(session_key=ended).delete()  # a row left behind by a crash
    assert UserSession.objects.filter(user=alice).count() == 3

    with django_assert_num_queries(1):
        keys = [row.session_key for row in selectors.sessions_of(alice)]
    assert keys == [current]
    html = browser.get("/profilo/attivita/").content.decode()
    assert "questa sessione" in html
    assert 'name="session"' not in html  # no "Chiudi" for sessions that are over
    assert "Chiudi tutte le altre sessioni" not in html


def test_housekeeping_prunes_sessions_their_rows_and_expired_cache_entries(alice, bob, db):
    _, live = _log_in(alice, "198.51.100.1")
    _, expired = _log_in(alice, "198.51.100.2")
    _, bobs = _log_in(bob, "198.51.100.3")
    _expire(expired)
    Session.objects.filter(session_key=bobs).delete()

    with override_settings(
        CACHES={"default": {"BACKEND": "core.cache.DatabaseCache", "LOCATION": TABLE}}
    ):
        cache = caches["default"]
        cache.set("fresh", 1, 3600)
        cache.set("stale", 1, 1)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE sportello_cache SET expires = %s WHERE cache_key = %s",
                [
                    connection.ops.adapt_datetimefield_value(
                        timezone.now() - datetime.timedelta(minutes=1)
                    ),
                    ":1:stale",
                ],
            )
        call_command("housekeeping", verbosity=0)

        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key FROM sportello_cache")
            assert [row[0] for row in cursor.fetchall()] == [":1:fresh"]

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [live]


def test_housekeeping_lets_apps_add_their_daily_work(db, capsys):
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs["verbosity"])
        return 7

    housekeeping.connect(receiver)
    try:
        call_command("housekeeping")
    finally:
        housekeeping.disconnect(receiver)
    assert calls == [1]
    assert "receiver: 7 deleted" in capsys.readouterr().out
