"""The catalogue's forms: one class per kind of pratica, each with its own fields, the
documents it needs and whether it holds a DPR 445/2000 self-declaration.

Every form knows the customer (`user`) and their contract links (`links`): the contract
field offers only those, the applicant's block is filled in from the profile, and the
kind's own fields from the contract chosen (`initial_for`). `summary()` is the list of
(label, value) the customer sent, as the pages and the PDF receipt show it; `json_data()`
what pratiche.csv carries.
"""

import datetime
import decimal
import logging

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN
from schwifty import exceptions as iban_errors

from core import uploads
from core.identifiers import clean_codice_fiscale

from .. import conf
from ..services import DECLARATION_TEXT, UPLOAD_KINDS

logger = logging.getLogger(__name__)

FILE_HELP = _("PDF, JPEG o PNG, al massimo 10 MB.")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

TITLE_CHOICES = [
    ("", _("Scegli")),
    ("proprietario", _("Proprietario")),
    ("comproprietario", _("Comproprietario")),
    ("usufruttuario", _("Usufruttuario")),
    ("locatario", _("Locatario (in affitto)")),
    ("comodatario", _("Comodatario (in comodato d'uso)")),
    ("altro", _("Altro titolo")),
]
SERVICE_CHOICES = [("water", _("ACQUA")), ("waste", _("RIFIUTI"))]
USE_CHOICES = [("domestic", _("Domestica")), ("non_domestic", _("Non domestica"))]


def mandate_text():
    from django.conf import settings

    name = settings.UTILITY["name"]
    return _(
        "Con la sottoscrizione del presente mandato il debitore autorizza %(name)s (codice "
        "identificativo del creditore %(creditor)s) a richiedere alla banca del debitore "
        "l'addebito del suo conto e la banca del debitore a procedere all'addebito secondo le "
        "disposizioni impartite da %(name)s. Il debitore ha diritto di essere rimborsato dalla "
        "propria banca secondo gli accordi e alle condizioni che regolano il rapporto con "
        "essa; il rimborso va richiesto entro 8 settimane dalla data di addebito in conto. I "
        "diritti del debitore sono indicati nella documentazione ottenibile dalla propria "
        "banca. Il mandato vale fino alla sua revoca."
    ) % {"name": name, "creditor": conf.creditor_id()}


def clean_iban(value):
    """The IBAN compact and upper case, checked with schwifty: country, length, check digits,
    the country's structure and, for Italy, the CIN over ABI, CAB and account number; it must
    be in the SEPA area. ValidationError with an Italian message otherwise."""
    compact = "".join((value or "").split()).upper()
    if not compact:
        raise ValidationError(_("Scrivi l'IBAN del conto."), code="required")
    try:
        iban = IBAN(compact, validate_bban=True)
    except iban_errors.InvalidCountryCode:
        raise ValidationError(
            _("L'IBAN deve iniziare con la sigla del paese (per esempio IT)."), code="country"
        ) from None
    except iban_errors.InvalidLength:
        raise ValidationError(
            _("L'IBAN non ha la lunghezza giusta: un IBAN italiano ha 27 caratteri."),
            code="length",
        ) from None
    except iban_errors.InvalidChecksumDigits:
        raise ValidationError(
            _("L'IBAN non è valido: controlla le cifre, una è sbagliata o scambiata."),
            code="checksum",
        ) from None
    except iban_errors.InvalidBBANChecksum:
        raise ValidationError(
            _(
                "L'IBAN non è valido: il CIN (la lettera dopo le prime quattro cifre) non "
                "corrisponde ad ABI, CAB e numero di conto."
            ),
            code="cin",
        ) from None
    except (iban_errors.InvalidStructure, iban_errors.InvalidBankCode,
            iban_errors.InvalidBranchCode, iban_errors.InvalidAccountCode):  # fmt: skip
        if compact.startswith("IT"):
            message = _(
                "L'IBAN italiano è fatto così: IT, 2 cifre, il CIN (una lettera), l'ABI (5 "
                "cifre), il CAB (5 cifre) e il numero di conto (12 caratteri)."
            )
        else:
            message = _("L'IBAN non ha la forma prevista per il suo paese.")
        raise ValidationError(message, code="structure") from None
    except iban_errors.SchwiftyException:
        raise ValidationError(_("L'IBAN non è valido."), code="invalid") from None
    if not iban.in_sepa_zone:
        raise ValidationError(
            _("L'addebito diretto SEPA è possibile solo su un conto dell'area SEPA."),
            code="sepa",
        )
    return iban


