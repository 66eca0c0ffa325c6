"""E-mails of the accounts app that core.mail does not hold: one function per message,
templates under mail/<kind>/, queued through the outbox (so, like core.mail, they belong
inside the transaction of the change that causes them)."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.outbox import queue_message

LOGIN_ATTEMPTS = "login_attempts"
STAFF_INVITATION = "staff_invitation"
TWO_FACTOR_RESET = "two_factor_reset"


def _url(name):
    return settings.PUBLIC_URL + reverse(name)


def send_login_attempts(*, user, failures, minutes):
    """Someone keeps failing to log in to this profile: tell its owner what happens (a
    CAPTCHA, no lock) and what to do."""
    return queue_message(
        kind=LOGIN_ATTEMPTS,
        to=user.email,
        context={
            "user": user,
            "failures": failures,
            "minutes": minutes,
            "now": timezone.localtime(),
            "reset_url": _url("accounts:password_reset"),
            "two_factor_url": _url("accounts:two_factor"),
            "activity_url": _url("accounts:activity"),
        },
    )


def send_staff_invitation(*, user, link):
    """A new staff member (or one whose link is sent again): the single-use link to choose
    the password; the authenticator comes at the first login."""
    return queue_message(kind=STAFF_INVITATION, to=user.email, context={"user": user, "link": link})


def send_two_factor_reset(*, user):
    """An administrator removed the staff member's authenticator: say so, and what happens at
    the next login."""
    return queue_message(kind=TWO_FACTOR_RESET, to=user.email, context={"user": user})
