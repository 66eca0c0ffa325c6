"""Writes for web profiles. Every function is keyword-only and names its side effects.

Mail goes through the outbox inside the same transaction, so nothing is lost if SMTP is down.
"""

import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core import audit, mail
from core.policy import (
    CONFIRM_VALIDITY,
    EMAIL_CHANGE_VALIDITY,
    RESET_VALIDITY,
    UNCONFIRMED_LIFETIME,
)

from . import mail as accounts_mail
from .activity import request_context
from .backends import (
    cool_off,
    cool_off_minutes,
    find_by_username_or_email,
    login_soft_limit,
    recent_failures,
)
from .models import AccountEvent, Consent, EmailToken, UserSession

log = logging.getLogger(__name__)
User = get_user_model()

PROFILE_FIELDS = (
    "kind", "first_name", "last_name", "company_name", "codice_fiscale", "partita_iva",
    "phone_landline", "phone_mobile", "document_type", "document_number", "document_expiry",
    "document_issuer",
)  # fmt: skip


class TokenError(Exception):
    """A link that cannot be used: `reason` is "invalid", "expired" or "used"."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


# --- links -----------------------------------------------------------------------------


def _issue_token(*, user, purpose, validity, email=""):
    """A new single-use token; earlier unused ones of the same purpose stop working."""
    now = timezone.now()
    EmailToken.objects.filter(
        user=user, purpose=purpose, used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    EmailToken.objects.create(
        user=user,
        purpose=purpose,
        token_hash=EmailToken.hash(token),
        email=email,
        expires_at=now + validity,
    )
    return token


def _link(url_name, token):
    return settings.PUBLIC_URL + reverse(url_name, args=[token])


def inspect_token(*, token, purpose):
    """The token's row if the link can be used now; TokenError otherwise. Changes nothing."""
    row = (
        EmailToken.objects.select_related("user")
        .filter(token_hash=EmailToken.hash(token), purpose=purpose)
        .first()
    )
    if row is None:
        raise TokenError("invalid")
    if row.used_at is not None:
        raise TokenError("used")
    if row.expires_at <= timezone.now():
        raise TokenError("expired")
    return row


