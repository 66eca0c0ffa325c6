"""The "nuova" form: whole m³ within the meter's digits, the confirmations the rules ask
for, an optional photo of the dial, and a one-time key against double submits."""

import uuid

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.uploads import MAX_BYTES, check_upload

from . import conf, services
from .chart import number
from .models import PendingPhoto, Reading, RejectionReason

PHOTO_KINDS = ("jpeg", "png", "heic")
CONFIRMATION_SALT = "readings.confirmation"
CONFIRMATION_MAX_AGE = 3600  # seconds between the warning and the confirmation


def confirmation_token(meter, value, submission, kind):
    """What the page hands out with a warning ("rollover" or "leak") about `value`: a
    confirmation counts only with it, for that meter, value and form, so ticking a forged
    checkbox on a first post cannot skip the warning."""
    return signing.dumps([meter.pk, value, str(submission), kind], salt=CONFIRMATION_SALT)


def confirmation_valid(token, meter, value, submission, kind):
    if not token or submission is None:
        return False
    try:
        found = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        return False
    return found == [meter.pk, value, str(submission), kind]


PHOTO_SALT = "readings.held-photo"
PHOTO_TOKEN_MAX_AGE = 3600  # as long as the confirmation it waits for; housekeeping deletes it


def photo_token(held, user, submission):
    """Names a photo held for the confirmation page (services.hold_photo): signed, bound to
    the user and to the form's one-time key, valid PHOTO_TOKEN_MAX_AGE seconds."""
    return signing.dumps([user.pk, str(held.uid), str(submission)], salt=PHOTO_SALT)


def held_photo(token, user, submission):
    """The PendingPhoto `token` names, if it is this user's, for this form, not expired and
    still held; else None (a tampered token, another user's, an old one)."""
    if not token or submission is None or user is None:
        return None
    try:
        found = signing.loads(token, salt=PHOTO_SALT, max_age=PHOTO_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(found, list) or len(found) != 3:
        return None
    user_pk, uid, form_key = found
    if user_pk != user.pk or form_key != str(submission):
        return None
    try:
        return PendingPhoto.objects.filter(uid=uuid.UUID(str(uid)), user=user).first()
    except ValueError:
        return None


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
    # Handed out with each warning (confirmation_token); the confirmations count only with it.
    rollover_token = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    leak_token = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    # The photo checked on an earlier post of this form and held for the confirmation.
    photo_token = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)
    remove_photo = forms.BooleanField(label=_("Togli la foto"), required=False)
    submission = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, meter, user=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.meter = meter
        self.user = user
        self.photo_kind = None
        self.held_photo = None  # the PendingPhoto the token names (when kept)
        self.dropped_photo = None  # the one the customer removed
        self.photo_token_value = ""
        self.today = today or timezone.localdate()
        self.assessment = None
        self.show_rollover = False
        self.show_leak = False
        self.rollover_token_value = self.leak_token_value = ""
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

    def _confirmed(self, data, kind):
        """The customer ticked the `kind` confirmation on the page that warned about this
        very value; and the token the page shows next."""
        value, submission = data.get("value"), data.get("submission")
        ticked = bool(data.get(f"confirm_{kind}")) and confirmation_valid(
            data.get(f"{kind}_token"), self.meter, value, submission, kind
        )
        if submission is not None:
            token = confirmation_token(self.meter, value, submission, kind)
            setattr(self, f"{kind}_token_value", token)
        data[f"confirm_{kind}"] = ticked
        return ticked

    def _held(self, data):
        """The photo held from the page before: kept, removed ("Togli la foto"), replaced by
        a new photo, or refused (a token that is not this user's, for this form)."""
        token = data.get("photo_token")
        if not token:
            return
        held = held_photo(token, self.user, data.get("submission"))
        if held is None:
            if data.get("photo"):
                return  # a new photo replaces it anyway
            submission = data.get("submission")
            if (
                submission is not None
                and Reading.objects.filter(user=self.user, submission=submission).exists()
            ):
                return  # the same form again: the reading it stored is shown
            self.add_error(
                "photo",
                _("La foto allegata non è più disponibile: se vuoi inviarla, sceglila di nuovo."),
            )
        elif data.get("remove_photo"):
            self.dropped_photo = held
        else:
            self.held_photo = held

    def clean(self):
        data = super().clean()
        self._held(data)
        value = data.get("value")
        if value is None or self.errors:
            data["confirm_rollover"] = data["confirm_leak"] = False
            return data
        verdict = services.assess(self.meter, value, today=self.today, rollover=False)
        rollover = False
        if verdict.needs_rollover:
            self.show_rollover = True
            rollover = self._confirmed(data, "rollover")
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
                data["confirm_leak"] = False
                return data
            verdict = services.assess(self.meter, value, today=self.today, rollover=True)
        else:
            data["confirm_rollover"] = False
        self.assessment = verdict
        if verdict.needs_leak:
            self.show_leak = True
            if not self._confirmed(data, "leak"):
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
        else:
            data["confirm_leak"] = False
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
