"""The customer's pages of "Richieste e reclami". Every request and attachment is fetched
scoped to its owner: anyone else's is a 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import limits, request_size, uploads

from . import conf, selectors, services
from .forms import MessageForm, TicketForm, meter_cost_words
from .models import Area, Kind, Ticket


def body_limit(request, url_name):
    """What the portal accepts in one submission to `url_name` (core.request_size; tickets
    registers its forms for MAX_BODY): the pages check the chosen files against it before
    sending."""
    limit = request_size.max_body_bytes(request, url_name)
    words = _(
        "Gli allegati insieme superano %(mb)d MB, quanto si può inviare in una volta: togline "
        "qualcuno e aggiungilo dopo, con un messaggio alla richiesta."
    ) % {"mb": limit // (1024 * 1024)}
    return {"max_body": limit, "max_body_error": words}


def draft_key(user):
    """The key of the browser-side draft (sessionStorage): per user, opaque, so two people on
    one browser never see each other's draft and no personal data names it."""
    return "tickets-draft-" + salted_hmac("tickets.draft", str(user.pk)).hexdigest()[:20]


@login_required
def ticket_list(request):
    """ "Richieste e reclami": the customer's requests, newest first."""
    page_obj = Paginator(selectors.tickets_for_user(request.user), 25).get_page(
        request.GET.get("pagina")
    )
    return render(request, "tickets/list.html", {"page_obj": page_obj})


@login_required
def ticket_new(request):
    """ "Nuova richiesta"."""
    posted = request.method == "POST"  # an empty POST is bound too: every field is reported
    form = TicketForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        user=request.user,
        link_uid=request.GET.get("utenza"),
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        if _over_limit(request.user, data["idempotency_key"]):
            form.add_error(
                None,
                _(
                    "Hai inviato molte richieste oggi: riprova domani o chiama il numero verde "
                    "%(phone)s. Quello che hai scritto è ancora qui."
                )
                % {"phone": settings.UTILITY["phone"]},
            )
            return _new_page(request, form, status=429)
        ticket, created = services.submit_ticket(
            user=request.user,
            idempotency_key=data["idempotency_key"],
            area=data["area"],
            kind=data["kind"],
            contract=data["contract"],
            subject=data["subject"],
            text=data["text"],
            files=data["files"],
            details=form.details(),
        )
        if created:
            messages.success(
                request,
                _(
                    "Richiesta inviata con protocollo %(protocol)s. Ti abbiamo inviato una "
                    "conferma per e-mail."
                )
                % {"protocol": ticket.protocol},
            )
        else:
            messages.info(
                request,
                _("La richiesta era già stata inviata con protocollo %(protocol)s.")
                % {"protocol": ticket.protocol},
            )
        return redirect(reverse("tickets:detail", args=[ticket.uid]) + "?inviata=1")
    return _new_page(request, form, status=200)


def _over_limit(user, idempotency_key):
    """A new request over TICKETS_SUBMIT_LIMIT a day (a resent form does not count; when the
    counter is unreachable the request goes through: nothing a customer writes is lost)."""
    if Ticket.objects.filter(user=user, idempotency_key=idempotency_key).exists():
        return False
    return limits.consume(
        group="tickets-submit",
        key=str(user.pk),
        limit=conf.submit_limit(),
        period=86400,
        fail_closed=False,
    )


def _too_many_messages(user, ticket, idempotency_key):
    """A new message over TICKETS_MESSAGE_LIMIT a day (each may carry 5 files: a guard on
    the storage). A form sent again does not count; the counter down lets it through."""
    if ticket.messages.filter(idempotency_key=idempotency_key).exists():
        return False
    return limits.consume(
        group="tickets-message",
        key=str(user.pk),
        limit=conf.message_limit(),
        period=86400,
        fail_closed=False,
    )


def _new_page(request, form, *, status):
    return render(
        request,
        "tickets/new.html",
        {
            "form": form,
            "draft_key": draft_key(request.user),
            "water": Area.WATER,
            "complaint": Kind.COMPLAINT,
            "meter_cost": meter_cost_words(),
            **body_limit(request, "tickets:new"),
        },
        status=status,
    )


def _detail(request, ticket, form, status=200):
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "files": selectors.ticket_files(ticket),
            "conversation": selectors.customer_conversation(ticket),
            "form": form,
            "can_write": services.can_customer_write(ticket),
            "reopen_deadline": services.reopen_deadline(ticket),
            "reopen_days": conf.reopen_days(),
            "just_filed": request.GET.get("inviata") == "1",
            "draft_key": draft_key(request.user),
            **body_limit(request, "tickets:detail"),
        },
        status=status,
    )


@login_required
def ticket_detail(request, uid):
    """The request and its conversation; the customer adds a message here."""
    ticket = selectors.get_ticket_for_user(request.user, uid)
    if request.method != "POST":
        return _detail(request, ticket, MessageForm(ticket=ticket))
    form = MessageForm(request.POST, request.FILES, ticket=ticket)
    if not form.is_valid():
        return _detail(request, ticket, form, status=400)
    if _too_many_messages(request.user, ticket, form.cleaned_data["idempotency_key"]):
        form.add_error(
            None,
            _(
                "Hai inviato molti messaggi oggi: riprova domani o chiama il numero verde "
                "%(phone)s. Quello che hai scritto è ancora qui."
            )
            % {"phone": settings.UTILITY["phone"]},
        )
        return _detail(request, ticket, form, status=429)
    try:
        services.add_customer_message(
            ticket=ticket,
            user=request.user,
            text=form.cleaned_data["text"],
            files=form.cleaned_data["files"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _detail(request, ticket, form, status=400)
    messages.success(request, _("Messaggio inviato."))
    return redirect("tickets:detail", uid=ticket.uid)


@login_required
@require_GET
def attachment(request, uid):
    item = selectors.get_attachment_for_user(request.user, uid)
    return uploads.serve(
        item.file, filename=item.download_name, content_type=uploads.CONTENT_TYPES[item.kind]
    )
