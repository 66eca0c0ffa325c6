from django.contrib.auth import get_user_model
from django.db.models import Q

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


def sessions_of(user):
    return UserSession.objects.filter(user=user)


def consents_of(user):
    return Consent.objects.filter(user=user)
