import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Area(models.TextChoices):
    WATER = "water", _("Acqua")
    WASTE = "waste", _("Ambiente")
    ENERGY = "energy", _("Energia")


class Kind(models.TextChoices):
    INFORMATION = "information", _("Richiesta di informazioni")
    REPORT = "report", _("Segnalazione")
    PRAISE = "praise", _("Nota di merito")
    COMPLAINT = "complaint", _("Reclamo")
    BILLING_CORRECTION = "billing_correction", _("Richiesta di rettifica di fatturazione")


# The permission that lets staff see and handle the requests of one area.
AREA_PERMISSIONS = {
    Area.WATER: "handle_water",
    Area.WASTE: "handle_waste",
    Area.ENERGY: "handle_energy",
}


class ResponseStandard(models.Model):
    """How many working days the utility has to answer a request of an area and type, and
    the rule that says so (ARERA's RQSII for water, TQRIF for waste). Edited in the admin;
    a request keeps the standard it was filed under."""

    area = models.CharField(_("area"), max_length=10, choices=Area.choices)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    rule = models.CharField(_("norma"), max_length=200)
    working_days = models.PositiveSmallIntegerField(_("giorni lavorativi"))
    indemnity_base = models.DecimalField(
        _("indennizzo automatico base (€)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_(
            "Per i reclami: pagato una volta oltre lo standard, due volte oltre il doppio, tre "
            "volte oltre il triplo. 0 per nessun indennizzo."
        ),
    )

    class Meta:
        verbose_name = _("standard di risposta")
        verbose_name_plural = _("standard di risposta")
        ordering = ["area", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["area", "kind"], name="tickets_standard_unique"),
        ]

    def __str__(self):
        return f"{self.get_area_display()} · {self.get_kind_display()}: {self.working_days} gg"


class Ticket(models.Model):
    """A request or complaint a customer filed from "Richieste e reclami"."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Inviata")
        TAKEN = "taken", _("Presa in carico")
        ANSWERED = "answered", _("Risposta pubblicata")
        CLOSED = "closed", _("Chiusa")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    protocol = models.CharField(_("protocollo"), max_length=20, unique=True, null=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    idempotency_key = models.UUIDField(editable=False)
    area = models.CharField(_("area"), max_length=10, choices=Area.choices)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    contract = models.ForeignKey(
        "customers.Contract",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("utenza"),
    )
    subject = models.CharField(_("oggetto"), max_length=200)
    text = models.TextField(_("testo"))
    # What ARERA's RQSII asks a water complaint to carry (art. 46.4).
    holder_name = models.CharField(
        _("nome e cognome dell'intestatario"), max_length=200, blank=True
    )
    customer_code = models.CharField(_("codice cliente"), max_length=30, blank=True)
    service_code = models.CharField(_("codice servizio"), max_length=30, blank=True)
    supply_address = models.CharField(_("indirizzo di fornitura"), max_length=255, blank=True)
    reply_address = models.CharField(
        _("indirizzo postale o e-mail per la risposta"), max_length=255, blank=True
    )
    meter_complaint = models.BooleanField(_("reclamo sul contatore"), default=False)
    meter_check = models.BooleanField(_("richiesta di verifica del contatore"), default=False)
    meter_check_cost = models.DecimalField(
        _("costo della verifica dichiarato"), max_digits=7, decimal_places=2, null=True, blank=True
    )

    status = models.CharField(
        _("stato"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    received_at = models.DateTimeField(_("ricevuta il"), default=timezone.now)
    standard_rule = models.CharField(_("norma"), max_length=200)
    standard_days = models.PositiveSmallIntegerField(_("giorni lavorativi dello standard"))
    indemnity_base = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    due_on = models.DateField(_("risposta prevista entro il"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assegnata a"),
    )
    answered_at = models.DateTimeField(_("risposta pubblicata il"), null=True, blank=True)
    working_days_taken = models.PositiveSmallIntegerField(null=True, blank=True)
    indemnity = models.DecimalField(
        _("indennizzo automatico"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    closed_at = models.DateTimeField(_("chiusa il"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("richiesta")
        verbose_name_plural = _("richieste")
        permissions = [
            ("handle_water", _("Gestire le richieste dell'area acqua")),
            ("handle_waste", _("Gestire le richieste dell'area ambiente")),
            ("handle_energy", _("Gestire le richieste dell'area energia")),
            ("view_statistics", _("Vedere le statistiche delle richieste")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="tickets_one_per_submit"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="tickets_queue_idx")]

    def __str__(self):
        return self.protocol or str(self.uid)

    @property
    def is_open(self):
        return self.status != self.Status.CLOSED


class Message(models.Model):
    """One entry of a request's conversation: the customer's messages, staff answers, and
    internal notes the customer never sees."""

    class Sender(models.TextChoices):
        CUSTOMER = "customer", _("Cliente")
        STAFF = "staff", _("Servizio Clienti")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    internal = models.BooleanField(_("nota interna"), default=False)
    text = models.TextField(_("testo"))
    created_at = models.DateTimeField(default=timezone.now)
    # The key of the form that sent it: the same form sent twice stores one message.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("messaggio")
        verbose_name_plural = _("messaggi")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "idempotency_key"], name="tickets_message_once"
            ),
        ]

    def __str__(self):
        return f"{self.ticket} {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """A file handed in with a request or a message, stored in the private storage."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    sender = models.CharField(max_length=10, choices=Message.Sender.choices)
    file = models.CharField(max_length=255)  # the name in the private storage
    kind = models.CharField(max_length=5)  # core.uploads kinds: pdf, jpeg, png
    size = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("allegato")
        verbose_name_plural = _("allegati")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.download_name

    @property
    def extension(self):
        from core.uploads import EXTENSIONS

        return EXTENSIONS[self.kind]

    @property
    def download_name(self):
        """A name the server makes (no customer-typed text in headers)."""
        return f"{self.ticket.protocol or 'richiesta'}-allegato-{self.position}.{self.extension}"


class StandardAnswer(models.Model):
    """A reply the utility writes once and operators start from."""

    title = models.CharField(_("titolo"), max_length=120)
    area = models.CharField(
        _("area"), max_length=10, choices=Area.choices, blank=True, help_text=_("Vuoto: tutte.")
    )
    text = models.TextField(_("testo"))
    active = models.BooleanField(_("attiva"), default=True)

    class Meta:
        verbose_name = _("risposta standard")
        verbose_name_plural = _("risposte standard")
        ordering = ["title"]

    def __str__(self):
        return self.title
