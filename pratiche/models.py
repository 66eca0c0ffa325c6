import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """The catalogue of "Le mie pratiche" (each has its own form in forms.py)."""

    VARIAZIONE = "variazione_anagrafica", _("Variazione dati anagrafici e indirizzo di recapito")
    ATTIVAZIONE = "attivazione", _("Attivazione nuovo servizio")
    SUBENTRO = "subentro", _("Subentro")
    VOLTURA = "voltura", _("Voltura")
    CESSAZIONE = "cessazione", _("Cessazione del servizio")
    CHIARIMENTI = "chiarimenti_bolletta", _("Richiesta di chiarimenti / rettifica di una bolletta")
    DOMICILIAZIONE = "domiciliazione", _("Domiciliazione bancaria (addebito diretto SEPA)")
    REVOCA = "revoca_domiciliazione", _("Revoca della domiciliazione bancaria")


# RQSII (ARERA) execution times in working days, and the portal's own for the others. The
# data migration writes them into PraticaType, where the administration may change them.
DEFAULT_WORKING_DAYS = {
    Kind.VARIAZIONE: 30,
    Kind.ATTIVAZIONE: 5,
    Kind.SUBENTRO: 5,
    Kind.VOLTURA: 5,
    Kind.CESSAZIONE: 7,
    Kind.CHIARIMENTI: 60,
    Kind.DOMICILIAZIONE: 30,
    Kind.REVOCA: 5,
}


class PraticaType(models.Model):
    """Per kind of pratica: its clock in working days and whether customers may file it."""

    kind = models.CharField(_("tipo di pratica"), max_length=30, choices=Kind.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(
        _("giorni lavorativi per l'esecuzione"),
        help_text=_("Dal giorno dopo l'invio; sabato, domenica e festivi esclusi."),
    )
    enabled = models.BooleanField(_("disponibile ai clienti"), default=True)

    class Meta:
        verbose_name = _("tipo di pratica")
        verbose_name_plural = _("tipi di pratica")
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()


class State(models.TextChoices):
    DRAFT = "draft", _("Bozza")
    SENT = "sent", _("Inviata")
    IN_PROGRESS = "in_progress", _("In lavorazione")
    INTEGRATION_REQUESTED = "integration_requested", _("Richiesta integrazione")
    INTEGRATED = "integrated", _("Integrata")
    ACCEPTED = "accepted", _("Accolta")
    REJECTED = "rejected", _("Respinta")
    CANCELLED = "cancelled", _("Annullata")


class Pratica(models.Model):
    """One application. Born a draft; sent, it gets a protocol number and its frozen summary
    (what the customer sent, the receipt shows it); then only set_pratica_state() moves it."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The form's one-time key: a double submit finds the row the first one made.
    idempotency_key = models.UUIDField(unique=True, editable=False)
    protocol = models.CharField(_("protocollo"), max_length=30, unique=True, null=True, blank=True)
    kind = models.CharField(_("tipo"), max_length=30, choices=Kind.choices)
    # Kept (detached) when the web profile is deleted: the utility's record of an application.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pratiche",
    )
    contract = models.ForeignKey(
        "customers.Contract",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pratiche",
    )
    service_code = models.CharField(_("codice servizio"), max_length=30, blank=True)
    state = models.CharField(_("stato"), max_length=25, choices=State.choices, default=State.DRAFT)
    data = models.JSONField(_("dati del modulo"), default=dict, blank=True)
    # [[label, value], …] as the customer saw and sent them: the receipt and the pages read it.
    summary = models.JSONField(_("riepilogo inviato"), default=list, blank=True)
    declaration_version = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(_("creata il"), default=timezone.now)
    updated_at = models.DateTimeField(_("aggiornata il"), default=timezone.now)
    submitted_at = models.DateTimeField(_("inviata il"), null=True, blank=True)
    due_on = models.DateField(_("scadenza"), null=True, blank=True)
    decided_at = models.DateTimeField(_("conclusa il"), null=True, blank=True)
    reason = models.TextField(_("motivazione"), blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pratiche_assigned",
        verbose_name=_("assegnata a"),
    )
    receipt = models.CharField(max_length=255, blank=True)  # name in the private storage
    receipt_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("pratica")
        verbose_name_plural = _("pratiche")
        permissions = [("process_pratica", _("Può lavorare le pratiche online"))]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="pratiche_user_idx"),
            models.Index(fields=["state", "due_on"], name="pratiche_queue_idx"),
        ]

    def __str__(self):
        return self.protocol or f"bozza {self.uid}"

    @property
    def title(self):
        return self.get_kind_display()


class ProtocolCounter(models.Model):
    """The last protocol number given in a year (locked while the next is taken)."""

    year = models.PositiveIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class Attachment(models.Model):
    """A document of a pratica, checked by content (core.uploads) and kept in private storage."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pratica = models.ForeignKey(Pratica, on_delete=models.CASCADE, related_name="attachments")
    slot = models.CharField(max_length=40)  # which document of the form ("documento_identita")
    label = models.CharField(_("documento"), max_length=200)
    file = models.CharField(max_length=255)  # name in the private storage
    file_kind = models.CharField(max_length=10)  # core.uploads kind: pdf, jpeg, png
    original_name = models.CharField(_("nome del file"), max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)
    integration = models.BooleanField(_("integrazione"), default=False)

    class Meta:
        verbose_name = _("allegato")
        verbose_name_plural = _("allegati")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.label

    @property
    def is_image(self):
        return self.file_kind in ("jpeg", "png")


class PraticaEvent(models.Model):
    """The history of a pratica, as the customer and staff see it."""

    pratica = models.ForeignKey(Pratica, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=25, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=25, choices=State.choices)
    at = models.DateTimeField(default=timezone.now)
    by_staff = models.BooleanField(default=False)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_state} -> {self.to_state}"


