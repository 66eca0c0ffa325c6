import pytest
from django.test import Client

from accounts.tests.factories import staff_member
from conftest import login_verified


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["accounts.tests.hashers.FastArgon2PasswordHasher"]


@pytest.fixture
def operator_client(charlie):
    """charlie, the customer-service operator (every area), verified."""
    client = Client()
    login_verified(client, charlie)
    return client


@pytest.fixture
def water_only(db):
    """A staff member who handles only the water area."""
    from django.contrib.auth.models import Permission

    from accounts.staff import ROLE_PRATICHE

    user = staff_member(ROLE_PRATICHE, username="solo.acqua")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="tickets", codename="handle_water")
    )
    return user
