"""A stand-in for Nexi's refund API on a local port: real HTTP, answers chosen by the test and
signed here with hashlib (not with the code under test)."""

import hashlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SECRET = "esempiodicalcolomac"
ALIAS = "ALIAS_WEB_TEST"


def sign(esito, operation, timestamp, secret=SECRET):
    text = f"esito={esito}idOperazione={operation}timeStamp={timestamp}{secret}"
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - XPay's MAC


def answer(esito="OK", operation="123456789", timestamp="1764670531000", **extra):
    """A JSON answer of the storna API, signed with SECRET unless `mac` is given."""
    body = {"esito": esito, "idOperazione": operation, "timeStamp": timestamp}
    mac = extra.pop("mac", None)
    body["mac"] = sign(esito, operation, timestamp) if mac is None else mac
    body.update(extra)
    return json.dumps(body).encode()


class FakeGateway:
    def __init__(self):
        self.requests = []
        self.status = 200
        self.body = answer()
        self.delay = 0
        self.content_type = "application/json"

    def reply(self, body=None, *, status=200, delay=0, content_type="application/json"):
        self.body = body if body is not None else answer()
        self.status = status
        self.delay = delay
        self.content_type = content_type


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        gateway = self.server.gateway
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        gateway.requests.append(
            {
                "path": self.path,
                "content_type": self.headers.get("Content-Type"),
                "json": json.loads(raw or b"null"),
            }
        )
        time.sleep(gateway.delay)
        try:
            self.send_response(gateway.status)
            self.send_header("Content-Type", gateway.content_type)
            self.send_header("Content-Length", str(len(gateway.body)))
            self.end_headers()
            self.wfile.write(gateway.body)
        except OSError:  # the client gave up (timeout tests)
            pass

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


@pytest.fixture
def fake_gateway():
    server = _Server(("127.0.0.1", 0), _Handler)
    server.gateway = FakeGateway()
    server.gateway.url = f"http://127.0.0.1:{server.server_port}/ecomm/api/bo/storna"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.gateway
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port_url():
    """A URL nobody listens on: connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/ecomm/api/bo/storna"


@pytest.fixture
def xpay_settings(settings, fake_gateway):
    """PAYMENT_PROVIDER=xpay against the fake gateway, with the vectors' alias and key."""
    settings.PAYMENT_PROVIDER = "xpay"
    settings.XPAY_URL = "https://int-ecommerce.nexi.it/ecomm/ecomm/DispatcherServlet"
    settings.XPAY_API_URL = fake_gateway.url
    settings.XPAY_ALIAS = ALIAS
    settings.XPAY_SECRET = SECRET
    return settings
