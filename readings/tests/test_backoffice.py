"""The back-office queue: the 9-working-day clock, permissions in the view and the service,
validate and reject with a reason, audit, the rejection e-mail, the role grants."""

import uuid
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.staff import ROLE_ADMIN, ROLE_CUSTOMER_SERVICE, ROLE_PRATICHE, role_permissions
from accounts.tests.factories import staff_member
from conftest import login_verified
from core.models import AuditEvent, OutboxMessage
from readings import selectors, services
from readings.models import Reading, RejectionReason

from .test_submit import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cs_client(charlie, roles):
    client = Client()
    login_verified(client, charlie)
    return client


@pytest.fixture
def reason(db):
    return RejectionReason.objects.get_or_create(
        text="La foto non è leggibile.", defaults={"position": 1}
    )[0]


@pytest.fixture
def waiting(alice, water):
    return submit(alice, water["meter"], 1215)


def test_roles_hold_the_readings_permission(roles, charlie, diana):
    perms = role_permissions()
    assert "readings.validate_reading" in perms[ROLE_CUSTOMER_SERVICE]
    assert "readings.validate_reading" in perms[ROLE_ADMIN]
    assert "readings.validate_reading" not in perms.get(ROLE_PRATICHE, set())
    assert charlie.has_perm("readings.validate_reading")
    assert diana.has_perm("readings.change_rejectionreason")


def test_the_data_migration_adds_the_reasons_once():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("readings.migrations.0002_roles_and_reasons")
    RejectionReason.objects.all().delete()
    migration.add_reasons(apps, None)
    migration.add_reasons(apps, None)
    assert RejectionReason.objects.count() == len(migration.REASONS)


def test_nine_working_days_across_easter_monday_and_25_april(settings, waiting):
    settings.PATRON_SAINT_DAY = "06-13"
    # 2025: Easter Monday is 21 April and 25 April is a Friday, so both fall on weekdays.
    received = timezone.make_aware(datetime(2025, 4, 17, 10, 0))  # Thursday before Easter
    Reading.objects.filter(pk=waiting.pk).update(received_at=received)
    waiting.refresh_from_db()
    # 18 Fri (1), weekend, 21 Easter Monday closed, 22-24 (2-4), 25 April closed, weekend,
    # 28-30 (5-7), 1 May closed, 2 May (8), weekend, 5 May (9).
    assert selectors.due_on(waiting) == date(2025, 5, 5)
    row = selectors.queue_row(waiting, today=date(2025, 5, 7))
    assert row["overdue"] and row["overdue_days"] == 2
    assert not selectors.queue_row(waiting, today=date(2025, 5, 5))["overdue"]
    assert selectors.queue_row(waiting, today=date(2025, 4, 24))["left"] == 5


def test_queue_lists_overdue_first_and_filters(cs_client, alice, water, waiting,
                                               django_assert_max_num_queries):  # fmt: skip
    old = submit(alice, water["meter"], 1216, submission=uuid.uuid4())  # replaces: same day
    assert old.pk == waiting.pk
    from .factories import ReadingFactory

    older = ReadingFactory(
        meter=water["meter"], read_on=date(2025, 1, 2), source="customer", status="received",
        received_at=timezone.make_aware(datetime(2025, 1, 2, 9)), user=alice, uid=uuid.uuid4(),
        receipt="0000099-AAAAAA", value=1100,
    )  # fmt: skip
    url = reverse("readings:staff_queue")
    cs_client.get(url)
    with django_assert_max_num_queries(15):
        response = cs_client.get(url)
    html = response.content.decode()
    rows = response.context["rows"]
    assert [r["reading"].pk for r in rows] == [older.pk, waiting.pk]
    assert rows[0]["overdue"] and "scaduta da" in html
    only = cs_client.get(url, {"stato": "received", "q": "nessuna"})
    assert only.context["rows"] == []
    assert AuditEvent.objects.filter(action="readings.view_queue").exists()


def test_validate_and_reject_are_audited_and_the_rejection_mailed(
    cs_client, charlie, waiting, reason
):
    detail = cs_client.get(reverse("readings:staff_detail", args=[waiting.uid]))
    assert detail.status_code == 200
    assert AuditEvent.objects.filter(action="readings.view", object_id=str(waiting.pk)).exists()
    bad = cs_client.post(reverse("readings:staff_reject", args=[waiting.uid]), {"reason": ""})
    assert bad.status_code == 400
    OutboxMessage.objects.all().delete()
    response = cs_client.post(
        reverse("readings:staff_reject", args=[waiting.uid]),
        {"reason": reason.pk, "receipt": waiting.receipt},
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.reason_text, waiting.decided_by) == (
        "rejected", reason.text, charlie,
    )  # fmt: skip
    assert waiting.notified_at is not None
    mail = OutboxMessage.objects.get(kind="reading_rejected")
    assert reason.text in mail.body_text
    assert AuditEvent.objects.filter(action="readings.reject", object_id=str(waiting.pk)).exists()
    # Already decided: validating now changes nothing.
    cs_client.post(reverse("readings:staff_validate", args=[waiting.uid]))
    waiting.refresh_from_db()
    assert waiting.status == "rejected"


def test_validate(cs_client, waiting):
    cs_client.post(
        reverse("readings:staff_validate", args=[waiting.uid]), {"receipt": waiting.receipt}
    )
    waiting.refresh_from_db()
    assert waiting.status == "validated" and waiting.decided_at
    assert AuditEvent.objects.filter(action="readings.validate").count() == 1
    # a validated self-reading counts as a real reading: the next one is checked against it
    assert services.last_validated(waiting.meter).pk == waiting.pk


def test_services_check_the_permission_again(roles, waiting, reason):
    nobody = staff_member(ROLE_PRATICHE, username="paolo")
    with pytest.raises(PermissionDenied):
        services.validate(reading=waiting, actor=nobody)
    with pytest.raises(PermissionDenied):
        services.reject(reading=waiting, reason=reason, actor=nobody)
    client = Client()
    login_verified(client, nobody)
    assert client.get(reverse("readings:staff_queue")).status_code == 404


def test_staff_photo_is_audited(cs_client, alice, water, photo_file):
    reading = submit(alice, water["meter"], 1215, photo=photo_file(), photo_kind="jpeg")
    response = cs_client.get(reverse("readings:staff_photo", args=[reading.uid]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="readings.view_photo").exists()
