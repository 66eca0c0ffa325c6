"""E-mails of "Le mie pratiche": one function per message, templates under
templates/mail/<kind>/, queued through the outbox inside the caller's transaction."""

from django.conf import settings
from django.urls import reverse

from core.outbox import queue_message

PRATICA_SENT = "pratica_sent"
PRATICA_STATE = "pratica_state"
DELIVERY_CONFIRM = "delivery_confirm"
DELIVERY_CHANGED = "delivery_changed"

WITH_LINK = (DELIVERY_CONFIRM,)


def _pratica_url(pratica):
    return settings.PUBLIC_URL + reverse("pratiche:detail", args=[pratica.uid])


def send_pratica_sent(*, pratica):
    """The receipt of a pratica just sent: protocol, due date, where to download the PDF."""
    return queue_message(
        kind=PRATICA_SENT,
        to=pratica.user.email,
        context={"pratica": pratica, "url": _pratica_url(pratica)},
    )


def send_pratica_state(*, pratica, note=""):
    """A change the customer should know: taken in charge, documents asked, accepted,
    rejected (with the reason), cancelled."""
    return queue_message(
        kind=PRATICA_STATE,
        to=pratica.user.email,
        context={"pratica": pratica, "note": note, "url": _pratica_url(pratica)},
    )


def send_delivery_confirm(*, change, link):
    """To the other address chosen for bills by e-mail: the link that confirms it."""
    return queue_message(
        kind=DELIVERY_CONFIRM,
        to=change.email,
        context={"change": change, "contract": change.contract, "link": link},
    )


def send_delivery_changed(*, to, change):
    """To the profile's address: the bills of a contract now arrive this way."""
    return queue_message(
        kind=DELIVERY_CHANGED,
        to=to,
        context={
            "change": change,
            "contract": change.contract,
            "url": settings.PUBLIC_URL + reverse("pratiche:delivery"),
        },
    )
