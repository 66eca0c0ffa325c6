"""Every e-mail the portal sends: one function per message, templates under mail/<kind>/.

Each function queues through the outbox, so it belongs inside the transaction of the change
that causes it. Contexts hold only what the message shows.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .outbox import queue_message


def _url(name):
    return settings.PUBLIC_URL + reverse(name)


def send_test_message(*, to):
    """Operators' check that mail reaches the outside world (`manage.py mail_test`)."""
    return queue_message(kind="test_message", to=to, context={})


def send_welcome(*, user, link):
    """After "Crea nuovo profilo": the link that confirms the address (24 hours, once)."""
    return queue_message(kind="welcome", to=user.email, context={"user": user, "link": link})


def send_already_registered(*, user):
    """Someone registered with an address that already has a profile: tell its owner."""
    return queue_message(
        kind="already_registered",
        to=user.email,
        context={"user": user, "login_url": _url("accounts:login")},
    )


def send_username_taken(*, to, username):
    """The chosen username exists: tell the address that asked, not the page."""
    return queue_message(
        kind="username_taken",
        to=to,
        context={"username": username, "register_url": _url("accounts:register")},
    )


def send_password_reset(*, user, link):
    return queue_message(kind="password_reset", to=user.email, context={"user": user, "link": link})


def send_password_reset_unknown(*, to):
    return queue_message(
        kind="password_reset_unknown",
        to=to,
        context={"register_url": _url("accounts:register")},
    )


def send_password_changed(*, user):
    return queue_message(
        kind="password_changed",
        to=user.email,
        context={"user": user, "now": timezone.localtime()},
    )


def send_email_change_confirm(*, user, to, link):
    return queue_message(kind="email_change_confirm", to=to, context={"user": user, "link": link})


def send_email_change_taken(*, to):
    return queue_message(kind="email_change_taken", to=to, context={})


def send_email_change_notice(*, user, new_email):
    """To the old address: a change was asked for."""
    return queue_message(
        kind="email_change_notice",
        to=user.email,
        context={"user": user, "new_email": new_email},
    )


def send_goodbye(*, user):
    return queue_message(
        kind="goodbye",
        to=user.email,
        context={"user": user, "register_url": _url("accounts:register")},
    )


def send_contract_linked(*, to, contract, user):
    """To the holder's address from the feed: a web profile now sees their contract."""
    return queue_message(
        kind="contract_linked",
        to=to,
        context={
            "contract": contract,
            "username": user.username,
            "contacts_url": _url("contacts"),
        },
    )
