""" "Scarica i miei dati": the section core owns (the mail the portal sent to the user)."""

from .models import OutboxMessage
from .registry import local_time


def sent_mail(user):
    if not user.email:
        return []
    return [
        {
            "oggetto": m.subject,
            "creato_il": local_time(m.created_at),
            "stato": m.get_state_display(),
        }
        for m in OutboxMessage.objects.filter(to__iexact=user.email).only(
            "subject", "created_at", "state"
        )
    ]
