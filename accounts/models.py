import hashlib
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.identifiers import mask_codice_fiscale

from .validators import format_phone


class User(AbstractUser):
    """A web profile: who uses the portal, with the identity data the guide asks for.

    A profile is born unconfirmed (no usable password). Following the welcome e-mail's link
    and choosing a password confirms it. Staff may block it (is_active off, with a reason).
    Usernames and e-mail addresses are unique without regard to case.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("Persona fisica")
        COMPANY = "company", _("Persona giuridica")

    class DocumentType(models.TextChoices):
        IDENTITY_CARD = "carta_identita", _("Carta d'identità")
        ELECTRONIC_ID = "carta_identita_elettronica", _("Carta d'identità elettronica")
        PASSPORT = "passaporto", _("Passaporto")
        DRIVING_LICENCE = "patente", _("Patente di guida")
        RESIDENCE_PERMIT = "permesso_soggiorno", _("Permesso di soggiorno")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("indirizzo e-mail"), blank=True)
    kind = models.CharField(
        _("tipo di profilo"), max_length=10, choices=Kind.choices, default=Kind.PERSON
    )
    company_name = models.CharField(_("ragione sociale"), max_length=200, blank=True)
    codice_fiscale = models.CharField(_("codice fiscale"), max_length=16, blank=True, db_index=True)
    partita_iva = models.CharField(_("partita IVA"), max_length=11, blank=True, db_index=True)
    phone_landline = models.CharField(_("telefono fisso"), max_length=20, blank=True)
    phone_mobile = models.CharField(_("cellulare"), max_length=20, blank=True)
    document_type = models.CharField(
        _("tipo di documento"), max_length=30, choices=DocumentType.choices, blank=True
    )
    document_number = models.CharField(_("numero del documento"), max_length=40, blank=True)
    document_expiry = models.DateField(_("data scadenza documento"), null=True, blank=True)
    document_issuer = models.CharField(_("ente emittente documento"), max_length=120, blank=True)
    email_confirmed_at = models.DateTimeField(_("e-mail confermata il"), null=True, blank=True)
    blocked_at = models.DateTimeField(_("bloccato il"), null=True, blank=True)
    blocked_reason = models.TextField(_("motivo del blocco"), blank=True)

    class Meta:
        verbose_name = _("profilo web")
        verbose_name_plural = _("profili web")
        # Staff permissions that are not "add/change/delete/view" of one model; the roles
        # (groups) that hold them are created by migration 0003_staff_roles.
        permissions = [
            ("access_backoffice", _("Può entrare nel back-office")),
            ("manage_customers", _("Può bloccare, sbloccare e contattare i profili dei clienti")),
            ("manage_staff", _("Può gestire il personale e i suoi ruoli")),
        ]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
            ),
        ]

    @property
    def display_name(self):
        if self.kind == self.Kind.COMPANY and self.company_name:
            return self.company_name
        return self.get_full_name() or self.username

    @property
    def is_confirmed(self):
        return self.email_confirmed_at is not None

    @property
    def status(self):
        if self.blocked_at:
            return _("bloccato")
        if not self.is_confirmed:
            return _("da confermare")
        return _("attivo")

    @property
    def codice_fiscale_masked(self):
        return mask_codice_fiscale(self.codice_fiscale)

    @property
    def phone_landline_display(self):
        return format_phone(self.phone_landline)

    @property
    def phone_mobile_display(self):
        return format_phone(self.phone_mobile)


class Consent(models.Model):
    """One consent given or withdrawn, append-only, with the notice's version.

    Kept when the profile is deleted (the law asks to prove consent), detached from it:
    `user` becomes NULL and only the opaque `subject` id stays.
    """

    class Kind(models.TextChoices):
        PRIVACY = "privacy", _("Presa visione dell'informativa sui servizi online")
        NEWS = "news", _("Notizie e avvisi via e-mail")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consents",
    )
    subject = models.UUIDField(_("soggetto"), db_index=True)
    kind = models.CharField(_("consenso"), max_length=20, choices=Kind.choices)
    granted = models.BooleanField(_("dato"))
    notice_version = models.CharField(_("versione dell'informativa"), max_length=20)
    at = models.DateTimeField(_("quando"), default=timezone.now)
    ip = models.GenericIPAddressField(_("indirizzo IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("consenso")
        verbose_name_plural = _("consensi")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.granted} ({self.at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Consents are append-only.")
        super().save(*args, **kwargs)


class EmailToken(models.Model):
    """A single-use link sent by e-mail. Only the token's hash is stored."""

    class Purpose(models.TextChoices):
        CONFIRM = "confirm", _("conferma della registrazione")
        RESET = "reset", _("nuova password")
        EMAIL_CHANGE = "email_change", _("cambio di indirizzo e-mail")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose"])]

    def __str__(self):
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def hash(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_usable(self):
        return self.used_at is None and self.expires_at > timezone.now()


class AccountEvent(models.Model):
    """What the customer sees under "Attività recenti": logins and failures, changes to the
    profile, services linked and unlinked, data downloaded. `detail` names the object (a
    service code, the profile fields changed, the export's format)."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registrazione")
        CONFIRMED = "confirmed", _("Conferma dell'indirizzo e-mail")
        LOGIN = "login", _("Accesso")
        LOGIN_FAILED = "login_failed", _("Tentativo di accesso non riuscito")
        LOGOUT = "logout", _("Uscita")
        PASSWORD_SET = "password_set", _("Password impostata")
        PASSWORD_CHANGED = "password_changed", _("Password modificata")
        PASSWORD_RESET = "password_reset", _("Password reimpostata con il link via e-mail")
        PROFILE_CHANGED = "profile_changed", _("Profilo web modificato")
        EMAIL_CHANGE_REQUESTED = "email_change_requested", _("Richiesto cambio di indirizzo e-mail")
        EMAIL_CHANGED = "email_changed", _("Indirizzo e-mail modificato")
        SESSION_ENDED = "session_ended", _("Sessione chiusa da remoto")
        OTP_ENABLED = "otp_enabled", _("Verifica in due passaggi attivata")
        OTP_DISABLED = "otp_disabled", _("Verifica in due passaggi disattivata")
        BLOCKED = "blocked", _("Profilo bloccato dal Servizio Clienti")
        UNBLOCKED = "unblocked", _("Profilo sbloccato dal Servizio Clienti")
        NEWS_GIVEN = "news_given", _("Consenso a notizie e avvisi via e-mail dato")
        NEWS_WITHDRAWN = "news_withdrawn", _("Consenso a notizie e avvisi via e-mail ritirato")
        CONTRACT_LINKED = "contract_linked", _("Servizio collegato")
        CONTRACT_LINK_FAILED = "contract_link_failed", _("Aggancio servizi non riuscito")
        CONTRACT_UNLINKED = "contract_unlinked", _("Servizio scollegato")
        CONTRACT_UNLINKED_BY_STAFF = (
            "contract_unlinked_staff",
            _("Servizio scollegato dal Servizio Clienti"),
        )
        DATA_EXPORTED = "data_exported", _("Dati scaricati")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_events"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    place = models.CharField(max_length=80, blank=True)
    device = models.CharField(max_length=120, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def detail_display(self):
        """`detail` in the customer's words: the labels of the fields changed, "servizio
        <code>", the export's format."""
        if not self.detail:
            return ""
        if self.kind == self.Kind.PROFILE_CHANGED:
            names = []
            for name in self.detail.split(","):
                try:
                    names.append(str(User._meta.get_field(name).verbose_name))
                except FieldDoesNotExist:
                    names.append(name)
            return ", ".join(names)
        if self.kind in (
            self.Kind.CONTRACT_LINKED,
            self.Kind.CONTRACT_UNLINKED,
            self.Kind.CONTRACT_UNLINKED_BY_STAFF,
        ):
            return _("servizio %(code)s") % {"code": self.detail}
        return self.detail


class UserSession(models.Model):
    """A login session, so the customer can see and end the others."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    place = models.CharField(max_length=80, blank=True)
    device = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self):
        return f"{self.device} {self.last_seen_at:%Y-%m-%d %H:%M}"
