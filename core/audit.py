"""The audit log: one function to write to it, nothing to change it."""

from .models import AuditEvent


def record(*, actor, action, obj=None, **detail):
    """Append an audit event. `actor` is a user or None (the system); `detail` must hold no
    secrets (no passwords, no tokens)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.get_username() if actor is not None and actor.pk else "sistema",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
    )
