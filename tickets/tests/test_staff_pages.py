"""The back-office: queue (filters, overdue first, area permissions), assignment, notes,
standard answers, publishing, closing, statistics; every action audited."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.staff import role_permissions
from conftest import login_verified
from core.models import AuditEvent
from customers.tests.factories import LinkFactory
from tickets import services
from tickets.models import Area, Kind, StandardAnswer, Ticket

from .factories import TicketFactory, pdf_file

pytestmark = pytest.mark.django_db


def test_roles_get_the_area_permissions(charlie, diana):
    roles = role_permissions()
    for role in ("Operatore servizio clienti", "Amministratore"):
        assert {"tickets.handle_water", "tickets.handle_waste", "tickets.handle_energy"} <= roles[
            role
        ]
    assert charlie.has_perm("tickets.handle_waste") and diana.has_perm("tickets.handle_energy")


def test_queue_puts_overdue_first_and_closed_last(operator_client, alice):
    today = timezone.localdate()
    later = TicketFactory(user=alice, due_on=today + timedelta(days=20), subject="Dopo")
    overdue = TicketFactory(user=alice, due_on=today - timedelta(days=3), subject="Scaduta")
    closed = TicketFactory(
        user=alice, due_on=today - timedelta(days=30), status=Ticket.Status.CLOSED
    )
    response = operator_client.get(reverse("tickets:staff_queue"))
    rows = list(response.context["page_obj"].object_list)
    assert rows == [overdue, later, closed]
    assert "(scaduta)" in response.content.decode()
    assert "1 richiesta scaduta senza risposta." in response.content.decode()
    only_overdue = operator_client.get(reverse("tickets:staff_queue"), {"due": "overdue"})
    assert list(only_overdue.context["page_obj"].object_list) == [overdue]


def test_queue_filters_by_area_type_status(operator_client, alice):
    water = TicketFactory(user=alice, area=Area.WATER, kind=Kind.COMPLAINT)
    waste = TicketFactory(user=alice, area=Area.WASTE, kind=Kind.INFORMATION)
    url = reverse("tickets:staff_queue")
    assert list(operator_client.get(url, {"area": "waste"}).context["page_obj"].object_list) == [
        waste
    ]
    assert list(
        operator_client.get(url, {"kind": "complaint"}).context["page_obj"].object_list
    ) == [water]
    assert not operator_client.get(url, {"status": "closed"}).context["page_obj"].object_list


def test_queue_query_count(operator_client, alice, django_assert_max_num_queries):
    for _ in range(30):
        TicketFactory(user=alice, assigned_to=alice)
    operator_client.get(reverse("tickets:staff_queue"))
    with django_assert_max_num_queries(20):
        response = operator_client.get(reverse("tickets:staff_queue"))
    assert len(response.context["page_obj"].object_list) == 25


def test_an_operator_without_the_area_sees_nothing_of_it(water_only, alice):
    waste = TicketFactory(user=alice, area=Area.WASTE, protocol="RR-2026-777777")
    water = TicketFactory(user=alice, area=Area.WATER)
    waste_file = waste.attachments.create(sender="customer", file="x.pdf", kind="pdf", size=1)
    client = Client()
    login_verified(client, water_only)
    queue = client.get(reverse("tickets:staff_queue"))
    assert list(queue.context["page_obj"].object_list) == [water]
    assert "RR-2026-777777" not in queue.content.decode()
    for name in ("staff_detail",):
        assert client.get(reverse(f"tickets:{name}", args=[waste.uid])).status_code == 404
    for name in ("staff_take", "staff_note", "staff_answer", "staff_close", "staff_assign"):
        response = client.post(
            reverse(f"tickets:{name}", args=[waste.uid]), {"note": "x", "answer": "x"}
        )
        assert response.status_code == 404, name
    assert client.get(reverse("tickets:staff_attachment", args=[waste_file.uid])).status_code == 404
    waste.refresh_from_db()
    assert waste.status == Ticket.Status.SUBMITTED and not waste.messages.exists()
    # The services refuse too, whoever calls them.
    with pytest.raises(PermissionDenied):
        services.publish_answer(ticket=waste, actor=water_only, text="x")
    with pytest.raises(PermissionDenied):
        services.close(ticket=waste, actor=water_only)


def test_customers_and_staff_without_areas_get_404(client, alice, db):
    from accounts.staff import ROLE_PRATICHE
    from accounts.tests.factories import staff_member

    ticket = TicketFactory(user=alice)
    client.force_login(alice)
    assert client.get(reverse("tickets:staff_queue")).status_code == 404
    assert client.get(reverse("tickets:staff_detail", args=[ticket.uid])).status_code == 404
    other = Client()
    login_verified(other, staff_member(ROLE_PRATICHE, username="pratiche"))
    assert other.get(reverse("tickets:staff_queue")).status_code == 404
    assert other.get(reverse("tickets:staff_statistics")).status_code == 404


def test_the_whole_workflow_is_audited(operator_client, charlie, alice):
    LinkFactory(user=alice)
    ticket = TicketFactory(user=alice)
    detail = reverse("tickets:staff_detail", args=[ticket.uid])
    page = operator_client.get(detail)
    assert alice.contract_links.get().contract.service_code in page.content.decode()
    operator_client.post(reverse("tickets:staff_take", args=[ticket.uid]))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TAKEN and ticket.assigned_to == charlie
    operator_client.post(
        reverse("tickets:staff_note", args=[ticket.uid]), {"note": "Verificare letture"}
    )
    response = operator_client.post(
        reverse("tickets:staff_answer", args=[ticket.uid]),
        {"answer": "Gentile cliente, ecco.", "files": [pdf_file()]},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ANSWERED and ticket.answered_at is not None
    assert ticket.working_days_taken == 0 and ticket.indemnity == 0
    assert ticket.attachments.get().sender == "staff"
    operator_client.post(reverse("tickets:staff_close", args=[ticket.uid]))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    actions = list(
        AuditEvent.objects.filter(object_id=str(ticket.pk), actor=charlie).values_list(
            "action", flat=True
        )
    )
    for action in ("tickets.staff_view", "tickets.assign", "tickets.state", "tickets.note"):
        assert action in actions
    states = [
        (e.detail["old"], e.detail["new"])
        for e in AuditEvent.objects.filter(action="tickets.state").order_by("pk")
    ]
    assert states == [("submitted", "taken"), ("taken", "answered"), ("answered", "closed")]


def test_empty_answer_is_refused_next_to_the_field(operator_client, alice):
    ticket = TicketFactory(user=alice)
    response = operator_client.post(
        reverse("tickets:staff_answer", args=[ticket.uid]), {"answer": ""}
    )
    assert response.status_code == 400
    assert "answer" in response.context["answer_form"].errors


def test_assign_to_another_operator_of_the_area(operator_client, alice, water_only, diana):
    ticket = TicketFactory(user=alice, area=Area.WATER)
    url = reverse("tickets:staff_assign", args=[ticket.uid])
    operator_client.post(url, {"assignee": water_only.pk})
    ticket.refresh_from_db()
    assert ticket.assigned_to == water_only
    waste = TicketFactory(user=alice, area=Area.WASTE)
    response = operator_client.post(
        reverse("tickets:staff_assign", args=[waste.uid]), {"assignee": water_only.pk}
    )
    assert response.status_code == 400  # not among the waste area's operators
    waste.refresh_from_db()
    assert waste.assigned_to is None


def test_standard_answer_fills_the_answer(operator_client, alice):
    ticket = TicketFactory(user=alice, area=Area.WATER)
    template = StandardAnswer.objects.create(
        title="Lettura stimata", text="Testo standard sulle stime."
    )
    StandardAnswer.objects.create(title="Rifiuti", area=Area.WASTE, text="no")
    response = operator_client.get(
        reverse("tickets:staff_detail", args=[ticket.uid]), {"modello": template.pk}
    )
    html = response.content.decode()
    assert "Lettura stimata" in html and ">Rifiuti<" not in html
    assert response.context["answer_form"].initial["answer"] == "Testo standard sulle stime."


def test_statistics_per_area_and_month_with_csv(operator_client, alice):
    received = timezone.make_aware(timezone.datetime(2026, 3, 2, 10))
    TicketFactory(
        user=alice, received_at=received, answered_at=received + timedelta(days=5),
        working_days_taken=4, kind=Kind.COMPLAINT,
    )  # fmt: skip
    TicketFactory(
        user=alice, received_at=received, answered_at=received + timedelta(days=60),
        working_days_taken=42, indemnity=Decimal("30"),
    )  # fmt: skip
    TicketFactory(user=alice, received_at=received, area=Area.WASTE)
    url = reverse("tickets:staff_statistics")
    rows = operator_client.get(url, {"year": 2026}).context["rows"]
    water = next(r for r in rows if r["area"] == "water")
    assert (water["month"], water["received"], water["on_time"], water["late"]) == (
        "2026-03",
        2,
        1,
        1,
    )
    assert water["average_days"] == Decimal("23.0")
    csv_text = operator_client.get(url, {"year": 2026, "formato": "csv"}).content.decode()
    assert csv_text.splitlines()[0].startswith("area,mese,ricevute")
    assert "Acqua,2026-03,2,1,1,0,23.0" in csv_text
    assert "Ambiente,2026-03,1,0,0,1," in csv_text


def test_due_date_shown_is_the_stored_one(operator_client, alice):
    ticket = TicketFactory(user=alice, due_on=date(2026, 4, 14))
    html = operator_client.get(reverse("tickets:staff_detail", args=[ticket.uid])).content.decode()
    assert "14/04/2026" in html


def test_the_administrator_edits_the_standards_in_the_admin(diana):
    client = Client()
    login_verified(client, diana)
    response = client.get("/gestione/tickets/responsestandard/")
    assert response.status_code == 200
    assert "RQSII" in response.content.decode()
    assert client.get("/gestione/tickets/standardanswer/add/").status_code == 200


def test_statistics_show_zero_days_as_zero(operator_client, alice):
    now = timezone.now()
    TicketFactory(user=alice, received_at=now, answered_at=now, working_days_taken=0)
    html = operator_client.get(reverse("tickets:staff_statistics")).content.decode()
    assert '<td data-label="Giorni lavorativi medi">0,0</td>' in html


def test_statistics_cover_only_the_areas_one_handles(water_only, alice):
    from django.contrib.auth.models import Permission

    water_only.user_permissions.add(
        Permission.objects.get(content_type__app_label="tickets", codename="view_statistics")
    )
    TicketFactory(user=alice, area=Area.WATER)
    TicketFactory(user=alice, area=Area.WASTE)
    client = Client()
    login_verified(client, water_only)
    rows = client.get(reverse("tickets:staff_statistics")).context["rows"]
    assert [r["area"] for r in rows] == ["water"]
    csv_text = client.get(reverse("tickets:staff_statistics"), {"formato": "csv"}).content.decode()
    assert "Ambiente" not in csv_text