def _consume_token(*, token, purpose):
    row = inspect_token(token=token, purpose=purpose)
    # Conditional update: of two simultaneous uses, exactly one wins.
    used = EmailToken.objects.filter(
        pk=row.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if not used:
        raise TokenError("used")
    return row


# --- activity and sessions --------------------------------------------------------------


def record_event(*, user, kind, request=None):
    return AccountEvent.objects.create(user=user, kind=kind, **request_context(request))


def start_session(*, user, request):
    """Side effects: a UserSession row for the new session and a login event."""
    context = request_context(request)
    request.session.save()  # the key exists from here on
    UserSession.objects.update_or_create(
        session_key=request.session.session_key, defaults={"user": user, **context}
    )
    AccountEvent.objects.create(user=user, kind=AccountEvent.Kind.LOGIN, **context)


def touch_session(*, request):
    UserSession.objects.filter(session_key=request.session.session_key).update(
        last_seen_at=timezone.now()
    )


def follow_session(*, old_key, new_key):
    """The session got a new key (Django cycles it when the password changes): its row
    follows, so the customer still sees it as "this session" and can end it from elsewhere."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def forget_session(*, session_key):
    UserSession.objects.filter(session_key=session_key).delete()


def end_session(*, user, session_id, current_key, request=None):
    """End one of the user's other sessions on the server. Returns False when it is not
    theirs, or is the one in use."""
    row = (
        UserSession.objects.filter(user=user, pk=session_id)
        .exclude(session_key=current_key or "")
        .first()
    )
    if row is None:
        return False
    row.delete()
    SessionStore(session_key=row.session_key).delete()
    record_event(user=user, kind=AccountEvent.Kind.SESSION_ENDED, request=request)
    return True


def end_all_sessions(*, user, keep=None):
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=keep or "")
        .values_list("session_key", flat=True)
    )
    for key in keys:
        SessionStore(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


# --- registration ------------------------------------------------------------------------


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
            _schedule_purge(user)
    except IntegrityError:
        # A simultaneous registration took the address or username first.
        mail.send_username_taken(to=email, username=username)
        return None
    return user


def send_confirmation(user):
    token = _issue_token(user=user, purpose=EmailToken.Purpose.CONFIRM, validity=CONFIRM_VALIDITY)
    mail.send_welcome(user=user, link=_link("accounts:confirm", token))


def _schedule_purge(user):
    from .tasks import purge_unconfirmed_user

    purge_unconfirmed_user.using(run_after=user.date_joined + UNCONFIRMED_LIFETIME).enqueue(user.pk)


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
        row = _consume_token(token=token, purpose=EmailToken.Purpose.CONFIRM)
        user = row.user
        if not user.is_active:
            raise TokenError("invalid")
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
        _delete_user(user)
        count += 1
    return count


# --- password recovery and change ---------------------------------------------------------


def request_password_reset(*, identifier):
    """Send a single-use link valid one hour. Whatever the identifier, the caller shows the
    same answer; an address with no profile is told so, by e-mail only. Runs in a task
    (accounts.tasks.send_password_reset), so the page takes the same time either way.
    Side effects: an EmailToken and an outbox mail, or one outbox mail, or nothing."""
    identifier = identifier.strip()
    with transaction.atomic():
        user = find_by_username_or_email(identifier)
        if user is not None and user.is_active and user.email:
            token = _issue_token(
                user=user, purpose=EmailToken.Purpose.RESET, validity=RESET_VALIDITY
            )
            mail.send_password_reset(
                user=user, link=_link("accounts:password_reset_confirm", token)
            )
        elif "@" in identifier and (user is None or not user.is_active):
            mail.send_password_reset_unknown(to=identifier)


def warn_of_login_attempts(*, identifier):
    """After a failed login: once the profile named by `identifier` has failed
    LOGIN_ACCOUNT_SOFT_LIMIT times from anywhere within the cool-off window, tell its owner,
    at most once per window. Returns True when a warning was queued.

    Side effects: one outbox mail."""
    limit = login_soft_limit()
    if limit <= 0:  # the soft limit is turned off: no CAPTCHA, no warning
        return False
    failures = recent_failures(identifier)
    if failures < limit:
        return False
    user = find_by_username_or_email(identifier)
    if user is None or not user.is_active or not user.email:
        return False
    from core.models import OutboxMessage

    with transaction.atomic():
        # The row lock makes simultaneous failures queue one warning, not several.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if OutboxMessage.objects.filter(
            kind=accounts_mail.LOGIN_ATTEMPTS,
            to__iexact=user.email,
            created_at__gte=timezone.now() - cool_off(),
        ).exists():
            return False
        accounts_mail.send_login_attempts(user=user, failures=failures, minutes=cool_off_minutes())
    return True


def reset_password(*, token, password, request=None):
    """Use the recovery link. Side effects: new password, every session ended, the address
    confirmed (following the link proves it), an event and a notice by e-mail."""
    with transaction.atomic():
        row = _consume_token(token=token, purpose=EmailToken.Purpose.RESET)
        user = row.user
        if not user.is_active:
            raise TokenError("invalid")
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


# --- profile --------------------------------------------------------------------------------


def update_profile(*, user, data, request=None):
    """Save the profile's data. A new e-mail address takes effect only when its confirmation
    link is used; the old address is told. Returns True when a confirmation was sent."""
    new_email = data.get("email", user.email).strip()
    with transaction.atomic():
        changed = [f for f in PROFILE_FIELDS if f in data and getattr(user, f) != data[f]]
        for field in changed:
            setattr(user, field, data[field])
        if changed:
            user.save(update_fields=changed)
            record_event(user=user, kind=AccountEvent.Kind.PROFILE_CHANGED, request=request)
        if new_email.lower() == user.email.lower():
            return False
        if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
            mail.send_email_change_taken(to=new_email)
        else:
            token = _issue_token(
                user=user,
                purpose=EmailToken.Purpose.EMAIL_CHANGE,
                validity=EMAIL_CHANGE_VALIDITY,
                email=new_email,
            )
            mail.send_email_change_confirm(
                user=user, to=new_email, link=_link("accounts:email_change_confirm", token)
            )
        mail.send_email_change_notice(user=user, new_email=new_email)
        record_event(user=user, kind=AccountEvent.Kind.EMAIL_CHANGE_REQUESTED, request=request)
    return True


def confirm_email_change(*, token, request=None):
    with transaction.atomic():
        row = _consume_token(token=token, purpose=EmailToken.Purpose.EMAIL_CHANGE)
        user = row.user
        if not user.is_active or (
            User.objects.filter(email__iexact=row.email).exclude(pk=user.pk).exists()
        ):
            raise TokenError("invalid")
        user.email = row.email
        try:
            with transaction.atomic():
                user.save(update_fields=["email"])
        except IntegrityError:  # someone else took the address a moment ago
            raise TokenError("invalid") from None
        record_event(user=user, kind=AccountEvent.Kind.EMAIL_CHANGED, request=request)
    return user


def set_news_consent(*, user, granted, request=None):
    last = Consent.objects.filter(user=user, kind=Consent.Kind.NEWS).order_by("-at").first()
    if last is not None and last.granted == granted:
        return
    Consent.objects.create(
        user=user,
        subject=user.uid,
        kind=Consent.Kind.NEWS,
        granted=granted,
        notice_version=settings.PRIVACY_NOTICE_VERSION,
        ip=request_context(request)["ip"],
    )


def news_consent(user):
    last = Consent.objects.filter(user=user, kind=Consent.Kind.NEWS).order_by("-at").first()
    return bool(last and last.granted)


def delete_profile(*, user):
    """Delete the web profile and its personal data (docs/data-retention.md says what stays).

    Side effects: goodbye e-mail, every session ended, an audit entry, the user row and all
    that hangs from it deleted; consent records stay, detached.
    """
    from core.models import OutboxMessage

    with transaction.atomic():
        if user.email:
            # Delivered mail is personal data the portal no longer needs; the goodbye
            # message, queued next, goes out and is kept only as long as the outbox keeps it.
            OutboxMessage.objects.filter(
                to__iexact=user.email, state=OutboxMessage.State.SENT
            ).delete()
            mail.send_goodbye(user=user)
        audit.record(actor=None, action="accounts.profile_deleted", obj=user)
        _delete_user(user)


def _delete_user(user):
    end_all_sessions(user=user)
    user.delete()
