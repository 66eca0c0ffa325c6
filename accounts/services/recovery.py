""" "Richiedi nuova password" and "Modifica credenziali di accesso": the recovery link, the
new password it sets, and the password changed from inside the portal."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from core.policy import RESET_VALIDITY

from .. import mail
from ..backends import find_by_username_or_email
from ..models import AccountEvent, EmailToken
from .sessions import end_all_sessions, record_event
from .tokens import TokenError, consume_token, issue_token, link_to


def request_password_reset(*, identifier):
    """Send a single-use link valid RESET_VALIDITY. Whatever the identifier, the caller shows
    the same answer; an address with no profile is told so, by e-mail only. Runs in a task
    (send_password_reset below), so the page takes the same time either way.
    Side effects: an EmailToken and an outbox mail, or one outbox mail, or nothing."""
    identifier = identifier.strip()
    with transaction.atomic():
        user = find_by_username_or_email(identifier)
        if user is not None and user.is_active and user.email:
            token = issue_token(
                user=user, purpose=EmailToken.Purpose.RESET, validity=RESET_VALIDITY
            )
            mail.send_password_reset(
                user=user, link=link_to("accounts:password_reset_confirm", token)
            )
        elif "@" in identifier and (user is None or not user.is_active):
            mail.send_password_reset_unknown(to=identifier)


@task()
def send_password_reset(identifier):
    """ "Richiedi nuova password": the lookup, the link and the mail, off the request, so an
    existing profile and an unknown name take the page the same time."""
    request_password_reset(identifier=identifier)


def reset_password(*, token, password, request=None):
    """Use the recovery link. Side effects: new password, every session ended, the address
    confirmed (following the link proves it), an event and a notice by e-mail."""
    with transaction.atomic():
        row = consume_token(token=token, purpose=EmailToken.Purpose.RESET)
        user = row.user
        if not user.is_active:
            raise TokenError("revoked")
        user.set_password(password)
        fields = ["password"]
        if user.email_confirmed_at is None:
            user.email_confirmed_at = timezone.now()
            fields.append("email_confirmed_at")
        user.save(update_fields=fields)
        end_all_sessions(user=user)
        record_event(user=user, kind=AccountEvent.Kind.PASSWORD_RESET, request=request)
        mail.send_password_changed(user=user)
    return user


def change_password(*, user, password, request):
    """Side effects: new password, every other session ended, an event, a notice by e-mail."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        end_all_sessions(user=user, keep=request.session.session_key)
        record_event(user=user, kind=AccountEvent.Kind.PASSWORD_CHANGED, request=request)
        mail.send_password_changed(user=user)
