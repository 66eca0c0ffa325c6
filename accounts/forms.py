from captcha.conf import settings as captcha_settings
from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import identifiers, policy

from . import validators
from .backends import MAX_IDENTIFIER_LENGTH, cool_off, verify_password
from .passwords import MAX_LENGTH

User = get_user_model()
format_html_lazy = lazy(format_html, str)

GENERIC_LOGIN_ERROR = _("Nome utente o password non corretti. Controlla i dati e riprova.")
IDENTIFIER_TOO_LONG = _(
    "Il nome utente o l'indirizzo e-mail può avere al massimo %(limit_value)d caratteri."
)


# Django's own messages, in the words and punctuation of ours ("e-mail", a final full
# stop). ItalianMessagesMixin puts them on every field that still has Django's default.
DJANGO_MESSAGES = {
    "required": _("Questo campo è obbligatorio."),
    "max_length": _(
        "Questo campo può avere al massimo %(limit_value)d caratteri (ne hai scritti "
        "%(show_value)d)."
    ),
    "invalid_choice": _("Scegli uno dei valori proposti."),
}
DJANGO_FIELD_MESSAGES = {
    forms.EmailField: {"invalid": _("Inserisci un indirizzo e-mail valido.")},
    forms.DateField: {"invalid": _("Inserisci una data valida, nel formato gg/mm/aaaa.")},
}


def _default_messages(field):
    defaults = {}
    for cls in reversed(type(field).__mro__):
        defaults.update(getattr(cls, "default_error_messages", {}))
    return defaults


class ItalianMessagesMixin:
    """Replace Django's default error messages with ours; a message a field sets itself
    stays."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            defaults = _default_messages(field)
            ours = {k: v for k, v in DJANGO_MESSAGES.items() if k in field.error_messages}
            # A validator's message (the e-mail's, the length's) is replaced by the field's
            # own message of the same code, when the field has one.
            ours["max_length"] = DJANGO_MESSAGES["max_length"]
            for cls, messages in DJANGO_FIELD_MESSAGES.items():
                if isinstance(field, cls):
                    ours.update(messages)
            for code, message in ours.items():
                current = field.error_messages.get(code)
                if current is None or current is defaults.get(code):
                    field.error_messages[code] = message


class CaptchaInput(CaptchaTextInput):
    """One label for the answer box (not a fieldset: the image is not a field to fill),
    with a button for a new image (static/js/captcha.js swaps it in place; without JS the
    form is sent back, filled in, with a new image). The audio link shows only when the
    server can speak (CAPTCHA_FLITE_PATH)."""

    use_fieldset = False
    template_name = "accounts/captcha_widget.html"


def captcha_help(text):
    """The CAPTCHA's help, naming the audio link only where there is one."""

    def words():
        if captcha_settings.CAPTCHA_FLITE_PATH:
            return f"{text} " + str(_("Se non riesci a leggerli, ascoltali con il link audio."))
        return str(text)

    return lazy(words, str)()


def captcha_field(help_text):
    return CaptchaField(
        label=_("Che cosa è scritto nell'immagine?"),
        widget=CaptchaInput(
            attrs={"class": "form-control sp-captcha-input", "autocomplete": "off"}
        ),
        help_text=captcha_help(help_text),
        error_messages={
            "invalid": _("I caratteri non corrispondono all'immagine: riprova con quelli nuovi."),
            "required": _("Inserisci i caratteri che vedi nell'immagine."),
        },
    )


def locked_out_message():
    return _("Troppi tentativi con una password sbagliata: riprova tra %(wait)s.") % {
        "wait": policy.duration(cool_off())
    }


def password_min_length():
    """The shortest password the validators in settings accept (what the pages state)."""
    lengths = [
        getattr(v, "min_length", 0) for v in password_validation.get_default_password_validators()
    ]
    return max(lengths, default=0)


