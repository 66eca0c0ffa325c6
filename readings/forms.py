"""The "nuova" form: whole m³ within the meter's digits, the confirmations the rules ask
for, an optional photo of the dial, and a one-time key against double submits."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.uploads import MAX_BYTES, check_upload

from . import conf, services
from .chart import number
from .models import RejectionReason

PHOTO_KINDS = ("jpeg", "png", "heic")


def thousands(value):
    return f"{value:,}".replace(",", ".")


class ReadingForm(forms.Form):
    value = forms.CharField(
        label=_("Lettura (m³)"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "form-control"}
        ),
    )
    photo = forms.FileField(
        label=_("Foto del contatore (facoltativa)"),
        required=False,
        help_text=_(
            "JPEG, PNG o HEIC, al massimo 10 MB. Togliamo dalla foto la posizione e gli altri "
            "dati nascosti; la vedete solo tu e il nostro personale."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/heic,.heic", "class": "form-control"}
        ),
    )
    confirm_rollover = forms.BooleanField(required=False)
    confirm_leak = forms.BooleanField(required=False)
    submission = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, meter, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.meter = meter
        self.today = today or timezone.localdate()
        self.assessment = None
        self.show_rollover = False
        self.show_leak = False
        self.fields["value"].help_text = _(
            "Solo i metri cubi interi: le cifre nere, al massimo %(n)d, senza quelle dopo la "
            "virgola (rosse)."
        ) % {"n": meter.digits}
        if not self.is_bound:
            self.initial["submission"] = uuid.uuid4()
        self.fields["confirm_rollover"].label = _(
            "Confermo la lettura: il contatore ha superato %(max)s m³ ed è ripartito da zero."
        ) % {"max": thousands(meter.limit - 1)}
        self.fields["confirm_leak"].label = _(
            "Ho controllato: la lettura è giusta, invia comunque."
        )

    def clean_value(self):
        text = self.cleaned_data["value"].strip().replace(" ", "")
        if not text.isdigit() or not text.isascii():
            raise ValidationError(
                _(
                    "Scrivi solo i metri cubi interi, in cifre, senza virgola né decimali "
                    "(per esempio 1234)."
                ),
                code="not_whole",
            )
        if len(text.lstrip("0")) > self.meter.digits:
            raise ValidationError(
                _("Il contatore ha %(n)d cifre: la lettura può avere al massimo %(n)d cifre.")
                % {"n": self.meter.digits},
                code="digits",
            )
        return int(text)

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        self.photo_kind = check_upload(photo, kinds=PHOTO_KINDS, max_bytes=MAX_BYTES)
        return photo

    def clean(self):
        data = super().clean()
        value = data.get("value")
        if value is None or self.errors:
            return data
        rollover = data.get("confirm_rollover", False)
        verdict = services.assess(self.meter, value, today=self.today, rollover=rollover)
        self.assessment = verdict
        if verdict.needs_rollover:
            self.show_rollover = True
            if not rollover:
                self.add_error(
                    "value",
                    _(
                        "La lettura è inferiore all'ultima lettura validata (%(last)s m³ del "
                        "%(date)s). Controlla di aver letto bene le cifre; se il contatore ha "
                        "superato %(max)s m³ ed è ripartito da zero, conferma qui sotto."
                    )
                    % {
                        "last": thousands(verdict.last.value),
                        "date": verdict.last.read_on.strftime("%d/%m/%Y"),
                        "max": thousands(self.meter.limit - 1),
                    },
                )
                return data
        if verdict.needs_leak:
            self.show_leak = True
            if not data.get("confirm_leak"):
                self.add_error(
                    "confirm_leak",
                    _(
                        "Questa lettura indica un consumo di %(now)s m³ al giorno, almeno "
                        "%(factor)s volte il consumo abituale (%(usual)s m³ al giorno). "
                        "Controlla la lettura, poi conferma qui sotto."
                    )
                    % {
                        "now": number(verdict.per_day),
                        "usual": number(verdict.reference),
                        "factor": number(conf.leak_factor(), 0),
                    },
                )
        return data


class RejectForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Motivo"),
        queryset=RejectionReason.objects.filter(active=True),
        empty_label=_("Scegli il motivo"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label=_("Nota per il cliente (facoltativa)"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class QueueFilterForm(forms.Form):
    STATUS_CHOICES = (
        ("received", _("da validare")),
        ("validated", _("validate")),
        ("rejected", _("respinte")),
        ("", _("tutte")),
    )
    stato = forms.ChoiceField(
        label=_("Stato"), choices=STATUS_CHOICES, required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip
    q = forms.CharField(
        label=_("Matricola o Codice servizio"), required=False, max_length=30,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )  # fmt: skip
