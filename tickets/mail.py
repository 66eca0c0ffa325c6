"""E-mails of "Richieste e reclami": one function per message, templates under
templates/mail/<kind>/, queued through the outbox inside the caller's transaction.

Neither holds what the customer wrote nor the answer: only the protocol, the dates and a
link to the request's page, which asks to log in."""

from django.conf import settings
from django.urls import reverse

from core.outbox import queue_message

TICKET_RECEIVED = "ticket_received"
ANSWER_PUBLISHED = "ticket_answered"


def _link(ticket):
    return settings.PUBLIC_URL + reverse("tickets:detail", args=[ticket.uid])


def send_ticket_received(*, ticket, to):
    """At once after filing: the protocol number and the expected answer date."""
    return queue_message(
        kind=TICKET_RECEIVED,
        to=to,
        context={
            "protocol": ticket.protocol,
            "kind": ticket.get_kind_display(),
            "area": ticket.get_area_display(),
            "due_on": ticket.due_on,
            "link": _link(ticket),
        },
    )


def send_answer_published(*, ticket, to):
    """An answer was published: says so, with the link, never the content."""
    return queue_message(
        kind=ANSWER_PUBLISHED,
        to=to,
        context={"protocol": ticket.protocol, "link": _link(ticket)},
    )