class LoginForm(ItalianMessagesMixin, AuthenticationForm):
    """ "Accesso utente" with the guide's labels and one generic message for any failure.

    With `captcha=True` (the profile named has failed too often lately, from anywhere) the
    form also asks for a CAPTCHA, and checks the password only once it is answered."""

    error_messages = {"invalid_login": GENERIC_LOGIN_ERROR, "inactive": GENERIC_LOGIN_ERROR}

    def __init__(self, request=None, *args, captcha=False, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Nome utente")
        username.help_text = _("Inserisci il tuo nome utente (oppure il tuo indirizzo e-mail).")
        username.error_messages["max_length"] = IDENTIFIER_TOO_LONG
        # Before any lookup: the backends and django-axes never see a longer name.
        _set_max_length(username, MAX_IDENTIFIER_LENGTH)
        username.widget.attrs["autocomplete"] = "username"
        password = self.fields["password"]
        password.label = _("Password")
        password.help_text = _("Inserisci la password associata al tuo nome utente.")
        password.widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})
        if captcha:
            self.fields["captcha"] = captcha_field(
                _(
                    "Per questo profilo ci sono stati molti tentativi di accesso non riusciti: "
                    "per continuare inserisci anche i caratteri che vedi nell'immagine."
                )
            )

    def clean(self):
        if "captcha" in self.fields and "captcha" in self.errors:
            return self.cleaned_data  # no password guess without the CAPTCHA
        return super().clean()


def _password_field(label, *, new=True):
    return forms.CharField(
        label=label,
        strip=False,
        max_length=MAX_LENGTH,
        widget=forms.PasswordInput(
            attrs={
                "autocomplete": "new-password" if new else "current-password",
                "maxlength": MAX_LENGTH,
            }
        ),
    )


def _in_italian(error):
    """Django 5.2 reworded MinimumLengthValidator's message and its Italian catalogue still
    holds the old wording, so that one message would be shown in English."""
    errors = []
    for item in error.error_list:
        if item.code == "password_too_short":
            item = ValidationError(
                _("La password è troppo corta: deve avere almeno %(min_length)d caratteri."),
                code=item.code,
                params=item.params,
            )
        errors.append(item)
    return ValidationError(errors)


class NewPasswordMixin:
    """ "Password" and "Conferma la password", checked against every validator in settings
    (length, blocklist, resemblance to the profile, strength). The browser's meter
    (data-password-meter) shows the same strength estimate live."""

    password_user = None

    @property
    def min_length(self):
        return password_min_length()

    def _add_password_fields(self):
        self.fields["password1"] = _password_field(_("Password"))
        self.fields["password1"].help_text = _(
            "Almeno %(min_length)d caratteri. Una frase di alcune parole è facile da ricordare "
            "e difficile da indovinare. Non usare il nome utente, il tuo nome o il codice "
            "fiscale."
        ) % {"min_length": self.min_length}
        self.fields["password1"].widget.attrs["data-password-meter"] = "password-meter"
        self.fields["password2"] = _password_field(_("Conferma la password"))
        self.fields["password2"].help_text = _("Scrivi di nuovo la stessa password.")

    def clean_password2(self):
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data.get("password2")
        if first and second and first != second:
            raise ValidationError(_("Le due password non coincidono."), code="password_mismatch")
        return second

    def _post_clean_password(self):
        password = self.cleaned_data.get("password1")
        if password and "password1" not in self.errors:
            try:
                password_validation.validate_password(password, self.password_user)
            except ValidationError as error:
                self.add_error("password1", _in_italian(error))


