"""Every e-mail of the accounts app: one function per message, templates under
templates/mail/<kind>/ (subject.txt, body.txt, body.html), queued through the outbox, so
each belongs inside the transaction of the change that causes it. Contexts hold only what
the message shows; lifetimes and limits come from `policy`, which the outbox adds.

WITH_LINK lists the kinds whose text carries a single-use link (a key to the account): the
mailbox never shows their bodies (accounts.apps registers them with core.registry).
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.outbox import queue_message

WELCOME = "welcome"
ALREADY_REGISTERED = "already_registered"
USERNAME_TAKEN = "username_taken"
PASSWORD_RESET = "password_reset"
PASSWORD_RESET_UNKNOWN = "password_reset_unknown"
PASSWORD_CHANGED = "password_changed"
EMAIL_CHANGE_CONFIRM = "email_change_confirm"
EMAIL_CHANGE_TAKEN = "email_change_taken"
EMAIL_CHANGE_NOTICE = "email_change_notice"
GOODBYE = "goodbye"
LOGIN_ATTEMPTS = "login_attempts"
STAFF_INVITATION = "staff_invitation"
TWO_FACTOR_RESET = "two_factor_reset"

WITH_LINK = (WELCOME, PASSWORD_RESET, EMAIL_CHANGE_CONFIRM, STAFF_INVITATION)


def _url(name):
    return settings.PUBLIC_URL + reverse(name)


# --- registration ------------------------------------------------------------------------


def send_welcome(*, user, link):
    """After "Crea nuovo profilo": the link that confirms the address (once, within
    policy.confirm_validity)."""
    return queue_message(kind=WELCOME, to=user.email, context={"user": user, "link": link})


def send_already_registered(*, user):
    """Someone registered with an address that already has a profile: tell its owner."""
    return queue_message(
        kind=ALREADY_REGISTERED,
        to=user.email,
        context={"user": user, "login_url": _url("accounts:login")},
    )


def send_username_taken(*, to, username):
    """The chosen username exists: tell the address that asked, not the page."""
    return queue_message(
        kind=USERNAME_TAKEN,
        to=to,
        context={"username": username, "register_url": _url("accounts:register")},
    )


# --- login and recovery ------------------------------------------------------------------


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


def send_password_reset(*, user, link):
    """ "Richiedi nuova password": the single-use link (policy.reset_validity)."""
    return queue_message(kind=PASSWORD_RESET, to=user.email, context={"user": user, "link": link})


def send_password_reset_unknown(*, to):
    """A new password was asked for an address with no profile: say so, by e-mail only."""
    return queue_message(
        kind=PASSWORD_RESET_UNKNOWN,
        to=to,
        context={"register_url": _url("accounts:register")},
    )


def send_password_changed(*, user):
    """The password changed (from the profile or with the recovery link): the owner learns
    it, and what to do if it was not them."""
    return queue_message(
        kind=PASSWORD_CHANGED,
        to=user.email,
        context={"user": user, "now": timezone.localtime()},
    )


# --- profile -----------------------------------------------------------------------------


def send_email_change_confirm(*, user, to, link):
    """To the new address: the link that makes it the profile's."""
    return queue_message(kind=EMAIL_CHANGE_CONFIRM, to=to, context={"user": user, "link": link})


def send_email_change_taken(*, to):
    """To the new address, when another profile has it: no link, no account named."""
    return queue_message(kind=EMAIL_CHANGE_TAKEN, to=to, context={})


def send_email_change_notice(*, user, new_email):
    """To the old address: a change was asked for."""
    return queue_message(
        kind=EMAIL_CHANGE_NOTICE,
        to=user.email,
        context={"user": user, "new_email": new_email},
    )


def send_goodbye(*, user):
    """The profile was deleted."""
    return queue_message(
        kind=GOODBYE,
        to=user.email,
        context={"user": user, "register_url": _url("accounts:register")},
    )


# --- staff -------------------------------------------------------------------------------


def send_staff_invitation(*, user, link):
    """A new staff member (or one whose link is sent again): the single-use link to choose
    the password; the authenticator comes at the first login."""
    return queue_message(kind=STAFF_INVITATION, to=user.email, context={"user": user, "link": link})


def send_two_factor_reset(*, user):
    """Staff removed the authenticator (an administrator for a staff member, customer service
    for a customer who lost the phone): say so, and what happens at the next login."""
    staff = user.is_staff or user.is_superuser
    return queue_message(
        kind=TWO_FACTOR_RESET, to=user.email, context={"user": user, "staff": staff}
    )
