"""Login: the warning to a profile's owner when someone keeps failing to log in to it."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .. import mail
from ..backends import (
    cool_off,
    cool_off_minutes,
    find_by_username_or_email,
    login_soft_limit,
    recent_failures,
)

User = get_user_model()


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
            kind=mail.LOGIN_ATTEMPTS,
            to__iexact=user.email,
            created_at__gte=timezone.now() - cool_off(),
        ).exists():
            return False
        mail.send_login_attempts(user=user, failures=failures, minutes=cool_off_minutes())
    return True
