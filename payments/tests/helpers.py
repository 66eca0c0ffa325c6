"""Drive a payment the way a browser and the sandbox gateway do, through the test client."""

from urllib.parse import parse_qsl, urlsplit

from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from billing.tests.factories import BillFactory, linked_contract


def payable_bill(user, **bill):
    return BillFactory(contract=linked_contract(user), **bill)


def start(client, bill):
    """ "pagamento" then "Procedi al pagamento": the gateway's URL and hidden fields."""
    response = client.post(reverse("payments:pay", args=[bill.number]))
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    return form["url"], dict(form["fields"])


def gateway_page(client, fields):
    response = client.post(reverse("payments:sandbox_gateway"), fields)
    return response


def choose(client, fields, card="approve"):
    """On the sandbox page, pay with `card`: (browser redirect, notification values)."""
    page = gateway_page(client, fields)
    assert page.status_code == 200, page.content.decode()
    response = client.post(
        reverse("payments:sandbox_pay"),
        {"token": page.context["token"], "carta": card, "paga": "1"},
    )
    assert response.status_code == 302
    return response["Location"], last_notification()


def last_notification():
    """The values the sandbox queued for `urlpost` (its worker would post them)."""
    row = (
        DBTaskResult.objects.filter(task_path__endswith="notify_merchant")
        .order_by("-enqueued_at")
        .first()
    )
    if row is None:
        return None
    return dict(row.task_result.args[1])


def path_and_query(location):
    parts = urlsplit(location)
    return parts.path, dict(parse_qsl(parts.query))


def notify(client, values, provider="sandbox"):
    return client.post(reverse("payments:notify", args=[provider]), values)
