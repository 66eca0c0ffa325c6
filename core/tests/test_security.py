import datetime
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import audit
from core.middleware import LOGIN_AT_KEY, SessionRefreshMiddleware
from core.models import AuditEvent


def test_security_headers_on_every_page(client, db):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_anonymous_pages_may_be_cached_but_authenticated_ones_never(client, alice):
    assert "no-store" not in client.get("/").get("Cache-Control", "")
    client.force_login(alice)
    cache_control = client.get("/")["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control


def test_session_idle_timeout_is_thirty_minutes():
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    # Not a write per request: SessionRefreshMiddleware saves at most once a minute.
    assert not django_settings.SESSION_SAVE_EVERY_REQUEST
    # In the database (core.sessions reads it with one plain statement): a logout holds on
    # every worker at once.
    assert django_settings.SESSION_ENGINE == "core.sessions"
    from django.contrib.sessions.backends import db

    from core.sessions import SessionStore

    assert issubclass(SessionStore, db.SessionStore)


def _session_updates(queries):
    return [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]
    ]


def test_a_burst_of_requests_within_a_minute_writes_the_session_once(client, alice):
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert client.get("/").status_code == 200
    assert len(_session_updates(queries.captured_queries)) == 1


def test_the_session_is_refreshed_again_after_a_minute(client, alice, monkeypatch):
    client.force_login(alice)
    client.get("/")
    expiry = Session.objects.get(session_key=client.session.session_key).expire_date
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + SessionRefreshMiddleware.EVERY + 1)
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert len(_session_updates(queries.captured_queries)) == 1
    assert Session.objects.get(session_key=client.session.session_key).expire_date >= expiry


def test_the_idle_timeout_still_ends_the_session(client, alice):
    client.force_login(alice)
    assert "Alice Rossi" in client.get("/").content.decode()
    # Thirty idle minutes later the stored session has expired: the next request is anonymous.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    html = client.get("/").content.decode()
    assert "Alice Rossi" not in html
    assert ">Accedi<" in html


def test_the_refresh_moves_the_expiry_thirty_minutes_ahead(client, alice):
    client.force_login(alice)
    session = client.session
    session[SessionRefreshMiddleware.KEY] = time.time() - SessionRefreshMiddleware.EVERY - 1
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=5)
    )
    client.get("/")
    expiry = Session.objects.get(session_key=client.session.session_key).expire_date
    assert expiry > timezone.now() + datetime.timedelta(minutes=29)


def test_session_ends_after_24_hours_whatever_the_activity(client, alice):
    client.force_login(alice)
    assert "Alice Rossi" in client.get("/").content.decode()
    session = client.session
    session[LOGIN_AT_KEY] = time.time() - 24 * 3600 - 1
    session.save()
    response = client.get("/")
    html = response.content.decode()
    assert "Alice Rossi" not in html
    assert "La sessione è scaduta" in html


def test_login_gives_a_new_session_id(client, alice):
    client.get("/accedi/")
    client.session.save()
    before = client.session.session_key
    client.post("/accedi/", {"username": "alice", "password": "Alice-demo-2026!"})
    assert client.session.session_key != before
    assert client.session[LOGIN_AT_KEY] > time.time() - 60


def test_password_hasher_is_argon2(alice):
    assert alice.password.startswith("argon2")


def test_audit_events_cannot_be_changed_or_deleted(db, diana):
    event = audit.record(actor=diana, action="test.action", note="x")
    event.action = "other"
    with pytest.raises(Exception, match="cannot be changed"):
        event.save()
    with pytest.raises(Exception, match="cannot be deleted"):
        event.delete()
    with pytest.raises(Exception, match="cannot be changed"):
        AuditEvent.objects.update(action="other")
    with pytest.raises(Exception, match="cannot be deleted"):
        AuditEvent.objects.all().delete()


def test_database_refuses_audit_changes_on_postgresql(db, diana):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    event = audit.record(actor=diana, action="test.action")
    for sql in ("UPDATE core_auditevent SET action = 'x'", "DELETE FROM core_auditevent"):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).action == "test.action"


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sportello.settings",
        "DEBUG": "0",
        "PUBLIC_URL": "https://sportello.example.it",
        "ALLOWED_HOSTS": "sportello.example.it",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        # Without it, mail would stay in the outbox: a deploy error (sportello.E001).
        "EMAIL_URL": "smtp+tls://sportello:secret@smtp.example.it:587",
        "SPORTELLO_VAR_DIR": str(tmp_path),
        # Real payments and the utility's own SEPA creditor id (payments.W001, pratiche.W001).
        "PAYMENT_PROVIDER": "xpay",
        "XPAY_URL": "https://int-ecommerce.nexi.it/ecomm/ecomm/DispatcherServlet",
        "XPAY_ALIAS": "ALIAS_WEB_00000001",
        "XPAY_SECRET": "a-merchant-mac-key",
        "PRATICHE_SEPA_CREDITOR_ID": "IT66ZZZA1B2C3D4E5F6G7H8",
    }
    env.pop("SPORTELLO_TESTING", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser journeys' conftest
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_check_deploy_warns_about_captcha_test_mode(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "PUBLIC_URL": "https://sportello.example.it",
        "ALLOWED_HOSTS": "sportello.example.it",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SPORTELLO_VAR_DIR": str(tmp_path),
        "CAPTCHA_TEST_MODE": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
    )
    assert "sportello.W001" in result.stdout + result.stderr


def test_check_deploy_warns_about_the_payment_sandbox_and_the_placeholder_creditor(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sportello.settings",
        "DEBUG": "0",
        "PUBLIC_URL": "https://sportello.example.it",
        "ALLOWED_HOSTS": "sportello.example.it",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_URL": "smtp+tls://sportello:secret@smtp.example.it:587",
        "SPORTELLO_VAR_DIR": str(tmp_path),
        "PAYMENT_PROVIDER": "xpay",  # without XPAY_URL: still the sandbox
    }
    env.pop("SPORTELLO_TESTING", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert "payments.W001" in result.stderr + result.stdout
    assert "pratiche.W001" in result.stderr + result.stdout


def test_a_user_loaded_outside_a_request_is_no_verified_staff(db):
    from django.contrib.auth import get_user_model

    from core.access import is_staff_member

    staff = get_user_model().objects.create_user("op", "op@example.it", "x", is_staff=True)
    assert is_staff_member(staff) is False  # not an AttributeError


def test_signed_in_pages_carry_what_djangos_never_cache_functions_give(alice):
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils.cache import add_never_cache_headers, patch_cache_control

    from core.middleware import PrivateCacheMiddleware

    expected = HttpResponse()
    add_never_cache_headers(expected)
    patch_cache_control(expected, private=True)

    request = RequestFactory().get("/")
    request.user = alice
    response = PrivateCacheMiddleware(lambda r: HttpResponse())(request)
    assert response["Cache-Control"] == expected["Cache-Control"]
    from django.utils.http import parse_http_date

    assert abs(parse_http_date(response["Expires"]) - parse_http_date(expected["Expires"])) <= 1

    # A view's own Cache-Control is merged with, as Django's functions do.
    def own(r):
        answer = HttpResponse()
        answer["Cache-Control"] = "public, max-age=3600"
        return answer

    merged = PrivateCacheMiddleware(own)(request)["Cache-Control"]
    assert "public" not in merged and "max-age=0" in merged and "no-store" in merged
