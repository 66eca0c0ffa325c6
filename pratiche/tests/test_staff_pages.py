import uuid

import pytest
from django.urls import reverse

from conftest import login_verified
from core.models import AuditEvent, OutboxMessage
from pratiche import services
from pratiche.models import Kind, Pratica, State

from .conftest import pdf_file, png_file


@pytest.fixture
def sent(customer, link):
    return services.submit_pratica(
        user=customer, kind=Kind.VOLTURA, key=uuid.uuid4(), contract=None,
        data={"service_code": "2002000123"}, summary=[["Intestatario uscente", "Mario Rossi"]],
        files=[("documento_identita", "Documento d'identità", pdf_file()),
               ("consenso", "Consenso", png_file())],
        declaration=True,
    )  # fmt: skip


def test_queue_needs_the_permission(client, cs_operator, customer, sent):
    url = reverse("pratiche:staff_queue")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(customer)
    assert client.get(url).status_code == 404
    login_verified(client, cs_operator)
    assert client.get(url).status_code == 404
    assert client.get(reverse("pratiche:staff_detail", args=[sent.uid])).status_code == 404


def test_queue_by_due_date_with_filters(operator_client, customer, link, sent):
    other = services.submit_pratica(
        user=customer, kind=Kind.VARIAZIONE, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[],
    )  # fmt: skip
    response = operator_client.get(reverse("pratiche:staff_queue"))
    assert response.status_code == 200
    protocols = [item["pratica"].protocol for item in response.context["items"]]
    assert protocols == [sent.protocol, other.protocol]  # voltura: 5 days; variazione: 30
    response = operator_client.get(
        reverse("pratiche:staff_queue"), {"kind": "variazione_anagrafica"}
    )
    assert [i["pratica"].protocol for i in response.context["items"]] == [other.protocol]


def test_queue_query_count(operator_client, customer, link, django_assert_max_num_queries):
    for _n in range(30):
        services.submit_pratica(
            user=customer, kind=Kind.VARIAZIONE, key=uuid.uuid4(), contract=link.contract,
            data={}, summary=[],
        )  # fmt: skip
    with django_assert_max_num_queries(15):
        response = operator_client.get(reverse("pratiche:staff_queue"))
    assert len(response.context["items"]) == 25


def test_operator_asks_for_a_document_then_accepts(operator_client, operator, customer, sent):
    from django.test import Client

    customer_client = Client()
    customer_client.force_login(customer)
    detail = reverse("pratiche:staff_detail", args=[sent.uid])
    page = operator_client.get(detail)
    assert page.status_code == 200
    assert "Mario Rossi" in page.content.decode()
    assert AuditEvent.objects.filter(action="pratiche.staff_view").exists()

    operator_client.post(reverse("pratiche:staff_move", args=[sent.uid, "in_progress"]))
    sent.refresh_from_db()
    assert sent.state == State.IN_PROGRESS
    assert sent.assigned_to == operator

    # A request for documents without saying which: refused, next to the field.
    url = reverse("pratiche:staff_move", args=[sent.uid, "integration_requested"])
    response = operator_client.post(url, {"integration_requested-note": ""})
    assert response.status_code == 400
    assert "Scrivi la motivazione" in response.content.decode()
    operator_client.post(url, {"integration_requested-note": "Manca l'atto di successione."})
    sent.refresh_from_db()
    assert sent.state == State.INTEGRATION_REQUESTED
    mail = OutboxMessage.objects.filter(kind="pratica_state").latest("created_at")
    assert "Manca l'atto di successione." in mail.body_text

    customer_client.post(
        reverse("pratiche:integrate", args=[sent.uid]), {"document": pdf_file("atto.pdf")}
    )
    sent.refresh_from_db()
    assert sent.state == State.INTEGRATED

    operator_client.post(reverse("pratiche:staff_move", args=[sent.uid, "accepted"]))
    sent.refresh_from_db()
    assert sent.state == State.ACCEPTED
    assert AuditEvent.objects.filter(action="pratiche.accepted", actor=operator).exists()


def test_reject_needs_a_reason(operator_client, sent):
    operator_client.post(reverse("pratiche:staff_move", args=[sent.uid, "in_progress"]))
    url = reverse("pratiche:staff_move", args=[sent.uid, "rejected"])
    assert operator_client.post(url, {"rejected-note": ""}).status_code == 400
    operator_client.post(url, {"rejected-note": "L'immobile non è servito dalla rete."})
    sent.refresh_from_db()
    assert sent.state == State.REJECTED
    assert sent.reason == "L'immobile non è servito dalla rete."


def test_a_forbidden_move_changes_nothing(operator_client, sent):
    response = operator_client.post(
        reverse("pratiche:staff_move", args=[sent.uid, "accepted"]), follow=True
    )
    sent.refresh_from_db()
    assert sent.state == State.SENT
    assert "non è più possibile" in response.content.decode()


def test_assign_to_an_operator(operator_client, operator, sent):
    response = operator_client.post(
        reverse("pratiche:staff_assign", args=[sent.uid]), {"assignee": str(operator.uid)}
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.assigned_to == operator


def test_attachment_viewer(operator_client, sent):
    for attachment in sent.attachments.all():
        page = operator_client.get(
            reverse("pratiche:staff_attachment", args=[sent.uid, attachment.uid])
        )
        assert page.status_code == 200
        raw = operator_client.get(
            reverse("pratiche:staff_attachment_file", args=[sent.uid, attachment.uid])
        )
        assert raw.status_code == 200
        assert raw["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(action="pratiche.staff_view_attachment").count() == 2


def test_drafts_are_not_in_the_back_office(operator_client, customer):
    draft = services.save_draft(
        user=customer, kind=Kind.VARIAZIONE, key=uuid.uuid4(), contract=None, data={}
    )
    assert (
        operator_client.get(reverse("pratiche:staff_detail", args=[draft.uid])).status_code == 404
    )
    assert not Pratica.objects.filter(state=State.SENT).exists()


def test_role_permissions_registered_and_granted(db):
    from django.contrib.auth.models import Group

    from accounts.staff import role_permissions

    roles = role_permissions()
    assert "pratiche.process_pratica" in roles["Operatore pratiche"]
    assert "pratiche.process_pratica" in roles["Amministratore"]
    assert "pratiche.process_pratica" not in roles["Operatore servizio clienti"]
    for name in ("Operatore pratiche", "Amministratore"):
        group = Group.objects.get(name=name)
        assert group.permissions.filter(codename="process_pratica").exists()
