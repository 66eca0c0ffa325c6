import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from core.uploads import MAX_BYTES

from . import conf, services
from .models import Area, Kind, Ticket

ACCEPT = "application/pdf,image/jpeg,image/png,image/heic,.pdf,.jpg,.jpeg,.png,.heic"

# Control characters (C0 but tab and line breaks, DEL, C1) and the bidirectional overrides
# and isolates: invisible, they can hide or reorder what an operator reads.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class TextField(forms.CharField):
    """A CharField that drops control characters before any check (length included)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = CONTROL_CHARACTERS.sub("", value)
        return super().to_python(value)


# Codes as the bill prints them. They go into requests.csv for the billing system: nothing
# a spreadsheet would run as a formula (=, +, -, @ first) or that could break a row.
code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9 ./-]*\Z",
    _("Scrivi il codice come sulla bolletta: lettere, cifre, spazi, punti, barre e trattini."),
)


class IdempotencyKeyField(forms.UUIDField):
    """The hidden key that makes a form sent twice store one row. A missing or mangled key
    (never the browser's doing) gets a fresh one: the submission goes through, and the page
    never sticks on a key that cannot be fixed."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", uuid.uuid4)  # a new key for each form shown
        super().__init__(**kwargs)

    def clean(self, value):
        try:
            key = super().clean(value)
        except ValidationError:
            key = None
        return key or uuid.uuid4()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _files_help():
    return _(
        "Fino a %(n)d file PDF, JPEG o PNG (le foto HEIC del telefono diventano JPEG), al "
        "massimo %(mb)d MB ciascuno."
    ) % {
        "n": conf.max_attachments(),
        "mb": MAX_BYTES // (1024 * 1024),
    }


class AttachmentsMixin:
    """Checks the files by content and counts them (services.check_files), per submission."""

    already = 0

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        try:
            return services.check_files(files, already=self.already)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


def meter_cost_words():
    return number_format(conf.meter_check_cost(), 2) + " €"


