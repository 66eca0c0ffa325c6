"""Password rules beyond Django's: an upper bound and a strength estimate (zxcvbn).

The browser shows the same estimate live (static/js/password-meter.js with zxcvbn.js); the
server checks it again, since the browser can be bypassed.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn

MAX_LENGTH = 1024
MIN_SCORE = 3  # zxcvbn's 0-4 scale: below 3 the meter says "debole"

USER_INPUT_ATTRIBUTES = (
    "username", "first_name", "last_name", "email", "codice_fiscale", "company_name",
    "partita_iva",
)  # fmt: skip


def user_inputs(user):
    """Words from the profile that zxcvbn treats as known to an attacker.

    zxcvbn (the Python port) reads "alice.rossi" as the name "rossi" after six random
    characters, so the whole of the e-mail's local part and the name written together are
    listed too: a password made of them is then weak.
    """
    values = []
    for attribute in USER_INPUT_ATTRIBUTES:
        value = str(getattr(user, attribute, "") or "")
        if value:
            values.append(value)
            values.extend(part for part in value.replace("@", " ").replace(".", " ").split())
    local_part = str(getattr(user, "email", "") or "").partition("@")[0]
    if local_part:
        values.append(local_part)
    first = str(getattr(user, "first_name", "") or "").strip()
    last = str(getattr(user, "last_name", "") or "").strip()
    if first and last:
        for separator in ("", ".", "_", "-", " "):
            values.extend((first + separator + last, last + separator + first))
    return values


# zxcvbn refuses longer input (its matching grows fast with length). A longer password
# contains its first ESTIMATE_LENGTH characters, so it is at least as strong as they are.
ESTIMATE_LENGTH = 100


def strength(password, user=None):
    return zxcvbn(
        password[:ESTIMATE_LENGTH],
        user_inputs=user_inputs(user) if user else [],
        max_length=ESTIMATE_LENGTH,
    )


class MaximumLengthValidator:
    def validate(self, password, user=None):
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                _("La password può avere al massimo %(max)d caratteri.") % {"max": MAX_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("Al massimo %(max)d caratteri.") % {"max": MAX_LENGTH}


class StrengthValidator:
    def validate(self, password, user=None):
        if strength(password, user)["score"] < MIN_SCORE:
            raise ValidationError(
                _(
                    "La password è troppo debole: è facile da indovinare. Allungala, per "
                    "esempio con alcune parole scelte a caso."
                ),
                code="password_too_weak",
            )

    def get_help_text(self):
        return _("Il livello di sicurezza deve essere almeno buono.")
