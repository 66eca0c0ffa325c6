"""Who may see what: helpers the views of every app share.

Staff permissions are Django permissions grouped into roles (accounts.staff.ROLES). Entering
the back-office at all takes `accounts.access_backoffice`; each page adds its own. The names
are plain strings: core imports no other app of ours.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404

BACKOFFICE_PERMISSION = "accounts.access_backoffice"


def verified_by_authenticator(user):
    """The session of `user` (request.user, after django-otp's middleware) was verified by
    the confirmed authenticator (TOTP), or by one of its recovery codes while that
    authenticator still exists: codes obtained without one, or left after it was deleted,
    prove nothing. The one rule for staff, the login's second step and the 2FA page."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # A user loaded from the database (a command, a shell) never went through django-otp's
    # middleware: it has no is_verified(), and is not verified.
    device = getattr(user, "otp_device", None)
    is_verified = getattr(user, "is_verified", None)
    if is_verified is None or not is_verified() or device is None or device.user_id != user.pk:
        return False
    if not device.confirmed:
        return False
    if isinstance(device, TOTPDevice):
        return True
    if isinstance(device, StaticDevice):
        return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return False


def is_staff_member(user, perm=None):
    """Active staff, verified with their authenticator, allowed into the back-office and,
    when `perm` is given (a name or a list of names), holding it."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if not verified_by_authenticator(user):
        return False
    perms = [BACKOFFICE_PERMISSION]
    if perm:
        perms += [perm] if isinstance(perm, str) else list(perm)
    return user.has_perms(perms)


def staff_required(perm=None, *, open_in_debug=False):
    """`@staff_required("customers.view_contract")` (or bare `@staff_required`): anonymous
    visitors go to the login page; anyone else who is not verified active staff with the
    permission gets a 404, as if the page did not exist (StaffTwoFactorMiddleware has already
    sent an unverified staff member to set up the second factor). With `open_in_debug`, a
    developer's DEBUG instance lets everyone in (the development mailbox)."""
    if callable(perm):
        return staff_required()(perm)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if open_in_debug and settings.DEBUG:
                return view(request, *args, **kwargs)
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_staff_member(user, perm):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
