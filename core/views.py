import re

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from . import audit
from .models import OutboxMessage


def home(request):
    return render(request, "core/home.html")


@never_cache
@require_GET
def healthz(request):
    """Load balancers' probe (CONTRACT.md section 3): 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def page(request, template):
    return render(
        request,
        f"core/pages/{template}.html",
        {
            "privacy_version": settings.PRIVACY_NOTICE_VERSION,
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "csrf_cookie": settings.CSRF_COOKIE_NAME,
            "language_cookie": settings.LANGUAGE_COOKIE_NAME,
        },
    )


@cache_control(max_age=3600, public=True)
def brand_css(request):
    """The utility's colour as CSS variables: a file, because the CSP forbids inline styles."""
    color = settings.UTILITY["primary_color"]
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        color = "#00596b"
    return HttpResponse(f":root{{--sp-primary:{color};}}\n", content_type="text/css")


def _mailbox_allowed(request):
    # Mail holds personal data: visible only to developers (DEBUG) and staff.
    if not (settings.DEBUG or request.user.is_staff):
        raise Http404


def mailbox(request):
    _mailbox_allowed(request)
    messages = OutboxMessage.objects.only(
        "id", "kind", "to", "subject", "state", "created_at", "sent_at", "attempts"
    )
    state = request.GET.get("stato")
    if state in OutboxMessage.State.values:
        messages = messages.filter(state=state)
    page_obj = Paginator(messages, 50).get_page(request.GET.get("pagina"))
    return render(
        request,
        "core/mailbox.html",
        {"page_obj": page_obj, "states": OutboxMessage.State.choices, "current_state": state},
    )


def mailbox_message(request, message_id):
    _mailbox_allowed(request)
    message = get_object_or_404(OutboxMessage, pk=message_id)
    if request.user.is_authenticated:
        audit.record(actor=request.user, action="mailbox.view", obj=message)
    # With a real SMTP server the mailbox is the dead-letter view: state and error, never the
    # text, which may hold a live link (a password reset) that staff must not be able to use.
    show_body = not settings.EMAIL_URL
    return render(
        request, "core/mailbox_message.html", {"message": message, "show_body": show_body}
    )


# --- Error pages: Italian, no stack trace, no details of the failure. --------------------
def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without the request: no context processor, no session, no database, since the
    # failure may be the database itself.
    body = loader.get_template("500.html").render({"utility": settings.UTILITY})
    return HttpResponseServerError(body)
