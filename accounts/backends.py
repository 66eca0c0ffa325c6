from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def find_by_username_or_email(identifier):
    """The profile whose username or e-mail address is `identifier` (any case), or None."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    field = "email__iexact" if "@" in identifier else "username__iexact"
    return get_user_model().objects.filter(**{field: identifier}).first()


class UsernameOrEmailBackend(ModelBackend):
    """ "Nome utente" accepts the e-mail address too. Unknown names still run the password
    hasher (as ModelBackend does), so the answer takes the same time."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_by_username_or_email(username)
        if user is None:
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials):
    """Count failures against the profile, whether it was named by username or e-mail, so
    alternating the two does not double an attacker's attempts."""
    identifier = (credentials or {}).get("username") or request.POST.get("username", "")
    user = find_by_username_or_email(identifier)
    return user.username.lower() if user else identifier.strip().lower()[:150]
