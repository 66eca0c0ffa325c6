"""What staff do to web profiles from the back-office. Each function is keyword-only, names
its side effects and writes an audit entry."""

from django.db import transaction
from django.utils import timezone

from core import audit

from . import services
from .models import AccountEvent


def staff_resend_confirmation(*, user, actor):
    if user.is_confirmed or not user.is_active:
        return False
    with transaction.atomic():
        services.send_confirmation(user)
        audit.record(actor=actor, action="accounts.resend_confirmation", obj=user)
    return True


def block_user(*, user, actor, reason):
    with transaction.atomic():
        user.is_active = False
        user.blocked_at = timezone.now()
        user.blocked_reason = reason
        user.save(update_fields=["is_active", "blocked_at", "blocked_reason"])
        services.end_all_sessions(user=user)
        services.record_event(user=user, kind=AccountEvent.Kind.BLOCKED)
        audit.record(actor=actor, action="accounts.block", obj=user, reason=reason)


def unblock_user(*, user, actor, reason):
    with transaction.atomic():
        user.is_active = True
        user.blocked_at = None
        user.blocked_reason = ""
        user.save(update_fields=["is_active", "blocked_at", "blocked_reason"])
        services.record_event(user=user, kind=AccountEvent.Kind.UNBLOCKED)
        audit.record(actor=actor, action="accounts.unblock", obj=user, reason=reason)
