"""Forms around the catalogue: documents sent on request, staff notes, assignment, the
queue's filters, and the bill-delivery settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import uploads

from ..models import Kind, State
from ..services import UPLOAD_KINDS
from .base import FILE_HELP

# --- integration, cancel, staff ----------------------------------------------------------


class IntegrationForm(forms.Form):
    document = forms.FileField(
        label=_("Documento richiesto"),
        help_text=FILE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        error_messages={"required": _("Scegli il file da inviare.")},
    )
    note = forms.CharField(
        label=_("Messaggio (facoltativo)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_document(self):
        document = self.cleaned_data["document"]
        uploads.check_upload(document, kinds=UPLOAD_KINDS)
        return document


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Messaggio per il cliente"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Il cliente lo legge nella pratica e nell'e-mail; resta nel registro."),
    )

    def __init__(self, *args, required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = required
        self.fields["note"].error_messages["required"] = _(
            "Scrivi la motivazione: il cliente la legge."
        )


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assegna a"), required=False)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = {str(u.uid): u for u in staff}
        self.fields["assignee"].choices = [("", _("Nessuno"))] + [
            (uid, u.get_full_name() or u.username) for uid, u in self.staff.items()
        ]

    def clean_assignee(self):
        return self.staff.get(self.cleaned_data.get("assignee") or "")


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Tipo"), required=False)
    state = forms.ChoiceField(label=_("Stato"), required=False)
    mine = forms.BooleanField(label=_("Solo le mie"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Tutti"))] + list(Kind.choices)
        self.fields["state"].choices = [("", _("Da lavorare")), ("all", _("Tutti"))] + [
            (value, label) for value, label in State.choices if value != State.DRAFT
        ]


# --- bills by e-mail ---------------------------------------------------------------------


class DeliveryForm(forms.Form):
    by_email = forms.TypedChoiceField(
        label=_("Come vuoi ricevere le bollette"),
        choices=[("0", _("Bolletta cartacea, per posta")), ("1", _("Bolletta via e-mail"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    address = forms.ChoiceField(
        label=_("A quale indirizzo"),
        choices=[("profile", ""), ("other", _("Un altro indirizzo"))],
        widget=forms.RadioSelect,
        required=False,
    )
    other_email = forms.EmailField(
        label=_("Altro indirizzo e-mail"),
        required=False,
        help_text=_("Riceverà un link: la modifica vale da quando lo apre."),
        error_messages={
            "invalid": _("L'indirizzo e-mail non è valido: controlla la @ e il dominio.")
        },
    )
    privacy = forms.BooleanField(
        label=_(
            "Ho letto l'informativa privacy e acconsento a ricevere le bollette e le "
            "comunicazioni sul servizio all'indirizzo e-mail indicato."
        ),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.email and user.is_confirmed:
            self.fields["address"].choices = [
                ("profile", _("L'indirizzo del profilo: %(email)s") % {"email": user.email}),
                ("other", _("Un altro indirizzo")),
            ]
        else:
            self.fields["address"].choices = [("other", _("Un altro indirizzo"))]

    def clean(self):
        data = super().clean()
        if not data.get("by_email"):
            return data
        if not data.get("privacy"):
            self.add_error("privacy", _("Per ricevere le bollette via e-mail serve il consenso."))
        choice = data.get("address") or ("profile" if self.user.is_confirmed else "other")
        if choice == "profile" and self.user.email and self.user.is_confirmed:
            data["email"] = self.user.email
        elif not data.get("other_email"):
            if "other_email" not in self.errors:
                self.add_error("other_email", _("Scrivi l'indirizzo a cui mandare le bollette."))
        else:
            data["email"] = data["other_email"]
        return data