class IdentityFieldsMixin:
    """DATI PROFILO WEB and DOCUMENTO DI IDENTITÀ, shared by registration and profile edit."""

    def clean_codice_fiscale(self):
        value = self.cleaned_data.get("codice_fiscale", "")
        if not value:
            return ""
        company = self.data.get(self.add_prefix("kind")) == User.Kind.COMPANY
        return identifiers.clean_codice_fiscale(value, allow_company=company)

    def clean_partita_iva(self):
        value = self.cleaned_data.get("partita_iva", "")
        return identifiers.clean_partita_iva(value) if value else ""

    def clean_phone_landline(self):
        value = self.cleaned_data.get("phone_landline", "")
        return validators.clean_landline(value) if value else ""

    def clean_phone_mobile(self):
        value = self.cleaned_data.get("phone_mobile", "")
        return validators.clean_mobile(value) if value else ""

    def clean_document_expiry(self):
        value = self.cleaned_data.get("document_expiry")
        if value and value < timezone.localdate():
            raise ValidationError(
                _("Il documento è scaduto: indica un documento valido."), code="expired"
            )
        return value

    def _clean_identity(self, cleaned):
        kind = cleaned.get("kind")
        # The other kind's names are not kept: the page hides them once the kind is chosen
        # (static/js/register.js), and without JS the server decides the same way.
        for field in OTHER_KIND_FIELDS.get(kind, ()):
            if field in cleaned:
                cleaned[field] = ""
        required = {
            User.Kind.PERSON: ("first_name", "last_name", "codice_fiscale"),
            User.Kind.COMPANY: ("company_name", "partita_iva"),
        }.get(kind, ())
        messages = {
            "first_name": _("Le persone fisiche devono indicare il nome."),
            "last_name": _("Le persone fisiche devono indicare il cognome."),
            "codice_fiscale": _("Le persone fisiche devono indicare il codice fiscale."),
            "company_name": _("Le persone giuridiche devono indicare la ragione sociale."),
            "partita_iva": _("Le persone giuridiche devono indicare la partita IVA."),
        }
        for field in required:
            if not cleaned.get(field) and field not in self.errors:
                self.add_error(field, messages[field])
        if (
            kind == User.Kind.PERSON
            and cleaned.get("codice_fiscale", "").isdigit()
            and "codice_fiscale" not in self.errors
        ):
            self.add_error(
                "codice_fiscale",
                _("Il codice fiscale di una persona fisica ha 16 caratteri."),
            )
        return cleaned


OTHER_KIND_FIELDS = {
    User.Kind.PERSON: ("company_name",),
    User.Kind.COMPANY: ("first_name", "last_name"),
}
# Required for one kind of profile: marked "* Nome" as the guide marks them.
KIND_REQUIRED_FIELDS = ("first_name", "last_name", "company_name", "codice_fiscale", "partita_iva")
IDENTITY_LABELS = {
    "kind": _("Ti registri come"),
    "first_name": _("Nome"),
    "last_name": _("Cognome"),
    "company_name": _("Ragione sociale"),
    "codice_fiscale": _("Codice fiscale"),
    "partita_iva": _("Partita IVA"),
    "phone_landline": _("Numero di telefono fisso"),
    "phone_mobile": _("Numero di cellulare"),
    "document_type": _("Tipo di documento"),
    "document_number": _("Numero del documento"),
    "document_expiry": _("Data scadenza documento"),
    "document_issuer": _("Ente emittente documento"),
}
IDENTITY_HELP = {
    "kind": _(
        "Le persone fisiche devono fornire almeno Nome, Cognome e Codice fiscale, le aziende "
        "Ragione sociale e Partita IVA."
    ),
    "first_name": _("Obbligatorio per le persone fisiche."),
    "last_name": _("Obbligatorio per le persone fisiche."),
    "company_name": _("Obbligatoria per le persone giuridiche (aziende, enti, condomini)."),
    "codice_fiscale": _("Obbligatorio per le persone fisiche: 16 caratteri."),
    "partita_iva": _(
        'Digita tutte le 11 cifre, compresi gli "0". Obbligatoria per le persone giuridiche.'
    ),
    "phone_landline": _("Facoltativo. Esempio: 049 123 4567"),
    "phone_mobile": _("Facoltativo. Esempio: 347 123 4567"),
    "document_expiry": _("esempio: 07/03/2017"),
}
IDENTITY_FIELDS = list(IDENTITY_LABELS)
DOCUMENT_FIELDS = ("document_type", "document_number", "document_expiry", "document_issuer")


def _set_max_length(field, length):
    """Change a form field's length limit: the attribute alone would leave the model's
    MaxLengthValidator in place."""
    field.max_length = length
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(MaxLengthValidator(length))
    field.widget.attrs["maxlength"] = length


