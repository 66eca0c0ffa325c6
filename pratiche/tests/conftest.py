import io

import pytest
from django.utils import timezone
from PIL import Image

from accounts.staff import ROLE_CUSTOMER_SERVICE, ROLE_PRATICHE
from accounts.tests.factories import UserFactory, staff_member
from conftest import login_verified
from customers.tests.factories import ContractFactory, LinkFactory


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
def customer(db):
    return UserFactory(
        username="lucia",
        email="lucia@example.com",
        first_name="Lucia",
        last_name="Bianchi",
        codice_fiscale="BNCLCU80A41G224W",
        email_confirmed_at=timezone.now(),
    )


@pytest.fixture
def stranger(db):
    return UserFactory(username="estraneo", email_confirmed_at=timezone.now())


@pytest.fixture
def link(customer):
    contract = ContractFactory(holder__first_name="Lucia", holder__last_name="Bianchi")
    return LinkFactory(user=customer, contract=contract)


@pytest.fixture
def operator(db):
    return staff_member(ROLE_PRATICHE, username="paola", first_name="Paola", last_name="Neri")


@pytest.fixture
def cs_operator(db):
    return staff_member(ROLE_CUSTOMER_SERVICE, username="carla")


@pytest.fixture
def operator_client(client, operator):
    login_verified(client, operator)
    return client


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


def pdf_file(name="documento.pdf", body=b"ciao"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = b"%PDF-1.4\n" + body + b"\n%%EOF\n"
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def png_file(name="foto.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
