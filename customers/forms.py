from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Contract
from .services import DECLARATION_TEXT


class LinkForm(forms.Form):
    """ "Aggancio servizi": the codes printed on the bill and the holder's tax code."""

    customer_code = forms.CharField(
        label=_("Codice cliente"),
        max_length=30,
        help_text=_("Nell'intestazione della bolletta."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    service_code = forms.CharField(
        label=_("Codice servizio"),
        max_length=30,
        help_text=_("Nell'intestazione della bolletta, accanto al codice cliente."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    codice_fiscale = forms.CharField(
        label=_("Codice fiscale"),
        max_length=20,
        required=False,
        help_text=_(
            "Dell'intestatario del servizio. Per le utenze domestiche. Per le utenze non "
            "domestiche lascia vuoto questo campo."
        ),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    partita_iva = forms.CharField(
        label=_("Partita IVA"),
        max_length=16,  # "IT 01234567890" as printed on some bills
        required=False,
        help_text=_("Dell'intestatario del servizio. Per le utenze non domestiche."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    declaration = forms.BooleanField(
        label=DECLARATION_TEXT,
        # Ticked anew at every attempt: a declaration is never carried over.
        widget=forms.CheckboxInput(check_test=lambda value: False),
        error_messages={"required": _("Per collegare il servizio devi spuntare la dichiarazione.")},
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("codice_fiscale") and not cleaned.get("partita_iva"):
            self.add_error(
                "codice_fiscale",
                _(
                    "Indica il codice fiscale dell'intestatario (utenze domestiche) oppure la "
                    "partita IVA (utenze non domestiche)."
                ),
            )
        return cleaned


class ServicesFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Cerca"),
        max_length=100,
        required=False,
        help_text=_("Codice servizio, indirizzo o comune."),
    )
    service = forms.ChoiceField(
        label=_("Servizio"),
        required=False,
        choices=[("", _("Tutti"))] + list(Contract.Service.choices),
    )
    status = forms.ChoiceField(
        label=_("Stato"),
        required=False,
        choices=[("", _("Tutti"))] + list(Contract.Status.choices),
    )
