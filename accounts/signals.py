from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from core.signals import housekeeping

from . import selectors, services
from .backends import find_by_username_or_email
from .models import AccountEvent, UserSession


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        services.start_session(user=user, request=request)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None and request is not None and request.session.session_key:
        services.forget_session(session_key=request.session.session_key)
        services.record_event(user=user, kind=AccountEvent.Kind.LOGOUT, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    user = find_by_username_or_email(credentials.get("username"))
    if user is not None:
        services.record_event(user=user, kind=AccountEvent.Kind.LOGIN_FAILED, request=request)


@receiver(housekeeping)
def prune_ended_sessions(sender, **kwargs):
    """Daily: forget the rows (address, place, device) of sessions that no longer work, so
    "Sessioni aperte" keeps nothing of a session once it has ended."""
    deleted, _ = UserSession.objects.filter(~selectors.live_sessions()).delete()
    return deleted
