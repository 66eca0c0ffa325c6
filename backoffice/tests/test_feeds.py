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
    pending = staff_client.get(response["Location"]).content.decode()
    # While pending the page polls its job (static/js/feed-job.js); without JS, a link.
    assert "js/feed-job.js" in pending
    assert reverse("backoffice:feed_status", args=[job.uid]) in pending
    assert "<noscript>" in pending and "Aggiorna lo stato" in pending

    execute_job(job_uid=job.uid)  # what the worker's task does

    html = staff_client.get(reverse("backoffice:feed", args=[job.uid])).content.decode()
    assert "Aggiorna lo stato" not in html
    assert "feed-job.js" not in html
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


def test_the_job_status_answers_state_and_rows_read(staff_client):
    job = ImportJob.objects.create(
        source=ImportJob.Source.UPLOAD,
        state=ImportJob.State.RUNNING,
        counts={"customers.csv": {"created": 10, "unchanged": 5, "error": 1}},
    )
    if hasattr(job, "rows_total"):  # the feeds fields of issue 8
        job.rows_total, job.rows_done = 40, 16
        job.save()
    response = staff_client.get(reverse("backoffice:feed_status", args=[job.uid]))
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert data["state"] == "running" and data["active"] is True
    assert data["rows_done"] == 16
    html = staff_client.get(reverse("backoffice:feed", args=[job.uid])).content.decode()
    if data["rows_total"] is not None:
        assert "Righe lette 16 di 40" in html
        assert '<progress class="sp-progress" id="job-progress" max="40" value="16"' in html
    else:
        assert "Righe lette 16" in html


def test_the_job_status_is_for_staff_who_may_see_jobs(client, alice, charlie):
    job = ImportJob.objects.create(source=ImportJob.Source.COMMAND)
    url = reverse("backoffice:feed_status", args=[job.uid])
    client.force_login(alice)
    assert client.get(url).status_code == 404
    login_verified(client, charlie)  # customer service: no feeds.view_importjob
    assert client.get(url).status_code == 404


def test_rejected_rows_are_listed_in_the_order_they_were_read(staff_client):
    from feeds.models import ImportRow

    job = ImportJob.objects.create(source=ImportJob.Source.COMMAND, state="done")
    for file, line in (("customers.csv", 3), ("customers.csv", 12), ("contracts.csv", 2)):
        ImportRow.objects.create(job=job, file=file, line=line, reason="x")
    html = staff_client.get(reverse("backoffice:feed", args=[job.uid])).content.decode()
    assert html.index("customers.csv:3") < html.index("customers.csv:12")
    assert html.index("customers.csv:12") < html.index("contracts.csv:2")
