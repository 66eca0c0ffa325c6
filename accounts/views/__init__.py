"""The accounts' pages, one module per sub-domain: registration, login, recovery, profile,
security (password, two-step verification, sessions and activity), data ("Scarica i miei
dati"); common holds what they share. accounts/urls.py names each view by its module.

`lockout` stays importable here: settings.AXES_LOCKOUT_CALLABLE names it by this path.
"""

from .login import lockout

__all__ = ["lockout"]
