"""Who may see what: helpers the views of every app share."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404


def staff_required(view):
    """Staff only, with two-step verification done (StaffTwoFactorMiddleware sends an
    unverified staff member to set it up). Anonymous visitors go to the login page; anyone
    else gets a 404, as if the page did not exist."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff and user.is_verified()):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
