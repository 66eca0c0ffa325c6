"""Powerful browser features are off on every response, whatever answers it (a page, a
redirect, an error, JSON, a static file): Permissions-Policy."""

import re

import pytest
from django.test import Client

MiB = 1024 * 1024
OFF = ("camera", "microphone", "geolocation", "payment")


def policy(response):
    header = response["Permissions-Policy"]
    return dict(re.findall(r"([a-z-]+)=(\([^)]*\)|[^,\s]+)", header))


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/", 200),
        ("get", "/accedi/", 200),
        ("get", "/healthz", 200),
        ("get", "/profilo/", 302),  # to the login page
        ("get", "/pagina-che-non-esiste/", 404),
        ("get", "/static/css/sportello.css", 200),
        ("post", "/accedi/", 403),  # no CSRF token
    ],
)
def test_every_response_turns_camera_microphone_geolocation_and_payment_off(
    db, method, path, status
):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(path)
    assert response.status_code == status
    features = policy(response)
    for feature in OFF:
        assert features.get(feature) == "()", f"{feature} not off on {path}"


def test_a_refused_large_body_carries_the_policy_too(db, settings):
    middleware = "core.request_size.RequestSizeMiddleware"
    if middleware not in settings.MIDDLEWARE:
        order = list(settings.MIDDLEWARE)
        order.insert(order.index("django_otp.middleware.OTPMiddleware") + 1, middleware)
        settings.MIDDLEWARE = order
    response = Client().generic(
        "POST", "/accedi/", b"", content_type="text/plain", CONTENT_LENGTH=str(100 * MiB)
    )
    assert response.status_code == 413
    assert all(policy(response).get(feature) == "()" for feature in OFF)
