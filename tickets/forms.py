import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from core.uploads import MAX_BYTES

from . import conf, services
from .models import Area, Kind, Ticket

ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


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
    return _("Fino a %(n)d file PDF, JPEG o PNG, al massimo %(mb)d MB ciascuno.") % {
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

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
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
    )
    subject = forms.CharField(label=_("Oggetto"), max_length=200)
    text = forms.CharField(
        label=_("Testo"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Descrivi la richiesta: date, importi, numeri di bolletta aiutano a rispondere prima."
        ),
    )
    holder_name = forms.CharField(
        label=_("Nome e cognome dell'intestatario"), max_length=200, required=False
    )
    customer_code = forms.CharField(label=_("Codice cliente"), max_length=30, required=False)
    service_code = forms.CharField(label=_("Codice servizio"), max_length=30, required=False)
    supply_address = forms.CharField(
        label=_("Indirizzo di fornitura"), max_length=255, required=False
    )
    reply_address = forms.CharField(
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
            if not cleaned.get("customer_code") and not cleaned.get("service_code"):
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

    text = forms.CharField(
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
    note = forms.CharField(
        label=_("Nota interna"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Visibile solo al personale: il cliente non la vede."),
    )


class AnswerForm(AttachmentsMixin, forms.Form):
    answer = forms.CharField(
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
