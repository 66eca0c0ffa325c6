from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import AccountEvent, Consent, UserSession


def search_users(term):
    """Back-office search by username, e-mail, name, ragione sociale, CF or P.IVA."""
    users = get_user_model().objects.order_by("username")
    term = (term or "").strip()
    if not term:
        return users.none()
    compact = term.replace(" ", "")
    return users.filter(
        Q(username__icontains=term)
        | Q(email__icontains=term)
        | Q(first_name__icontains=term)
        | Q(last_name__icontains=term)
        | Q(company_name__icontains=term)
        | Q(codice_fiscale=compact.upper())
        | Q(partita_iva=compact)
    )


def recent_events(user, limit=50):
    events = AccountEvent.objects.filter(user=user)
    return events[:limit] if limit else events


def live_sessions():
    """Condition on UserSession: its Django session still exists and has not expired."""
    return Exists(
        Session.objects.filter(session_key=OuterRef("session_key"), expire_date__gt=timezone.now())
    )


def sessions_of(user):
    """ "Sessioni aperte": only sessions that still work, in one query. The rows of ended
    ones are pruned daily (`manage.py housekeeping`, accounts.signals)."""
    return UserSession.objects.filter(live_sessions(), user=user)


def consents_of(user):
    return Consent.objects.filter(user=user)