class Mandate(models.Model):
    """A SEPA direct-debit mandate signed through a "Domiciliazione bancaria" pratica."""

    class Status(models.TextChoices):
        SIGNED = "signed", _("Sottoscritto")
        REVOKED = "revoked", _("Revocato")
        CANCELLED = "cancelled", _("Annullato")

    mandate_id = models.CharField(_("identificativo del mandato"), max_length=35, unique=True)
    pratica = models.OneToOneField(Pratica, on_delete=models.PROTECT, related_name="mandate")
    contract = models.ForeignKey(
        "customers.Contract", on_delete=models.SET_NULL, null=True, related_name="mandates"
    )
    service_code = models.CharField(_("codice servizio"), max_length=30)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    account_holder = models.CharField(_("intestatario del conto"), max_length=140)
    account_holder_cf = models.CharField(_("codice fiscale dell'intestatario"), max_length=16)
    signed_at = models.DateTimeField(_("sottoscritto il"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SIGNED)
    revoked_at = models.DateTimeField(_("revocato il"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        Pratica, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("mandato SEPA")
        verbose_name_plural = _("mandati SEPA")

    def __str__(self):
        return self.mandate_id

    @property
    def iban_masked(self):
        return f"{self.iban[:4]} **** {self.iban[-4:]}"


class DeliveryChange(models.Model):
    """A change to how a contract's bills arrive ("Modifica le Impostazioni invio documenti e
    autorizzazioni"): on paper, or by e-mail to an address. Append-only; the latest effective
    row of a contract is its setting. Another address than the profile's confirmed one takes
    effect only once its owner follows the link we send there."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contract = models.ForeignKey(
        "customers.Contract", on_delete=models.CASCADE, related_name="delivery_changes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by_email = models.BooleanField(_("bolletta via e-mail"))
    email = models.EmailField(_("indirizzo e-mail"), blank=True)
    privacy_version = models.CharField(max_length=20, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    effective_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("modifica dell'invio bollette")
        verbose_name_plural = _("modifiche dell'invio bollette")
        indexes = [models.Index(fields=["contract", "-effective_at"], name="pratiche_delivery_idx")]

    def __str__(self):
        return f"{self.contract_id} {'email' if self.by_email else 'carta'}"

    @staticmethod
    def hash(token):
        return hashlib.sha256(token.encode()).hexdigest()