class TicketForm(AttachmentsMixin, forms.Form):
    """ "Nuova richiesta". For a water complaint, also what ARERA's RQSII asks a complaint
    form to carry; a meter complaint may ask for the meter check, whose cost is stated."""

    idempotency_key = IdempotencyKeyField()
    area = forms.ChoiceField(
        label=_("Area di competenza"), choices=Area.choices, widget=forms.RadioSelect
    )
    kind = forms.ChoiceField(
        label=_("Tipo di comunicazione"), choices=Kind.choices, widget=forms.RadioSelect
    )
    contract = forms.TypedChoiceField(
        label=_("Utenza"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Facoltativo: l'utenza a cui si riferisce la richiesta."),
        error_messages={"invalid_choice": _("Scegli una delle tue utenze.")},
    )
    subject = TextField(label=_("Oggetto"), max_length=200)
    text = TextField(
        label=_("Testo"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Descrivi la richiesta: date, importi, numeri di bolletta aiutano a rispondere prima."
        ),
    )
    holder_name = TextField(
        label=_("Nome e cognome dell'intestatario"), max_length=200, required=False
    )
    customer_code = TextField(
        label=_("Codice cliente"), max_length=30, required=False, validators=[code_validator]
    )
    service_code = TextField(
        label=_("Codice servizio"), max_length=30, required=False, validators=[code_validator]
    )
    supply_address = TextField(label=_("Indirizzo di fornitura"), max_length=255, required=False)
    reply_address = TextField(
        label=_("Indirizzo postale o e-mail per la risposta"), max_length=255, required=False
    )
    meter_complaint = forms.BooleanField(
        label=_("Il reclamo riguarda il contatore (misura dei consumi)"), required=False
    )
    meter_check = forms.BooleanField(label=_("Chiedo la verifica del contatore"), required=False)
    files = MultipleFileField(label=_("Allegati"))

    RQSII_FIELDS = (
        "holder_name",
        "customer_code",
        "service_code",
        "supply_address",
        "reply_address",
    )

    def __init__(self, *args, user, link_uid=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["files"].help_text = _files_help()
        self.fields["meter_check"].help_text = _(
            "La verifica è gratuita se il contatore risulta guasto o fuori tolleranza; "
            "altrimenti costa %(cost)s, addebitati in bolletta."
        ) % {"cost": meter_cost_words()}
        from customers.models import ContractLink

        self.links = list(
            ContractLink.objects.filter(user=user)
            .select_related("contract")
            .order_by("-contract__service", "contract__service_code")
        )
        self.fields["contract"].choices = [("", _("Nessuna utenza in particolare"))] + [
            (
                link.contract_id,
                f"{link.contract.get_service_display()} {link.contract.service_code}"
                + (f" - {link.contract.location}" if link.contract.location else ""),
            )
            for link in self.links
        ]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
            # "Nuova richiesta" from a contract's page: that contract, and its area.
            chosen = next((k for k in self.links if str(k.uid) == str(link_uid)), None)
            if chosen is not None:
                self.initial["contract"] = chosen.contract_id
                self.initial["area"] = {"water": Area.WATER, "waste": Area.WASTE}.get(
                    chosen.contract.service, ""
                )
        for name in self.RQSII_FIELDS + ("meter_complaint", "meter_check"):
            self.fields[name].widget.attrs["data-rqsii"] = "1"

    def clean_contract(self):
        value = self.cleaned_data.get("contract")
        if value is None:
            return None
        for link in self.links:
            if link.contract_id == value:
                return link.contract
        raise ValidationError(_("Scegli una delle tue utenze."))

    def is_water_complaint(self):
        data = self.cleaned_data
        return data.get("area") == Area.WATER and data.get("kind") == Kind.COMPLAINT

    def clean(self):
        cleaned = super().clean()
        if self.is_water_complaint():
            required = {
                "holder_name": _(
                    "Indica il nome e cognome (o la ragione sociale) dell'intestatario."
                ),
                "supply_address": _("Indica l'indirizzo di fornitura."),
                "reply_address": _(
                    "Indica dove vuoi ricevere la risposta: indirizzo postale o e-mail."
                ),
            }
            for name, message in required.items():
                if not cleaned.get(name):
                    self.add_error(name, message)
            codes = ("customer_code", "service_code")
            if not any(cleaned.get(n) for n in codes) and not any(n in self.errors for n in codes):
                self.add_error(
                    "customer_code",
                    _("Indica il codice cliente o il codice servizio: li trovi sulla bolletta."),
                )
            if cleaned.get("meter_check") and not cleaned.get("meter_complaint"):
                self.add_error(
                    "meter_check",
                    _("La verifica del contatore si chiede con un reclamo sul contatore."),
                )
        return cleaned

    def details(self):
        """The RQSII fields, for a water complaint only."""
        if not self.is_water_complaint():
            return {}
        data = self.cleaned_data
        return {
            **{name: data.get(name, "") for name in self.RQSII_FIELDS},
            "meter_complaint": data.get("meter_complaint", False),
            "meter_check": data.get("meter_check", False),
        }


class MessageForm(AttachmentsMixin, forms.Form):
    """The customer adds information to the conversation."""

    idempotency_key = IdempotencyKeyField()
    text = TextField(
        label=_("Il tuo messaggio"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    files = MultipleFileField(label=_("Allegati"))

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _files_help()


# --- back-office --------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    kind = forms.ChoiceField(
        label=_("Tipo"), required=False, choices=[("", _("Tutti"))] + list(Kind.choices)
    )
    status = forms.ChoiceField(
        label=_("Stato"),
        required=False,
        choices=[("", _("Tutti"))] + list(Ticket.Status.choices),
    )
    due = forms.ChoiceField(
        label=_("Scadenza"),
        required=False,
        choices=[
            ("", _("Tutte")),
            ("overdue", _("Scadute senza risposta")),
            ("week", _("Entro 5 giorni lavorativi")),
        ],
    )
    assigned = forms.ChoiceField(
        label=_("Assegnazione"),
        required=False,
        choices=[("", _("Tutte")), ("me", _("Assegnate a me")), ("none", _("Non assegnate"))],
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Area.choices)
        self.fields["area"].choices = [("", _("Tutte"))] + [(a, labels[a]) for a in areas]


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Assegna a"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, operators, **kwargs):
        super().__init__(*args, **kwargs)
        self.operators = {u.pk: u for u in operators}
        self.fields["assignee"].choices = [("", _("Nessuno"))] + [
            (u.pk, f"{u.get_full_name() or u.username} ({u.username})") for u in operators
        ]


class NoteForm(forms.Form):
    idempotency_key = IdempotencyKeyField()
    note = TextField(
        label=_("Nota interna"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Visibile solo al personale: il cliente non la vede."),
    )


class AnswerForm(AttachmentsMixin, forms.Form):
    idempotency_key = IdempotencyKeyField()
    answer = TextField(
        label=_("Risposta al cliente"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Il cliente riceve un'e-mail che lo avvisa della risposta, senza il testo: la legge "
            "dopo l'accesso."
        ),
    )
    files = MultipleFileField(label=_("Allegati"))

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _files_help()


class StatisticsForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Anno"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Tutti"))] + [(y, str(y)) for y in years]
