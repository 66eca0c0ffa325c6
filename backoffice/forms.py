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
