"""Login sessions the customer can see and end, and the activity log ("Attività recenti")."""

from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from ..activity import place_of, request_context
from ..models import AccountEvent, UserSession


def record_event(*, user, kind, request=None, ip=None, detail=""):
    """One line of "Attività recenti": what happened, when, from where (the request's
    address, place and device, or just `ip` for callers that hold no request). `detail`
    names the object: a service code, the fields changed, the export's format."""
    context = request_context(request)
    if ip and not context["ip"]:
        context.update(ip=ip, place=place_of(ip))
    return AccountEvent.objects.create(user=user, kind=kind, detail=str(detail)[:200], **context)


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
    """End every session of `user` but `keep`'s. Returns how many."""
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=keep or "")
        .values_list("session_key", flat=True)
    )
    for key in keys:
        SessionStore(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)
