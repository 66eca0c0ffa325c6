""" "Il mio profilo": the profile's data, the e-mail change with its link, the news consent,
and deleting the profile."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from core import audit
from core.policy import EMAIL_CHANGE_VALIDITY

from .. import mail
from ..activity import request_context
from ..models import AccountEvent, Consent, EmailToken
from .sessions import end_all_sessions, record_event
from .tokens import TokenError, consume_token, issue_token, link_to

User = get_user_model()

PROFILE_FIELDS = (
    "kind", "first_name", "last_name", "company_name", "codice_fiscale", "partita_iva",
    "phone_landline", "phone_mobile", "document_type", "document_number", "document_expiry",
    "document_issuer",
)  # fmt: skip


def update_profile(*, user, data, request=None):
    """Save the profile's data. A new e-mail address takes effect only when its confirmation
    link is used; the old address is told. Returns True when a confirmation was sent.

    Side effects: the user row, a "Profilo web modificato" event naming the fields changed,
    and for a new address an EmailToken, two outbox mails and an event."""
    new_email = data.get("email", user.email).strip()
    with transaction.atomic():
        changed = [f for f in PROFILE_FIELDS if f in data and getattr(user, f) != data[f]]
        for field in changed:
            setattr(user, field, data[field])
        if changed:
            user.save(update_fields=changed)
            record_event(
                user=user,
                kind=AccountEvent.Kind.PROFILE_CHANGED,
                request=request,
                detail=",".join(changed),
            )
        if new_email.lower() == user.email.lower():
            return False
        if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
            mail.send_email_change_taken(to=new_email)
        else:
            token = issue_token(
                user=user,
                purpose=EmailToken.Purpose.EMAIL_CHANGE,
                validity=EMAIL_CHANGE_VALIDITY,
                email=new_email,
            )
            mail.send_email_change_confirm(
                user=user, to=new_email, link=link_to("accounts:email_change_confirm", token)
            )
        mail.send_email_change_notice(user=user, new_email=new_email)
        record_event(user=user, kind=AccountEvent.Kind.EMAIL_CHANGE_REQUESTED, request=request)
    return True


def confirm_email_change(*, token, request=None):
    """Use the link sent to the new address: it becomes the profile's. TokenError otherwise."""
    with transaction.atomic():
        row = consume_token(token=token, purpose=EmailToken.Purpose.EMAIL_CHANGE)
        user = row.user
        if not user.is_active or (
            User.objects.filter(email__iexact=row.email).exclude(pk=user.pk).exists()
        ):
            raise TokenError("revoked")
        user.email = row.email
        try:
            with transaction.atomic():
                user.save(update_fields=["email"])
        except IntegrityError:  # someone else took the address a moment ago
            raise TokenError("revoked") from None
        record_event(user=user, kind=AccountEvent.Kind.EMAIL_CHANGED, request=request)
    return user


def set_news_consent(*, user, granted, request=None):
    """Record a change of the news consent (nothing when it is the same). Side effects: an
    append-only Consent row and an event."""
    last = Consent.objects.filter(user=user, kind=Consent.Kind.NEWS).order_by("-at").first()
    if last is not None and last.granted == granted:
        return
    with transaction.atomic():
        Consent.objects.create(
            user=user,
            subject=user.uid,
            kind=Consent.Kind.NEWS,
            granted=granted,
            notice_version=settings.PRIVACY_NOTICE_VERSION,
            ip=request_context(request)["ip"],
        )
        record_event(
            user=user,
            kind=AccountEvent.Kind.NEWS_GIVEN if granted else AccountEvent.Kind.NEWS_WITHDRAWN,
            request=request,
        )


def news_consent(user):
    last = Consent.objects.filter(user=user, kind=Consent.Kind.NEWS).order_by("-at").first()
    return bool(last and last.granted)


def delete_profile(*, user):
    """Delete the web profile and its personal data (docs/data-retention.md says what stays).

    Side effects: goodbye e-mail, every session ended, each installed app's deletion rules
    (core.registry), an audit entry, the user row and all that hangs from it deleted;
    consent records stay, detached.
    """
    from core.models import OutboxMessage
    from core.registry import registry

    if user.is_staff or user.is_superuser:
        # Staff accounts are deactivated by an administrator ("Personale e ruoli"), which
        # keeps the last-administrator rule and the audit log; deleting one would bypass both.
        raise PermissionDenied
    with transaction.atomic():
        if user.email:
            # Delivered mail is personal data the portal no longer needs; the goodbye
            # message, queued next, goes out and is kept only as long as the outbox keeps it.
            OutboxMessage.objects.filter(
                to__iexact=user.email, state=OutboxMessage.State.SENT
            ).delete()
            mail.send_goodbye(user=user)
        registry.delete_personal_data(user=user)
        audit.record(actor=None, action="accounts.profile_deleted", obj=user)
        delete_user(user)


def delete_user(user):
    """The user row and what hangs from it, with every session ended."""
    end_all_sessions(user=user)
    user.delete()