# --- the base --------------------------------------------------------------------------------


class PraticaForm(forms.Form):
    kind = None
    # "required", "optional" or None: whether the pratica concerns one of the linked contracts.
    contract_mode = "required"
    # Only active contracts (a cessazione of a terminated supply makes no sense).
    active_contracts_only = False
    # (slot, label, required, help)
    documents = ()
    declaration = True
    intro = ""

    first_name = forms.CharField(label=_("Nome"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Cognome"), max_length=150, required=False)
    company_name = forms.CharField(label=_("Ragione sociale"), max_length=200, required=False)
    codice_fiscale = forms.CharField(
        label=_("Codice fiscale"),
        max_length=20,
        error_messages={"required": _("Scrivi il codice fiscale del richiedente.")},
    )
    email = forms.EmailField(
        label=_("Indirizzo e-mail"),
        error_messages={
            "required": _("Scrivi l'indirizzo e-mail a cui scriverti."),
            "invalid": _("L'indirizzo e-mail non è valido: controlla la @ e il dominio."),
        },
    )
    phone = forms.CharField(label=_("Numero di telefono"), max_length=30, required=False)

    APPLICANT = ("first_name", "last_name", "company_name", "codice_fiscale", "email", "phone")

    def __init__(self, *args, user, links, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.links = list(links)
        self.existing = {a.slot: a for a in attachments}
        if self.contract_mode:
            choices = [("", _("Scegli il servizio"))]
            for link in self.links:
                c = link.contract
                if self.active_contracts_only and c.status == c.Status.TERMINATED:
                    continue
                label = f"{c.get_service_display()} {c.service_code} - {c.location or '-'}"
                choices.append((str(link.uid), label))
            self.fields = {
                "contract": forms.ChoiceField(
                    label=_("Servizio"),
                    choices=choices,
                    required=self.contract_mode == "required",
                    error_messages={
                        "required": _("Scegli il servizio a cui si riferisce."),
                        # A forged value (another customer's link): no echo of what was sent.
                        "invalid_choice": _("Scegli uno dei tuoi servizi."),
                    },
                ),
                **self.fields,
            }
        for slot, label, required, help_text in self.documents:
            already = self.existing.get(slot)
            text = help_text or FILE_HELP
            if already:
                text = _("Già allegato: %(name)s. Scegli un altro file solo per sostituirlo.") % {
                    "name": already.original_name
                }
            self.fields[f"doc_{slot}"] = forms.FileField(
                label=label,
                required=required and not already,
                help_text=text,
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
                error_messages={"required": _("Allega questo documento.")},
            )
        if self.declaration:
            self.fields["declaration"] = forms.BooleanField(
                label=DECLARATION_TEXT,
                error_messages={
                    "required": _("Per inviare la pratica devi rendere la dichiarazione.")
                },
            )

    # -- prefill --

    @classmethod
    def profile_initial(cls, user):
        return {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "company_name": user.company_name,
            "codice_fiscale": user.codice_fiscale or user.partita_iva,
            "email": user.email,
            "phone": user.phone_mobile or user.phone_landline,
        }

    def initial_for(self, contract):
        """The kind's own fields, filled in from the contract chosen (None: none chosen)."""
        return {}

    # -- cleaning --

    def clean_codice_fiscale(self):
        return clean_codice_fiscale(self.cleaned_data["codice_fiscale"], allow_company=True)

    def clean_contract(self):
        uid = self.cleaned_data.get("contract")
        if not uid:
            return None
        for link in self.links:
            if str(link.uid) == uid:
                return link.contract
        raise ValidationError(_("Scegli uno dei tuoi servizi."))

    def clean(self):
        data = super().clean()
        if not (data.get("last_name") or data.get("company_name")):
            self.add_error(
                "last_name", _("Scrivi il cognome (o la ragione sociale, per un'impresa).")
            )
        for name, field in self.fields.items():
            if isinstance(field, forms.FileField) and data.get(name):
                try:
                    uploads.check_upload(data[name], kinds=UPLOAD_KINDS)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def check_files_only(self):
        """For "Salva bozza": only the files are checked (the rest may be unfinished)."""
        errors = {}
        for name, field in self.fields.items():
            if isinstance(field, forms.FileField) and self.files.get(self.add_prefix(name)):
                try:
                    uploads.check_upload(self.files[self.add_prefix(name)], kinds=UPLOAD_KINDS)
                except ValidationError as exc:
                    errors[name] = exc
        return errors

    # -- what was sent --

    def value_fields(self):
        skip = {"declaration", "accept_mandate"}
        return [
            (name, field)
            for name, field in self.fields.items()
            if name not in skip and not isinstance(field, forms.FileField)
        ]

    def draft_data(self):
        """The raw values typed so far (a draft keeps them as they are)."""
        data = {}
        for name, field in self.value_fields():
            key = self.add_prefix(name)
            if isinstance(field, forms.MultipleChoiceField):
                data[name] = self.data.getlist(key)
            elif isinstance(field, forms.BooleanField):
                data[name] = bool(self.data.get(key))
            else:
                data[name] = (self.data.get(key) or "")[:2000]
        return data

    def draft_files(self):
        """[(slot, label, upload)] of the files chosen."""
        return [
            (slot, label, self.files[self.add_prefix(f"doc_{slot}")])
            for slot, label, _required, _help in self.documents
            if self.files.get(self.add_prefix(f"doc_{slot}"))
        ]

    def files_to_store(self):
        return [
            (slot, label, self.cleaned_data[f"doc_{slot}"])
            for slot, label, _required, _help in self.documents
            if self.cleaned_data.get(f"doc_{slot}")
        ]

    @staticmethod
    def _display(field, value):
        if value in (None, "", [], False) and not isinstance(field, forms.BooleanField):
            return None
        if isinstance(field, forms.BooleanField):
            return _("sì") if value else _("no")
        if isinstance(field, forms.MultipleChoiceField):
            labels = dict(field.choices)
            return ", ".join(str(labels.get(v, v)) for v in value)
        if isinstance(field, forms.ChoiceField):
            return str(dict(field.choices).get(value, value))
        if isinstance(value, datetime.date):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, IBAN):
            return value.formatted
        if hasattr(value, "service_code"):  # a contract
            return f"{value.get_service_display()} {value.service_code} - {value.location or '-'}"
        return str(value)

    def summary(self):
        rows = []
        for name, field in self.value_fields():
            if name == "contract":
                value = self.cleaned_data.get("contract")
            else:
                value = self.cleaned_data.get(name)
            shown = self._display(field, value)
            if shown is not None:
                rows.append([str(field.label), str(shown)])
        return rows

    def json_data(self):
        data = {}
        for name, _field in self.value_fields():
            value = self.cleaned_data.get(name)
            if hasattr(value, "service_code"):
                value = value.service_code
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            elif isinstance(value, decimal.Decimal):
                value = str(value)
            elif isinstance(value, IBAN):
                value = value.compact
            data[name] = value
        return data

    def mandate(self):
        return None


def _address_fields(prefix, label, required=True):
    req = {"required": _("Scrivi questo dato dell'indirizzo.")}
    return {
        f"{prefix}_street": forms.CharField(
            label=_("%(what)s: via e numero civico") % {"what": label},
            max_length=200, required=required, error_messages=req,
        ),
        f"{prefix}_postcode": forms.RegexField(
            label=_("%(what)s: CAP") % {"what": label},
            regex=r"^\d{5}$", max_length=5, required=required,
            error_messages={**req, "invalid": _("Il CAP ha 5 cifre.")},
        ),
        f"{prefix}_town": forms.CharField(
            label=_("%(what)s: comune e provincia") % {"what": label},
            max_length=120, required=required, error_messages=req,
        ),
    }  # fmt: skip


def _reading_field(label, required=True):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=99_999_999,
        required=required,
        help_text=_("In metri cubi: le cifre nere del contatore, senza i decimali."),
        error_messages={
            "required": _("Scrivi la lettura del contatore."),
            "invalid": _("Scrivi la lettura in numeri interi, senza virgole."),
            "min_value": _("La lettura non può essere negativa."),
        },
    )
