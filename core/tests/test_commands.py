import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    users = {u.username: u.password for u in get_user_model().objects.all()}
    call_command("seed_demo", verbosity=0)
    assert {u.username: u.password for u in get_user_model().objects.all()} == users
    assert set(users) == {"alice", "bob", "charlie", "diana"}
    staff = get_user_model().objects.filter(is_staff=True)
    assert {u.username for u in staff} == {"charlie", "diana"}


def test_seed_demo_refuses_a_production_url(db, settings):
    settings.HTTPS = True
    with pytest.raises(CommandError, match="HTTPS"):
        call_command("seed_demo", verbosity=0)
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.it:2525", {"EMAIL_HOST": "mail.example.it", "EMAIL_PORT": 2525}),
        (
            "smtp+tls://user%40x:p%3Ass@mail.example.it",
            {
                "EMAIL_PORT": 587,
                "EMAIL_USE_TLS": True,
                "EMAIL_HOST_USER": "user@x",
                "EMAIL_HOST_PASSWORD": "p:ss",
            },
        ),
        ("smtp+ssl://mail.example.it", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
    ],
)
def test_email_url_parsing(url, expected):
    from sportello.settings import _email_settings

    parsed = _email_settings(url)
    assert parsed["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    for key, value in expected.items():
        assert parsed[key] == value


def test_email_url_with_unknown_scheme_is_refused():
    from sportello.settings import _email_settings

    with pytest.raises(ValueError):
        _email_settings("http://mail.example.it")
