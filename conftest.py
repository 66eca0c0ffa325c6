"""Fixtures every test can use: personas, a real SMTP server, helpers to run servers."""

import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from accounts.tests.factories import persona
from sportello.settings import _email_settings


@pytest.fixture
def alice(db):
    return persona("alice")


@pytest.fixture
def bob(db):
    return persona("bob")


@pytest.fixture
def charlie(db):
    return persona("charlie")


@pytest.fixture
def diana(db):
    return persona("diana")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collector:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(envelope)
        return "250 OK"


class SMTPServer:
    """A real SMTP server on loopback (aiosmtpd) that tests can stop and start again."""

    def __init__(self):
        self.port = free_port()
        self.collector = _Collector()
        self.controller = None

    @property
    def messages(self):
        with self.collector.lock:
            return list(self.collector.messages)

    def start(self):
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    """Start an SMTP server and point EMAIL_URL at it for the test."""
    server = SMTPServer()
    server.start()
    settings.EMAIL_URL = f"smtp://127.0.0.1:{server.port}"
    for key, value in _email_settings(settings.EMAIL_URL).items():
        setattr(settings, key, value)
    settings.EMAIL_TIMEOUT = 2
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached sessions must not leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield


def login_verified(client, user):
    """Log a user in with two-step verification done, as staff must be."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
