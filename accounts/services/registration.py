""" "Registrazione utente" (guide steps 1-10): the unconfirmed profile, its welcome link, the
confirmation, the first password, and the purge of profiles never confirmed."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from core.policy import CONFIRM_VALIDITY, UNCONFIRMED_LIFETIME

from .. import mail
from ..activity import request_context
from ..models import AccountEvent, Consent, EmailToken
from .profile import PROFILE_FIELDS, delete_user
from .sessions import record_event
from .tokens import TokenError, consume_token, issue_token, link_to

User = get_user_model()


def register(*, data, request=None):
    """Create an unconfirmed profile and send the welcome e-mail with its confirmation link.

    When the address or the username is taken, nothing is created and the page the person
    sees is the same: the owner of the address gets an e-mail saying what happened instead,
    so nobody learns from the page whether an account exists.
    Side effects: User, Consent rows, AccountEvent, EmailToken, outbox mail, a purge task.
    """
    email = data["email"].strip()
    username = data["username"].strip()
    try:
        with transaction.atomic():
            existing = User.objects.filter(email__iexact=email).first()
            if existing is not None:
                mail.send_already_registered(user=existing)
                return None
            if User.objects.filter(username__iexact=username).exists():
                mail.send_username_taken(to=email, username=username)
                return None
            user = User(username=username, email=email)
            for field in PROFILE_FIELDS:
                setattr(
                    user, field, data.get(field) or ("" if field != "document_expiry" else None)
                )
            user.set_unusable_password()
            user.save()
            context = request_context(request)
            for kind, granted in (
                (Consent.Kind.PRIVACY, True),
                (Consent.Kind.NEWS, bool(data.get("news_consent"))),
            ):
                Consent.objects.create(
                    user=user,
                    subject=user.uid,
                    kind=kind,
                    granted=granted,
                    notice_version=settings.PRIVACY_NOTICE_VERSION,
                    ip=context["ip"],
                )
            AccountEvent.objects.create(user=user, kind=AccountEvent.Kind.REGISTERED, **context)
            send_confirmation(user)
            purge_unconfirmed_user.using(run_after=user.date_joined + UNCONFIRMED_LIFETIME).enqueue(
                user.pk
            )
    except IntegrityError:
        # A simultaneous registration took the address or username first.
        mail.send_username_taken(to=email, username=username)
        return None
    return user


def send_confirmation(user):
    """A new welcome link (CONFIRM_VALIDITY, once); earlier ones stop working."""
    token = issue_token(user=user, purpose=EmailToken.Purpose.CONFIRM, validity=CONFIRM_VALIDITY)
    mail.send_welcome(user=user, link=link_to("accounts:confirm", token))


def resend_confirmation(*, email):
    """A new confirmation link for an unconfirmed profile with this address. Says nothing
    about whether one exists."""
    user = User.objects.filter(email__iexact=email.strip(), email_confirmed_at__isnull=True).first()
    if user is not None and user.is_active:
        with transaction.atomic():
            send_confirmation(user)
    return None


def confirm_registration(*, token, request=None):
    """Use the welcome link: the address is confirmed. Returns the user (the view logs them
    in to choose a password)."""
    with transaction.atomic():
        row = consume_token(token=token, purpose=EmailToken.Purpose.CONFIRM)
        user = row.user
        if not user.is_active:
            raise TokenError("revoked")
        if user.email_confirmed_at is None:
            user.email_confirmed_at = timezone.now()
            user.save(update_fields=["email_confirmed_at"])
            record_event(user=user, kind=AccountEvent.Kind.CONFIRMED, request=request)
    return user


def set_initial_password(*, user, password, request=None):
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record_event(user=user, kind=AccountEvent.Kind.PASSWORD_SET, request=request)


def purge_unconfirmed(*, user_id=None):
    """Delete profiles never confirmed within UNCONFIRMED_LIFETIME (only `user_id`'s, when
    given). Returns how many."""
    stale = User.objects.filter(
        email_confirmed_at__isnull=True,
        date_joined__lte=timezone.now() - UNCONFIRMED_LIFETIME,
        is_staff=False,
    )
    if user_id is not None:
        stale = stale.filter(pk=user_id)
    count = 0
    for user in stale:
        delete_user(user)
        count += 1
    return count


@task()
def purge_unconfirmed_user(user_id):
    """UNCONFIRMED_LIFETIME after registering: delete the profile if it was never confirmed."""
    return "deleted" if purge_unconfirmed(user_id=user_id) else "kept"
