from django import forms
from django.utils.translation import gettext_lazy as _


class UserSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Cerca un profilo web"),
        max_length=100,
        required=False,
        help_text=_(
            "Nome utente, indirizzo e-mail, nome, ragione sociale, codice fiscale o partita IVA."
        ),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Resta nel registro di audit."),
        error_messages={"required": _("Scrivi il motivo: resta nel registro di audit.")},
    )
