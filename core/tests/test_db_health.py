"""core.db.postgresql: the health check asks the socket first, and still replaces a connection
that PostgreSQL ended."""

import time

import psycopg
import pytest
from django.db import connections
from django.db.backends.postgresql import base as django_postgresql

pytestmark = pytest.mark.django_db(transaction=True)
connection = connections["default"]


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (CI's PostgreSQL run)")
    from core.db.postgresql.base import DatabaseWrapper

    assert isinstance(connection, DatabaseWrapper)
    assert connection.health_check_enabled


@pytest.fixture
def select_one(monkeypatch):
    """Counts Django's own check (`SELECT 1`)."""
    calls = []
    usable = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        calls.append(1)
        return usable(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return calls


def _new_request():
    connection.health_check_done = False  # as at the start of a request


def test_an_idle_healthy_connection_is_reused_without_a_round_trip(postgresql, select_one):
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    _new_request()
    connection.close_if_health_check_failed()
    assert select_one == []
    assert connection.connection is not None and connection.connection.info.backend_pid == pid


def test_a_connection_the_server_ended_is_replaced_before_it_is_used(postgresql, select_one):
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")},
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.3)  # the FATAL message and the end of the stream reach the socket
    _new_request()
    connection.close_if_health_check_failed()
    assert select_one == [1]  # something arrived: Django's check ran, and failed
    with connection.cursor() as cursor:  # a new connection, and the request goes on
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
