"""Single-use links sent by e-mail (registration confirmation, password reset, e-mail
change, staff invitation): issued here, inspected by the token pages, consumed once."""

import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ..models import EmailToken


class TokenError(Exception):
    """A link that cannot be used: `reason` is "invalid" (no such link), "expired", "used",
    or "revoked" (issued, but no longer applies: the profile was blocked, the new address
    was taken by someone else meanwhile)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def issue_token(*, user, purpose, validity, email=""):
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


def link_to(url_name, token):
    """The absolute URL of a token page, as the e-mail carries it."""
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


def consume_token(*, token, purpose):
    """Use the link: its row, marked used; TokenError when it cannot be used."""
    row = inspect_token(token=token, purpose=purpose)
    # Conditional update: of two simultaneous uses, exactly one wins.
    used = EmailToken.objects.filter(
        pk=row.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if not used:
        raise TokenError("used")
    return row
