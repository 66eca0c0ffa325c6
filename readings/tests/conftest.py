from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.staff import ensure_roles
from customers.tests.factories import ContractFactory, LinkFactory

from .factories import MeterFactory, ReadingFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["accounts.tests.hashers.FastArgon2PasswordHasher"]


@pytest.fixture
def roles(db):
    return ensure_roles()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def water(alice, today):
    """alice's water contract with a 5-digit meter and two years of operator readings,
    about 0.3 m³ a day, every two months."""
    contract = ContractFactory()
    link = LinkFactory(user=alice, contract=contract)
    meter = MeterFactory(contract=contract, serial="M2002002008")
    value = 1000
    day = today - timedelta(days=60 * 12)
    while day < today:
        ReadingFactory(meter=meter, read_on=day, value=value)
        day += timedelta(days=60)
        value += 18
    return {"contract": contract, "link": link, "meter": meter}


@pytest.fixture
def photo_file():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    def make(kind="JPEG", name="contatore.jpg", exif=True):
        image = Image.new("RGB", (64, 48), (10, 90, 110))
        buf = io.BytesIO()
        extra = {}
        if exif and kind == "JPEG":
            data = Image.Exif()
            data[0x010F] = "Fotocamera Spia"  # Make
            extra["exif"] = data.tobytes()
        image.save(buf, format=kind, **extra)
        return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")

    return make


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
