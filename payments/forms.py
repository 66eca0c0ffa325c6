from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Payment


class PaymentSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Cerca un pagamento"),
        max_length=40,
        required=False,
        help_text=_("Numero della bolletta o codice transazione (codTrans)."),
    )
    stato = forms.ChoiceField(
        label=_("Stato"), required=False, choices=[("", _("Tutti")), *Payment.State.choices]
    )
    da_rimborsare = forms.BooleanField(label=_("Solo da rimborsare"), required=False)


class RefundForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Resta nel registro di audit."),
        error_messages={"required": _("Scrivi il motivo: resta nel registro di audit.")},
    )


class GatewayRefundForm(RefundForm):
    """ "Rimborsa": the reason and an explicit confirmation (a refund cannot be undone)."""

    prefix = "rimborso"

    confirm = forms.BooleanField(
        label=_("Confermo il rimborso: il gestore riaccredita l'importo al cliente."),
        error_messages={"required": _("Conferma il rimborso: non si può annullare.")},
    )

    def __init__(self, *args, amount="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Motivo del rimborso")
        if amount:
            self.fields["confirm"].label = _(
                "Confermo il rimborso di %(amount)s: il gestore lo riaccredita al cliente."
            ) % {"amount": amount}
