import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.urls import get_urlconf
from django.utils import translation
from django.utils.html import format_html
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from . import audit
from .access import staff_required
from .models import OutboxMessage
from .registry import home_card_context, registry
from .shapes import render_shaped

# The standard home card (core.registry.register_home_card without a template), drawn here:
# every signed-in person opens the home page, and including a template per card cost a
# sixth of it (docs/performance.md). Every value is escaped.
_CARD = (
    '<li class="card-wrapper"><div class="card card-bg"><div class="card-body">'
    '<h2 class="h4 card-title"><a href="{url}">{title}</a></h2>{text}{action}'
    "</div></div></li>"
)
_CARD_TEXT = '<p class="card-text">{}</p>'
_CARD_ACTION = '<p><a class="btn btn-outline-primary btn-sm" href="{}">{}</a></p>'


_standard = {}  # (card, language, URLconf, number) -> its HTML, for the life of the process
_MAX_CARDS = 2048


def forget_cards():
    """Draw the cards anew (core.signals: a test changed a setting they may show)."""
    _standard.clear()


def standard_card(entry, request, number):
    """The HTML of a standard card (registry.register_home_card without a template): its
    context depends only on the number and the language, so it is drawn once per process
    for each (translating and escaping its texts and looking up its URLs on every request
    was a fifth of the home page)."""
    key = (entry.key, translation.get_language(), get_urlconf() or settings.ROOT_URLCONF, number)
    html = _standard.get(key)
    if html is None:
        html = card_html(home_card_context(entry, request, number))
        if len(_standard) >= _MAX_CARDS:
            _standard.clear()
        _standard[key] = html
    return html


def card_html(card):
    """A standard card: title, url, text and, optionally, action_label and action_url,
    every value escaped."""
    url, title, text, action_url, action_label = (
        "" if (value := card.get(name)) is None else str(value)
        for name in ("url", "title", "text", "action_url", "action_label")
    )
    return format_html(
        _CARD,
        url=url,
        title=title,
        text=format_html(_CARD_TEXT, text) if text else "",
        action=format_html(_CARD_ACTION, action_url, action_label) if action_url else "",
    )


def home(request):
    """The anonymous home says what installed apps offer; the logged-in one shows each app's
    card (core.registry). For everyone with the same cards (the same counts) the logged-in
    home is the same page but for their name: its shape is kept (core.shapes). A card with a
    template of its own is rendered as usual."""
    if not request.user.is_authenticated:
        context = {"public_features": registry.public_features()}
        return render(request, "core/home.html", context)
    counted = registry.home_card_counts(request)
    cards = [
        {"template": entry.template, "context": home_card_context(entry, request, number)}
        if entry.template
        else {"html": standard_card(entry, request, number)}
        for entry, number in counted
    ]
    if any(entry.template for entry, _ in counted):
        return render(request, "core/home.html", {"home_cards": cards})
    key = tuple(card["html"] for card in cards)
    return render_shaped(request, "core/home.html", {"home_cards": cards}, key)


@never_cache
@require_GET
def healthz(request):
    """Load balancers' probe (docs/operations.md): 200 when the database answers."""
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
            "public_features": registry.public_features(),
        },
    )


@cache_control(max_age=3600, public=True)
def brand_css(request):
    """The utility's colour as CSS variables: a file, because the CSP forbids inline styles."""
    color = settings.UTILITY["primary_color"]
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        color = "#00596b"
    return HttpResponse(f":root{{--sp-primary:{color};}}\n", content_type="text/css")


def show_message_body(message):
    """Mail holds personal data and, for the kinds apps register as holding a live
    single-use link (registry.register_mail_with_link), a key to someone's account. With a
    real SMTP server the mailbox is the dead-letter view (state and error, never the text); a
    link-carrying text is shown only on a developer's DEBUG instance."""
    if settings.EMAIL_URL:
        return False
    return settings.DEBUG or message.kind not in registry.mail_with_link_kinds()


@staff_required("core.view_outboxmessage", open_in_debug=True)
def mailbox(request):
    messages = _visible_messages(request).only(
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


def _visible_messages(request):
    """Mail to staff accounts is for those who manage staff: an operator never sees a staff
    member's messages (a warning about their login, their authenticator reset)."""
    messages = OutboxMessage.objects.all()
    user = request.user
    if user.is_authenticated and not user.has_perm("accounts.manage_staff"):
        staff_addresses = (
            get_user_model()
            .objects.filter(Q(is_staff=True) | Q(is_superuser=True))
            .exclude(email="")
            .annotate(address=Lower("email"))
            .values("address")
        )
        messages = messages.annotate(to_lower=Lower("to")).exclude(to_lower__in=staff_addresses)
    return messages


@staff_required("core.view_outboxmessage", open_in_debug=True)
def mailbox_message(request, message_id):
    message = get_object_or_404(_visible_messages(request), pk=message_id)
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
