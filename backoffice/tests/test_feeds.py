import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import login_verified
from core.models import AuditEvent
from customers.models import Holder
from feeds.models import ImportJob
from feeds.services import execute_job

CUSTOMERS = (
    "customer_code,kind,first_name,last_name,company_name,codice_fiscale,partita_iva,email,phone,address\n"
    "900001,person,Mario,Rossi,,RSSMRA85T10A562S,,,,\n"
    "900002,person,Anna,Verdi,,NOTACODE,,,,\n"
)


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return SimpleUploadedFile("flusso.zip", buffer.getvalue(), content_type="application/zip")


@pytest.fixture
def staff_client(client, diana, settings, tmp_path):
    """Feed uploads are for administrators: diana."""
    settings.MEDIA_ROOT = tmp_path
    login_verified(client, diana)
    return client


def test_staff_upload_a_feed_watch_the_job_and_read_its_report(staff_client):
    response = staff_client.post(
        reverse("backoffice:feeds"), {"archive": zipped({"customers.csv": CUSTOMERS})}
    )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("backoffice:feed", args=[job.uid])
    assert job.state == ImportJob.State.PENDING
    assert AuditEvent.objects.filter(action="feeds.upload").exists()
    assert "Aggiorna lo stato" in staff_client.get(response["Location"]).content.decode()

    execute_job(job_uid=job.uid)  # what the worker's task does

    html = staff_client.get(reverse("backoffice:feed", args=[job.uid])).content.decode()
    assert "Aggiorna lo stato" not in html
    assert "customers.csv:3" in html
    assert Holder.objects.filter(customer_code="900001").exists()
    assert not Holder.objects.filter(customer_code="900002").exists()
    # the uploaded CSVs (personal data) are not kept once applied
    assert not Path(job.directory).exists()


def test_upload_refuses_what_is_not_a_zip(staff_client):
    response = staff_client.post(
        reverse("backoffice:feeds"),
        {"archive": SimpleUploadedFile("flusso.csv", CUSTOMERS.encode(), content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "archivio .zip" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_refuses_a_zip_with_unexpected_entries(staff_client):
    response = staff_client.post(
        reverse("backoffice:feeds"), {"archive": zipped({"../evil.csv": "x"})}
    )
    assert response.status_code == 200
    assert not ImportJob.objects.exists()


def test_customers_cannot_reach_the_feed_pages(client, alice):
    client.force_login(alice)
    assert client.get(reverse("backoffice:feeds")).status_code == 404


def test_an_operator_neither_uploads_nor_sees_the_jobs(client, charlie, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login_verified(client, charlie)
    response = client.post(
        reverse("backoffice:feeds"), {"archive": zipped({"customers.csv": CUSTOMERS})}
    )
    assert response.status_code == 404
    assert not ImportJob.objects.exists()
    assert client.get(reverse("backoffice:feeds")).status_code == 404
