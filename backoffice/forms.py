from django import forms
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from accounts import staff


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


class FeedUploadForm(forms.Form):
    MAX_BYTES = 200 * 1024 * 1024

    archive = forms.FileField(
        label=_("Archivio zip del flusso"),
        help_text=_(
            "Uno zip con i file CSV del sistema di fatturazione (customers.csv, contracts.csv…), "
            "al massimo 200 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        error_messages={"required": _("Scegli il file zip da caricare.")},
    )

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if not archive.name.lower().endswith(".zip"):
            raise forms.ValidationError(_("Il file deve essere un archivio .zip."))
        if archive.size > self.MAX_BYTES:
            raise forms.ValidationError(_("L'archivio supera i 200 MB."))
        return archive


class RoleChoiceField(forms.ModelMultipleChoiceField):
    """Role ids are small integers: anything else is refused before it reaches the database
    (a 24-digit id overflowed SQLite's INTEGER and answered 500)."""

    def _check_values(self, value):
        for pk in value:
            if not (isinstance(pk, str | int) and str(pk).isdigit() and len(str(pk)) <= 18):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )
        return super()._check_values(value)


class RolesForm(forms.Form):
    """The roles of a staff member: the groups listed in accounts.staff.ROLES."""

    roles = RoleChoiceField(
        label=_("Ruoli"),
        queryset=Group.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Operatore servizio clienti: profili web, intestatari e utenze, posta inviata. "
            "Operatore pratiche: le pratiche online. Amministratore: tutto questo più il "
            "personale, i flussi, il registro di audit e l'amministrazione."
        ),
        error_messages={"required": _("Scegli almeno un ruolo.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = staff.role_groups()


class StaffCreateForm(RolesForm):
    username = forms.CharField(
        label=_("Nome utente"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Lettere, cifre e i caratteri @ . + - _ (al massimo 150)."),
    )
    first_name = forms.CharField(label=_("Nome"), max_length=150)
    last_name = forms.CharField(label=_("Cognome"), max_length=150)
    email = forms.EmailField(
        label=_("Indirizzo e-mail"),
        max_length=254,
        help_text=_("Riceverà qui il link per scegliere la password, valido 24 ore."),
    )

    field_order = ["username", "first_name", "last_name", "email", "roles"]


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Azione"),
        max_length=80,
        required=False,
        help_text=_("Per esempio accounts.block, oppure solo accounts. per tutte le sue azioni."),
    )
    actor = forms.CharField(label=_("Chi (nome utente)"), max_length=150, required=False)
