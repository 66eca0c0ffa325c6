import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One e-mail, written in the same transaction as the change that causes it.

    The worker hands it to SMTP (core.outbox.deliver); a message that keeps failing ends up
    DEAD, where staff see it and can queue it again.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("in coda")
        SENDING = "sending", _("in invio")
        SENT = "sent", _("inviato")
        DEAD = "dead", _("non recapitabile")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("tipo"), max_length=80)
    to = models.EmailField(_("destinatario"))
    subject = models.CharField(_("oggetto"), max_length=255)
    body_text = models.TextField(_("testo"))
    body_html = models.TextField(_("HTML"), blank=True)
    state = models.CharField(
        _("stato"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("tentativi"), default=0)
    last_error = models.TextField(_("ultimo errore"), blank=True)
    transport = models.CharField(_("canale"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("creato il"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prossimo tentativo"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("inviato il"), null=True, blank=True)

    class Meta:
        verbose_name = _("messaggio in uscita")
        verbose_name_plural = _("posta in uscita")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("Audit events cannot be changed.")

    def delete(self):
        raise PermissionDenied("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Append-only record of who did what to which object, and when.

    The model refuses updates and deletes; on PostgreSQL a trigger refuses them too, so a bug
    or a compromised code path in the application cannot rewrite history.
    """

    at = models.DateTimeField(_("quando"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chi"),
        null=True,
        blank=True,
        # The log outlives the people in it: deleting a profile must not UPDATE the
        # append-only table (the PostgreSQL trigger would refuse), so the id stays as is.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("chi (al momento)"), max_length=150, blank=True)
    action = models.CharField(_("azione"), max_length=80, db_index=True)
    object_type = models.CharField(_("tipo oggetto"), max_length=80, blank=True)
    object_id = models.CharField(_("oggetto"), max_length=64, blank=True, db_index=True)
    detail = models.JSONField(_("dettagli"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("evento di audit")
        verbose_name_plural = _("registro di audit")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit events cannot be deleted.")
