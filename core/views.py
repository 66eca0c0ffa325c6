import re

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from . import audit
from .access import staff_required
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


# Messages whose body holds a live single-use link: whoever reads it could use the link.
TOKEN_KINDS = frozenset({"welcome", "password_reset", "email_change_confirm", "staff_invitation"})


def show_message_body(message):
    """Mail holds personal data and, for TOKEN_KINDS, a key to someone's account. With a real
    SMTP server the mailbox is the dead-letter view (state and error, never the text); a
    token-carrying text is shown only on a developer's DEBUG instance."""
    if settings.EMAIL_URL:
        return False
    return settings.DEBUG or message.kind not in TOKEN_KINDS


@staff_required("core.view_outboxmessage", open_in_debug=True)
def mailbox(request):
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


@staff_required("core.view_outboxmessage", open_in_debug=True)
def mailbox_message(request, message_id):
    message = get_object_or_404(OutboxMessage, pk=message_id)
    if request.user.is_authenticated:
        audit.record(actor=request.user, action="mailbox.view", obj=message)
    return render(
        request,
        "core/mailbox_message.html",
        {
            "message": message,
            "show_body": show_message_body(message),
            "smtp": bool(settings.EMAIL_URL),
        },
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
