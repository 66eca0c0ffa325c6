"""Large request bodies are refused on their declared length, before anything reads them,
except on the feed upload for verified staff allowed to upload."""

import pytest
from django.test import Client

import sportello.settings as project_settings
from conftest import login_verified

MiB = 1024 * 1024
MIDDLEWARE = "core.request_size.RequestSizeMiddleware"
AFTER = "django_otp.middleware.OTPMiddleware"


@pytest.fixture(autouse=True)
def installed(settings):
    """The middleware where sportello/settings.py must have it (see the test below)."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index(AFTER) + 1, MIDDLEWARE)
        settings.MIDDLEWARE = middleware


def test_it_is_installed_where_it_sees_the_user_and_nothing_has_read_the_body():
    middleware = project_settings.MIDDLEWARE
    assert MIDDLEWARE in middleware
    # After the user and its verification are known...
    assert middleware.index(MIDDLEWARE) > middleware.index(AFTER)
    # ...and before the middleware that can answer without reaching process_view.
    assert middleware.index(MIDDLEWARE) < middleware.index(
        "core.middleware.StaffTwoFactorMiddleware"
    )


class Untouchable:
    """A request body that must never be read."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read


def post_declaring(client, path, length, **extra):
    return client.generic(
        "POST",
        path,
        b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": Untouchable()},
        **extra,
    )


@pytest.fixture
def as_(db, request):
    def make(who):
        client = Client()
        if who == "customer":
            client.force_login(request.getfixturevalue("alice"))
        elif who == "operator":
            # charlie, customer service: no permission to upload feeds
            login_verified(client, request.getfixturevalue("charlie"))
        elif who == "admin, not verified":
            client.force_login(request.getfixturevalue("diana"))
        elif who == "admin":
            login_verified(client, request.getfixturevalue("diana"))
        return client

    return make


@pytest.mark.parametrize(
    ("who", "path", "length"),
    [
        ("anonymous", "/accedi/", 100 * MiB),
        ("anonymous", "/accedi/", 2 * MiB),
        ("anonymous", "/backoffice/flussi/", 100 * MiB),
        ("anonymous", "/no-such-page/", 100 * MiB),
        ("customer", "/profilo/", 11 * MiB),
        ("customer", "/backoffice/flussi/", 100 * MiB),
        ("operator", "/backoffice/flussi/", 100 * MiB),
        ("admin, not verified", "/backoffice/flussi/", 100 * MiB),
        ("admin", "/backoffice/", 100 * MiB),  # not the upload
        ("admin", "/backoffice/flussi/", 250 * MiB),  # over the upload's own limit
        # Nuova richiesta takes five attachments of 10 MB, signed in only, and no more.
        ("anonymous", "/richieste/nuova/", 30 * MiB),
        ("customer", "/richieste/nuova/", 60 * MiB),
    ],
)
def test_a_large_body_is_refused_unread(as_, who, path, length):
    response = post_declaring(as_(who), path, length)
    assert response.status_code == 413
    html = response.content.decode()
    assert '<html lang="it">' in html
    assert "Contenuto troppo grande" in html
    assert "non è stato letto" in html


def test_a_chunked_body_without_length_is_refused(as_):
    response = post_declaring(as_("anonymous"), "/accedi/", "", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 413


def test_an_administrator_uploads_a_feed_larger_than_the_general_limit(as_, settings, tmp_path):
    settings.REQUEST_MAX_BYTES = MiB
    settings.MEDIA_ROOT = tmp_path
    archive = tmp_path / "flusso.zip"
    archive.write_bytes(b"not a zip" + b"\0" * (2 * MiB))
    with archive.open("rb") as f:
        response = as_("admin").post("/backoffice/flussi/", {"archive": f})
    # The form read it and said what was wrong with it.
    assert response.status_code == 200
    assert "non è un file zip valido" in response.content.decode()


def test_ordinary_requests_pass(as_, alice):
    client = as_("anonymous")
    assert client.get("/accedi/").status_code == 200
    response = client.post("/accedi/", {"username": "alice", "password": "Alice-demo-2026!"})
    assert response.status_code == 302


def test_a_url_an_app_registers_takes_its_larger_body_from_any_signed_in_user(as_, alice):
    """tickets registers "Nuova richiesta" (core.registry.register_large_body): the body
    passes the ceiling and reaches the form, which reads it."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import RequestFactory

    from core.request_size import max_body_bytes

    upload = SimpleUploadedFile("grande.pdf", b"%PDF-1.4\n" + b"0" * (11 * MiB))
    response = as_("customer").post("/richieste/nuova/", {"files": [upload]})
    assert response.status_code == 200  # the form, with its errors
    request = RequestFactory().get("/")
    request.user = alice
    assert max_body_bytes(request, "tickets:new") > 50 * MiB
    assert max_body_bytes(request, "accounts:profile") == 10 * MiB
