from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """ "Accesso utente" with the guide's labels and one generic message for any failure."""

    error_messages = {
        "invalid_login": _("Nome utente o password non corretti. Controlla i dati e riprova."),
        "inactive": _("Nome utente o password non corretti. Controlla i dati e riprova."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Nome utente")
        self.fields["username"].help_text = _("Inserisci il tuo nome utente.")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].label = _("Password")
        self.fields["password"].help_text = _("Inserisci la password associata al tuo nome utente.")
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"autocomplete": "current-password"}
        )
