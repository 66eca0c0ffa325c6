"""The catalogue: one form per kind of pratica, with its fields, documents and checks."""

import contextlib
import logging

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.identifiers import clean_codice_fiscale

from ..models import Kind, Mandate
from .base import (
    DATE_WIDGET,
    SERVICE_CHOICES,
    TITLE_CHOICES,
    USE_CHOICES,
    PraticaForm,
    _address_fields,
    _reading_field,
    clean_iban,
    mandate_text,
)

logger = logging.getLogger(__name__)

# --- the catalogue ---------------------------------------------------------------------------


class VariazioneForm(PraticaForm):
    kind = Kind.VARIAZIONE
    intro = _(
        "Cambia l'indirizzo a cui ricevi le bollette, i tuoi recapiti, o correggi un dato "
        "anagrafico sbagliato dell'intestatario."
    )
    documents = (
        ("documento_identita", _("Documento d'identità"), False,
         _("Necessario per correggere un dato anagrafico. PDF, JPEG o PNG, al massimo 10 MB.")),
    )  # fmt: skip

    changes = forms.MultipleChoiceField(
        label=_("Cosa vuoi cambiare"),
        choices=[
            ("recapito", _("Indirizzo di recapito delle bollette")),
            ("contatti", _("Recapiti (e-mail, telefono)")),
            ("anagrafica", _("Correzione dei dati anagrafici")),
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Scegli almeno una cosa da cambiare.")},
    )
    recipient = forms.CharField(label=_("Presso (facoltativo)"), max_length=120, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = _address_fields("new", _("Nuovo recapito"), required=False)
        fields["new_contact_email"] = forms.EmailField(
            label=_("Nuovo indirizzo e-mail di contatto"), required=False
        )
        fields["new_contact_phone"] = forms.CharField(
            label=_("Nuovo numero di telefono"), max_length=30, required=False
        )
        fields["wrong_data"] = forms.CharField(
            label=_("Dato anagrafico da correggere e valore corretto"),
            max_length=1000,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Per esempio: cognome scritto «Rosi», quello giusto è «Rossi»."),
        )
        self.fields.update(fields)

    def initial_for(self, contract):
        return {"changes": ["recapito"]} if contract else {}

    def clean(self):
        data = super().clean()
        changes = data.get("changes") or []
        if "recapito" in changes:
            for name in ("new_street", "new_postcode", "new_town"):
                if not data.get(name):
                    self.add_error(name, _("Scrivi questo dato del nuovo recapito."))
        if "contatti" in changes and not (
            data.get("new_contact_email") or data.get("new_contact_phone")
        ):
            self.add_error("new_contact_email", _("Scrivi il nuovo indirizzo e-mail o telefono."))
        if "anagrafica" in changes:
            if not data.get("wrong_data"):
                self.add_error("wrong_data", _("Scrivi quale dato è sbagliato e quello giusto."))
            if not data.get("doc_documento_identita") and "documento_identita" not in self.existing:
                self.add_error(
                    "doc_documento_identita",
                    _("Per correggere i dati anagrafici allega un documento d'identità."),
                )
        return data


class AttivazioneForm(PraticaForm):
    kind = Kind.ATTIVAZIONE
    contract_mode = None
    intro = _(
        "Chiedi una nuova fornitura o un nuovo allacciamento in un immobile dove il servizio "
        "non c'è ancora."
    )
    documents = (
        ("documento_identita", _("Documento d'identità"), True, ""),
        ("titolo_immobile", _("Documento del titolo sull'immobile (atto, contratto di "
                              "locazione o comodato)"), True, ""),
    )  # fmt: skip

    service = forms.ChoiceField(label=_("Servizio"), choices=SERVICE_CHOICES)
    request_type = forms.ChoiceField(
        label=_("Tipo di richiesta"),
        choices=[
            ("fornitura", _("Nuova fornitura (l'allacciamento esiste)")),
            ("allacciamento", _("Nuovo allacciamento alla rete")),
        ],
    )
    use = forms.ChoiceField(label=_("Utenza"), choices=USE_CHOICES)
    property_title = forms.ChoiceField(
        label=_("Titolo sull'immobile"),
        choices=TITLE_CHOICES,
        error_messages={"required": _("Scegli a che titolo occupi l'immobile.")},
    )
    cadastral = forms.CharField(
        label=_("Dati catastali (foglio, particella, subalterno)"), max_length=120, required=False
    )
    residents = forms.IntegerField(
        label=_("Componenti del nucleo familiare"), min_value=1, max_value=30, required=False,
        help_text=_("Solo per le utenze domestiche."),
    )  # fmt: skip
    wanted_on = forms.DateField(
        label=_("Data desiderata di attivazione"), required=False, widget=DATE_WIDGET
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for name, field in self.fields.items():
            fields[name] = field
            if name == "request_type":
                fields.update(_address_fields("supply", _("Indirizzo della fornitura")))
        self.fields = fields

    def clean(self):
        data = super().clean()
        if data.get("use") == "domestic" and not data.get("residents"):
            self.add_error("residents", _("Scrivi quante persone abitano nell'immobile."))
        wanted = data.get("wanted_on")
        if wanted and wanted < timezone.localdate():
            self.add_error("wanted_on", _("La data desiderata non può essere passata."))
        return data


class SubentroForm(PraticaForm):
    kind = Kind.SUBENTRO
    contract_mode = None
    intro = _(
        "Riattiva a tuo nome una fornitura chiusa (cessata) dal precedente intestatario, "
        "indicando la sua lettura finale del contatore."
    )
    documents = (
        ("documento_identita", _("Documento d'identità"), True, ""),
        ("titolo_immobile", _("Documento del titolo sull'immobile"), True, ""),
        ("foto_contatore", _("Foto del contatore (facoltativa)"), False, ""),
    )

    previous_service_code = forms.CharField(
        label=_("Codice servizio della fornitura cessata (se lo conosci)"),
        max_length=30,
        required=False,
    )
    previous_holder = forms.CharField(
        label=_("Nome e cognome del precedente intestatario"), max_length=200
    )
    meter_serial = forms.CharField(label=_("Matricola contatore"), max_length=40)
    final_reading = _reading_field(_("Lettura finale del precedente intestatario (m³)"))
    reading_date = forms.DateField(label=_("Data della lettura"), widget=DATE_WIDGET)
    use = forms.ChoiceField(label=_("Utenza"), choices=USE_CHOICES)
    property_title = forms.ChoiceField(label=_("Titolo sull'immobile"), choices=TITLE_CHOICES)
    residents = forms.IntegerField(
        label=_("Componenti del nucleo familiare"), min_value=1, max_value=30, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_address_fields("supply", _("Indirizzo della fornitura")))

    def clean_reading_date(self):
        day = self.cleaned_data["reading_date"]
        if day > timezone.localdate():
            raise ValidationError(_("La data della lettura non può essere futura."))
        return day


class VolturaForm(PraticaForm):
    kind = Kind.VOLTURA
    contract_mode = None
    intro = _(
        "Diventa intestatario di una fornitura attiva al posto dell'intestatario attuale, con "
        "il suo consenso o con i documenti che lo sostituiscono (per esempio per un erede)."
    )
    documents = (
        ("documento_identita", _("Documento d'identità"), True, ""),
        ("consenso", _("Consenso firmato dall'intestatario uscente, o il documento che lo "
                       "sostituisce (dichiarazione di successione, atto)"), True, ""),
        ("titolo_immobile", _("Documento del titolo sull'immobile (facoltativo)"), False, ""),
    )  # fmt: skip

    service_code = forms.CharField(
        label=_("Codice servizio della fornitura"),
        max_length=30,
        help_text=_("Lo trovi nell'intestazione della bolletta."),
    )
    outgoing_holder = forms.CharField(label=_("Intestatario uscente"), max_length=200)
    outgoing_cf = forms.CharField(
        label=_("Codice fiscale dell'intestatario uscente"), max_length=20
    )
    reason = forms.ChoiceField(
        label=_("Motivo della voltura"),
        choices=[
            ("", _("Scegli")),
            ("consenso", _("Consenso dell'intestatario uscente")),
            ("successione", _("Successione ereditaria")),
            ("separazione", _("Separazione o divorzio")),
            ("altro", _("Altro (spiega nelle note)")),
        ],
    )
    reading = _reading_field(_("Lettura del contatore alla data della voltura (m³)"))
    reading_date = forms.DateField(label=_("Data della lettura"), widget=DATE_WIDGET)
    property_title = forms.ChoiceField(label=_("Titolo sull'immobile"), choices=TITLE_CHOICES)
    notes = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_outgoing_cf(self):
        return clean_codice_fiscale(self.cleaned_data["outgoing_cf"], allow_company=True)

    def initial_for(self, contract):
        if contract is None:
            return {}
        return {"service_code": contract.service_code, "outgoing_holder": contract.holder.name}


class CessazioneForm(PraticaForm):
    kind = Kind.CESSAZIONE
    active_contracts_only = True
    intro = _(
        "Chiudi la fornitura: indica la lettura finale del contatore e dove mandarti "
        "l'ultima bolletta."
    )
    documents = (("foto_contatore", _("Foto del contatore (facoltativa)"), False, ""),)

    final_reading = _reading_field(_("Autolettura finale (m³)"))
    reading_date = forms.DateField(label=_("Data della lettura"), widget=DATE_WIDGET)
    wanted_on = forms.DateField(label=_("Data desiderata di cessazione"), widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_address_fields("last_bill", _("Recapito per l'ultima bolletta")))

    def initial_for(self, contract):
        if contract is None:
            return {}
        return {"last_bill_street": contract.holder.address}

    def clean(self):
        data = super().clean()
        wanted = data.get("wanted_on")
        if wanted and wanted < timezone.localdate():
            self.add_error("wanted_on", _("La data di cessazione non può essere passata."))
        read = data.get("reading_date")
        if read and read > timezone.localdate():
            self.add_error("reading_date", _("La data della lettura non può essere futura."))
        return data


def _bill_choices(links):
    """The contracts' bills from "Bollette online", when billing is installed and its Bill
    model has the fields we read; None otherwise (then the number is typed)."""
    if not apps.is_installed("billing"):
        return None
    try:
        bill_model = apps.get_model("billing", "Bill")
        rows = (
            bill_model.objects.filter(contract__in=[link.contract for link in links])
            .order_by("-issued_on", "-id")
            .values_list("number", "contract__service_code", "issued_on", "amount")[:200]
        )
        return [
            (
                number,
                f"{number} · {code} · {issued:%d/%m/%Y} · "
                + f"{amount:.2f}".replace(".", ",")
                + " €",
            )
            for number, code, issued, amount in rows
        ]
    except Exception:  # billing's model changed: fall back to the typed number
        logger.warning("pratiche: the billing app's bills cannot be read")
        return None


class ChiarimentiForm(PraticaForm):
    kind = Kind.CHIARIMENTI
    declaration = False
    intro = _("Chiedi spiegazioni su una bolletta emessa o segnala un errore da correggere.")
    documents = (("allegato", _("Documento a supporto (facoltativo)"), False, ""),)

    request_type = forms.ChoiceField(
        label=_("Tipo di richiesta"),
        choices=[
            ("chiarimenti", _("Richiesta di chiarimenti")),
            ("rettifica", _("Richiesta di rettifica")),
        ],
    )
    topic = forms.ChoiceField(
        label=_("Argomento"),
        choices=[
            ("", _("Scegli")),
            ("consumi", _("Consumi e letture")),
            ("tariffa", _("Tariffa applicata")),
            ("pagamento", _("Pagamento non registrato")),
            ("intestazione", _("Dati dell'intestatario")),
            ("altro", _("Altro")),
        ],
    )
    description = forms.CharField(
        label=_("Descrivi la richiesta"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Scrivi che cosa non ti è chiaro o che cosa è sbagliato.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _bill_choices(self.links)
        if choices:
            field = forms.ChoiceField(
                label=_("Bolletta"),
                choices=[("", _("Scegli la bolletta"))] + choices,
                help_text=_("Le bollette dei tuoi servizi, da «Bollette online»."),
            )
        else:
            field = forms.CharField(
                label=_("Numero della bolletta"),
                max_length=40,
                help_text=_("Lo trovi in alto sulla bolletta, alla voce DOCUMENTO."),
            )
        field.error_messages["required"] = _("Indica la bolletta.")
        field.error_messages["invalid_choice"] = _("Scegli una delle bollette dei tuoi servizi.")
        fields = {}
        for name, f in self.fields.items():
            fields[name] = f
            if name == "contract":
                fields["bill_number"] = field
        self.fields = fields

    def clean(self):
        data = super().clean()
        contract, number = data.get("contract"), data.get("bill_number")
        if contract and number and isinstance(self.fields["bill_number"], forms.ChoiceField):
            with contextlib.suppress(Exception):
                bill_model = apps.get_model("billing", "Bill")
                if not bill_model.objects.filter(number=number, contract=contract).exists():
                    self.add_error("bill_number", _("Questa bolletta non è del servizio scelto."))
        return data


class DomiciliazioneForm(PraticaForm):
    kind = Kind.DOMICILIAZIONE
    active_contracts_only = True
    declaration = False
    intro = _(
        "Paga le bollette con addebito diretto sul conto (SEPA Direct Debit Core): indica "
        "l'IBAN, chi è intestatario del conto e accetta il testo del mandato."
    )

    iban = forms.CharField(
        label=_("IBAN"),
        max_length=42,
        help_text=_("Per esempio IT60 X054 2811 1010 0000 0123 456: gli spazi non contano."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Scrivi l'IBAN del conto.")},
    )
    account_holder = forms.CharField(
        label=_("Intestatario del conto"),
        max_length=140,
        error_messages={"required": _("Scrivi chi è intestatario del conto.")},
    )
    account_holder_cf = forms.CharField(
        label=_("Codice fiscale dell'intestatario del conto"),
        max_length=20,
        error_messages={"required": _("Scrivi il codice fiscale dell'intestatario del conto.")},
    )
    accept_mandate = forms.BooleanField(
        label=_("Ho letto il testo del mandato e lo sottoscrivo."),
        error_messages={"required": _("Per attivare l'addebito devi sottoscrivere il mandato.")},
    )

    def initial_for(self, contract):
        if contract is None:
            return {}
        return {
            "account_holder": contract.holder.name,
            "account_holder_cf": contract.holder.codice_fiscale,
        }

    def clean_iban(self):
        return clean_iban(self.cleaned_data["iban"])

    def clean_account_holder_cf(self):
        return clean_codice_fiscale(self.cleaned_data["account_holder_cf"], allow_company=True)

    def mandate(self):
        iban = self.cleaned_data["iban"]
        return {
            "iban": iban.compact,
            "bic": str(iban.bic or ""),
            "account_holder": self.cleaned_data["account_holder"],
            "account_holder_cf": self.cleaned_data["account_holder_cf"],
        }

    def summary(self):
        rows = super().summary()
        iban = self.cleaned_data["iban"]
        if iban.bank_name:
            rows.append([str(_("Banca")), iban.bank_name])
        rows.append([str(_("Mandato sottoscritto")), str(mandate_text())])
        return rows


class RevocaForm(PraticaForm):
    kind = Kind.REVOCA
    declaration = False
    intro = _(
        "Revoca l'addebito diretto delle bollette: la revoca vale dalle bollette emesse dopo "
        "la sua lavorazione; quelle già inviate in banca possono essere ancora addebitate."
    )

    confirm = forms.BooleanField(
        label=_("Revoco il mandato di addebito diretto di questo servizio."),
        error_messages={"required": _("Conferma la revoca.")},
    )

    def clean(self):
        data = super().clean()
        contract = data.get("contract")
        if contract is not None and not (
            contract.direct_debit
            or Mandate.objects.filter(contract=contract, status=Mandate.Status.SIGNED).exists()
        ):
            self.add_error("contract", _("Questo servizio non ha la domiciliazione bancaria."))
        return data


FORMS = {
    form.kind: form
    for form in (
        VariazioneForm,
        AttivazioneForm,
        SubentroForm,
        VolturaForm,
        CessazioneForm,
        ChiarimentiForm,
        DomiciliazioneForm,
        RevocaForm,
    )
}

# The catalogue page's groups, as the guide lists them.
GROUPS = (
    (_("Gestire l'anagrafica"), (Kind.VARIAZIONE,)),
    (
        _("Gestire i contratti"),
        (Kind.ATTIVAZIONE, Kind.SUBENTRO, Kind.VOLTURA, Kind.CESSAZIONE),
    ),
    (_("Bollette e pagamenti"), (Kind.CHIARIMENTI, Kind.DOMICILIAZIONE, Kind.REVOCA)),
)
