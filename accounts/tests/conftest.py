import pytest


@pytest.fixture
def captcha_test_mode(settings, monkeypatch):
    """CAPTCHA_TEST_MODE on, as CONTRACT.md section 2 describes: the answer "PASSED" solves
    every CAPTCHA. django-simple-captcha reads the setting once, when it is imported, so its
    own copy is switched too."""
    from captcha.conf import settings as captcha_settings

    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["accounts.tests.hashers.FastArgon2PasswordHasher"]
