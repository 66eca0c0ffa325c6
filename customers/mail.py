"""E-mails of "Aggancio servizi": one function per message, templates under
templates/mail/<kind>/, queued through the outbox inside the caller's transaction."""

from django.conf import settings
from django.urls import reverse

from core.outbox import queue_message

CONTRACT_LINKED = "contract_linked"


def send_contract_linked(*, to, contract, user):
    """To the holder's address from the feed: a web profile now sees their contract."""
    return queue_message(
        kind=CONTRACT_LINKED,
        to=to,
        context={
            "contract": contract,
            "username": user.username,
            "contacts_url": settings.PUBLIC_URL + reverse("contacts"),
        },
    )
