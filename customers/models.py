import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Holder(models.Model):
    """Intestatario: a customer of the billing system, keyed by its codice cliente.

    Only the feed writes holders (feeds.importer); the portal never invents them.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("Persona fisica")
        COMPANY = "company", _("Persona giuridica")

    customer_code = models.CharField(_("codice cliente"), max_length=30, unique=True)
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    first_name = models.CharField(_("nome"), max_length=150, blank=True)
    last_name = models.CharField(_("cognome"), max_length=150, blank=True)
    company_name = models.CharField(_("ragione sociale"), max_length=200, blank=True)
    codice_fiscale = models.CharField(_("codice fiscale"), max_length=16, blank=True, db_index=True)
    partita_iva = models.CharField(_("partita IVA"), max_length=11, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telefono"), max_length=30, blank=True)
    address = models.CharField(_("indirizzo"), max_length=255, blank=True)
    checksum = models.CharField(max_length=32, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("intestatario")
        verbose_name_plural = _("intestatari")

    def __str__(self):
        return f"{self.customer_code} {self.name}"

    @property
    def name(self):
        if self.kind == self.Kind.COMPANY:
            return self.company_name
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def tax_code(self):
        """CF / PIVA as the guide's holder block shows it."""
        if self.kind == self.Kind.COMPANY:
            return self.partita_iva or self.codice_fiscale
        return self.codice_fiscale


class Contract(models.Model):
    """Utenza: one supply contract, keyed by its codice servizio."""

    class Service(models.TextChoices):
        WATER = "water", _("ACQUA")
        WASTE = "waste", _("RIFIUTI")

    class Use(models.TextChoices):
        DOMESTIC = "domestic", _("Domestica")
        NON_DOMESTIC = "non_domestic", _("Non domestica")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Attivo")
        SUSPENDED = "suspended", _("Sospeso")
        TERMINATED = "terminated", _("Cessato")

    service_code = models.CharField(_("codice servizio"), max_length=30, unique=True)
    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="contracts")
    service = models.CharField(_("servizio"), max_length=10, choices=Service.choices)
    use = models.CharField(_("utenza"), max_length=15, choices=Use.choices)
    supply_address = models.CharField(_("ubicazione servizio"), max_length=255, blank=True)
    municipality = models.CharField(_("comune"), max_length=100, blank=True)
    status = models.CharField(_("stato"), max_length=12, choices=Status.choices)
    tariff = models.CharField(_("tariffa"), max_length=120, blank=True)
    direct_debit = models.BooleanField(_("domiciliazione bancaria"), default=False)
    start_date = models.DateField(_("data di attivazione"), null=True, blank=True)
    end_date = models.DateField(_("data di cessazione"), null=True, blank=True)
    checksum = models.CharField(max_length=32, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("utenza")
        verbose_name_plural = _("utenze")

    def __str__(self):
        return f"{self.service_code} {self.get_service_display()}"

    @property
    def location(self):
        """UBICAZIONE SERVIZIO as the guide prints it: "VIA ROMA 1 - VILLA DEL CONTE"."""
        return " - ".join(p for p in (self.supply_address, self.municipality) if p).upper()


class ContractLink(models.Model):
    """A web user reaches a contract only through a link, made with the codes on a bill and
    the DPR 445/2000 declaration, which is stored with its version, time and address."""

    class Method(models.TextChoices):
        BILL_CODES = "bill_codes", _("codici della bolletta")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contract_links"
    )
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="links")
    created_at = models.DateTimeField(_("collegata il"), default=timezone.now)
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.BILL_CODES)
    declaration_version = models.CharField(_("versione della dichiarazione"), max_length=20)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("collegamento")
        verbose_name_plural = _("collegamenti")
        constraints = [
            models.UniqueConstraint(fields=["user", "contract"], name="customers_link_unique"),
        ]

    def __str__(self):
        return f"{self.user_id} -> {self.contract_id}"
