from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A web profile. Identity data and consents arrive with the registration issue.

    Usernames are unique without regard to case, so "Mario.Rossi" and "mario.rossi" cannot
    both exist.
    """

    email = models.EmailField(_("indirizzo e-mail"), blank=True)

    class Meta:
        verbose_name = _("profilo web")
        verbose_name_plural = _("profili web")
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    @property
    def display_name(self):
        return self.get_full_name() or self.username
