from django.shortcuts import render

from accounts.staff import is_administrator
from core.access import staff_required


@staff_required
def home(request):
    """The menu shows what the role may use (the `perms` of the template); a role with no
    page yet (operatore pratiche) is told so rather than shown an empty menu."""
    return render(
        request, "backoffice/home.html", {"is_administrator": is_administrator(request.user)}
    )