class IdentityModelForm(ItalianMessagesMixin, IdentityFieldsMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = IDENTITY_FIELDS
        labels = IDENTITY_LABELS
        help_texts = IDENTITY_HELP
        widgets = {
            "kind": forms.RadioSelect,
            "document_expiry": forms.DateInput(
                format="%d/%m/%Y",
                attrs={"inputmode": "numeric", "placeholder": "gg/mm/aaaa", "autocomplete": "off"},
            ),
            "codice_fiscale": forms.TextInput(
                attrs={"autocapitalize": "characters", "spellcheck": "false"}
            ),
            "partita_iva": forms.TextInput(attrs={"inputmode": "numeric"}),
            "phone_landline": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "phone_mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "company_name": forms.TextInput(attrs={"autocomplete": "organization"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = User.Kind.choices
        self.fields["document_expiry"].input_formats = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
        self.fields["document_expiry"].error_messages["invalid"] = _(
            "Scrivi la data nel formato gg/mm/aaaa, per esempio 07/03/2030."
        )
        self.fields["document_type"].choices = [("", _("- Selezionare un valore -"))] + list(
            User.DocumentType.choices
        )
        for name in KIND_REQUIRED_FIELDS:
            self.fields[name].required = False
            self.fields[name].kind_required = True  # templates/forms/field.html: "* Nome"
        for name in DOCUMENT_FIELDS:
            self.fields[name].required = True
        self.fields["first_name"].max_length = 150
        # Spaces (and "IT" before a partita IVA) are allowed while typing; the clean_*
        # methods store the compact value, which fits the model's columns.
        _set_max_length(self.fields["codice_fiscale"], 20)
        _set_max_length(self.fields["partita_iva"], 13)

    def clean(self):
        return self._clean_identity(super().clean())


class RegistrationForm(IdentityModelForm):
    """ "Registrazione utente": every field of the guide, in its order."""

    username = forms.CharField(
        label=_("Nome utente"),
        max_length=150,
        help_text=_(
            "Scegli un nome utente con cui sarai identificato sul sito. La punteggiatura non è "
            "ammessa ad eccezione di punti, trattini, apostrofi e underscore."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    email = forms.EmailField(
        label=_("Indirizzo e-mail"),
        max_length=254,
        help_text=_(
            "Inserisci un indirizzo e-mail valido. Riceverai un'e-mail contenente un link con le "
            "istruzioni per concludere la registrazione. Verifica che il tuo provider di posta "
            "elettronica non abbia inserito tra la posta indesiderata (spam) l'e-mail di "
            "benvenuto. L'indirizzo e-mail fornito non sarà pubblicato e verrà utilizzato "
            "soltanto se desideri ricevere una nuova password o se vuoi ricevere notizie e "
            "avvisi via e-mail."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    privacy = forms.BooleanField(
        label=_(
            "Ho preso visione dell'informativa sui servizi online e acconsento al trattamento "
            "dei miei dati personali."
        ),
        help_text=format_html_lazy(
            '{} <a href="{}">{}</a>.',
            _("Prima di registrarsi, la invitiamo a leggere attentamente"),
            reverse_lazy("privacy"),
            _("l'informativa sul trattamento dei dati personali"),
        ),
        error_messages={
            "required": _("Per registrarti devi prendere visione dell'informativa privacy.")
        },
    )
    news_consent = forms.BooleanField(
        label=_("Desidero ricevere notizie e avvisi via e-mail (facoltativo)."),
        required=False,
    )
    captcha = captcha_field(
        _(
            "Questa domanda serve a testare se sei un utente reale e prevenire l'invio di spam. "
            "Inserisci i caratteri che vedi nell'immagine."
        )
    )

    field_order = ["username", "email", *IDENTITY_FIELDS, "privacy", "news_consent", "captcha"]

    class Meta(IdentityModelForm.Meta):
        pass

    def clean_username(self):
        return validators.clean_username(self.cleaned_data["username"])

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def _post_clean(self):
        # The model is not saved from this form (services.register does it, and only
        # when the username and address are free); skip ModelForm's uniqueness checks,
        # which would tell a stranger that an account exists.
        pass


class ResendConfirmationForm(ItalianMessagesMixin, forms.Form):
    email = forms.EmailField(
        label=_("Indirizzo e-mail"),
        max_length=254,
        help_text=_("L'indirizzo con cui ti sei registrato."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class InitialPasswordForm(ItalianMessagesMixin, NewPasswordMixin, forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.password_user = user
        self._add_password_fields()

    def clean(self):
        cleaned = super().clean()
        self._post_clean_password()
        return cleaned


def _reset_help():
    return _("Ti invieremo un link per scegliere una nuova password, valido %(validity)s.") % {
        "validity": policy.words.reset_validity
    }


class PasswordResetRequestForm(ItalianMessagesMixin, forms.Form):
    identifier = forms.CharField(
        label=_("Nome utente o indirizzo e-mail"),
        max_length=MAX_IDENTIFIER_LENGTH,
        error_messages={"max_length": IDENTIFIER_TOO_LONG},
        help_text=lazy(_reset_help, str)(),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class ResetPasswordForm(InitialPasswordForm):
    pass


class PasswordAgainMixin:
    """The password asked again inside the portal, checked through django-axes
    (backends.verify_password): it shares the login's counter and lock. `locked_out` tells
    the view to answer 429."""

    locked_out = False

    def _check_password_again(self, value, wrong_message):
        outcome = verify_password(request=self.request, user=self.password_user, password=value)
        if outcome == "locked":
            self.locked_out = True
            raise ValidationError(locked_out_message(), code="locked_out")
        if outcome != "ok":
            raise ValidationError(wrong_message, code="wrong_password")
        return value


class ChangePasswordForm(ItalianMessagesMixin, PasswordAgainMixin, NewPasswordMixin, forms.Form):
    current_password = _password_field(_("Password attuale"), new=False)

    def __init__(self, *args, user, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.password_user = user
        self.request = request
        self._add_password_fields()
        self.fields["password1"].label = _("Nuova password")

    def clean_current_password(self):
        return self._check_password_again(
            self.cleaned_data.get("current_password", ""), _("La password attuale non è corretta.")
        )

    def clean(self):
        cleaned = super().clean()
        self._post_clean_password()
        return cleaned


class ProfileForm(IdentityModelForm):
    """ "Modifica profilo web": the same data and rules as registration."""

    email = forms.EmailField(
        label=_("Indirizzo e-mail"),
        max_length=254,
        help_text=_(
            "Un indirizzo e-mail valido. Il sistema invierà tutte le e-mail a questo indirizzo. "
            "Se lo cambi, il nuovo indirizzo vale solo dopo che avrai aperto il link di "
            "conferma che ti invieremo."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    news_consent = forms.BooleanField(
        label=_("Desidero ricevere notizie e avvisi via e-mail."), required=False
    )

    field_order = ["email", *IDENTITY_FIELDS, "news_consent"]

    class Meta(IdentityModelForm.Meta):
        pass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "email" is not in Meta.fields (it must not be written by the form), so the
        # instance's address has to be offered by hand.
        self.initial.setdefault("email", self.instance.email)

    def _post_clean(self):
        # services.update_profile applies the changes; the e-mail change waits for its link.
        pass


class DeleteProfileForm(ItalianMessagesMixin, PasswordAgainMixin, forms.Form):
    password = _password_field(_("Password"), new=False)
    confirm = forms.BooleanField(
        label=_(
            "Ho capito: il mio profilo web e i suoi dati saranno eliminati e non potrò recuperarli."
        ),
        error_messages={"required": _("Spunta la casella per confermare l'eliminazione.")},
    )

    def __init__(self, *args, user, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.password_user = user
        self.request = request
        self.fields["password"].help_text = _("Per sicurezza, inserisci la tua password.")

    def clean_password(self):
        return self._check_password_again(
            self.cleaned_data.get("password", ""), _("La password non è corretta.")
        )
