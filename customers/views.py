import functools
from html import escape as html_escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import limits, policy
from core.http import client_ip, client_key
from core.registry import registry
from core.shapes import render_shaped

from . import selectors, services
from .forms import LinkForm, ServicesFilterForm
from .models import Contract, Holder
from .services import LinkOutcome

# Failed linking attempts per web user and per client address (IPv6: per /64) in
# policy.LINK_PERIOD (core.policy, read at each request, like the page that states it): the
# codes on a bill are guessable.


def _link_period():
    return int(policy.LINK_PERIOD.total_seconds())


def _link_counters(request):
    return (("link-user", str(request.user.pk)), ("link-ip", client_key(request)))


def _link_refused(request):
    """Count this attempt before the codes are tried, so concurrent POSTs cannot all get
    through; True when the user or the address is over the limit, or when the count cannot
    be taken (fail closed). An attempt refused on the address does not use up the user's.
    """
    (user_group, user_key), (ip_group, ip_key) = _link_counters(request)
    period = _link_period()
    common = {"limit": policy.LINK_FAILURES, "period": period, "fail_closed": True}
    if limits.consume(group=user_group, key=user_key, **common):
        return True
    if limits.consume(group=ip_group, key=ip_key, **common):
        limits.refund(group=user_group, key=user_key, period=period)
        return True
    return False


def _not_a_failure(request):
    """The codes matched: the attempt counted up front is given back, so the limit is on
    failed attempts ("5 failed attempts an hour")."""
    for group, key in _link_counters(request):
        limits.refund(group=group, key=key, period=_link_period())


# One row of "I miei servizi", built in Python: the template engine's per-cell work was most
# of this page's time (docs/performance.md). Every value is escaped; the markup matches the
# table's header in customers/services.html.
_ROW = (
    '<tr><th scope="row">{service} <span class="sp-code">{code}</span></th>'
    "<td>{utenza} {use}</td>"
    '<td data-label="{location_label}">{location}</td>'
    '<td data-label="{status_label}"><span class="sp-status sp-status-{status}">'
    "{status_text}</span></td>"
    '<td><a class="btn btn-sm btn-outline-primary" href="{url}">{open_label}'
    '<span class="visually-hidden"> {service} {code}</span></a></td></tr>'
)


@functools.cache
def _row_words(language):
    """The labels of a row, translated and escaped, once per language and process. str()
    first: escape() of a lazy translation returns a lazy string, translated and escaped
    again at every use (25 rows × 3 labels)."""
    labels = {
        field: {key: escape(str(label)) for key, label in choices}
        for field, choices in (
            ("service", Contract.Service.choices),
            ("use", Contract.Use.choices),
            ("status", Contract.Status.choices),
        )
    }
    words = {
        "utenza": escape(_("UTENZA")),
        "open_label": escape(_("Apri")),
        "location_label": escape(_("Ubicazione servizio")),
        "status_label": escape(_("Stato")),
    }
    return labels, words


def _group_rows(rows):
    """Rows of "I miei servizi" (selectors.service_rows_for_user) grouped by holder: each
    group's rows as one escaped HTML string (the page's hot path: 25 rows, 5 cells)."""
    labels, words = _row_words(get_language())
    service_labels, use_labels, status_labels = labels["service"], labels["use"], labels["status"]
    # One reverse() per page, not per row: the route is "<prefix><uid>/".
    placeholder = "00000000-0000-0000-0000-000000000000"
    head, tail = reverse("customers:contract", args=[placeholder]).split(placeholder)
    n_fields = len(selectors.SERVICE_ROW_FIELDS)
    groups = {}
    for row in rows:
        uid, code, service, use, address, municipality, status, holder_id = row[:n_fields]
        group = groups.get(holder_id)
        if group is None:
            holder = Holder(
                id=holder_id, **dict(zip(selectors.HOLDER_FIELDS, row[n_fields:], strict=True))
            )
            group = groups[holder_id] = {"holder": holder, "rows": []}
        location = " - ".join(p for p in (address, municipality) if p).upper() or "-"
        group["rows"].append(
            _ROW.format(
                service=service_labels[service],
                code=html_escape(code),
                use=use_labels[use],
                location=html_escape(location),
                status=html_escape(status),
                status_text=status_labels[status],
                url=f"{head}{uid}{tail}",
                **words,
            )
        )
    return [
        {"holder": group["holder"], "rows_html": mark_safe("".join(group["rows"]))}  # noqa: S308
        for group in groups.values()
    ]


@functools.lru_cache(maxsize=512)
def _filter_fields(language, q, service, status):
    """The filter form's three fields rendered, for valid values: a pure function of the
    values and the language, kept per process (rendering them through the form templates
    cost as much as the rest of the page)."""
    form = ServicesFilterForm({"q": q, "service": service, "status": status})
    form.is_valid()
    return tuple(str(form[name].as_field_group()) for name in ("q", "service", "status"))


@login_required
def services_list(request):
    """ "I miei servizi": the linked contracts, grouped by holder, searchable and paged."""
    form = ServicesFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if any(filters.values()):
        rows = selectors.service_rows_for_user(
            request.user,
            q=filters.get("q", ""),
            service=filters.get("service", ""),
            status=filters.get("status", ""),
        )
    else:
        rows = selectors.LinkedServiceRows(request.user)
    page_obj = Paginator(rows, 25).get_page(request.GET.get("pagina"))
    rows = list(page_obj.object_list)
    context = {
        "form": form,
        "page_obj": page_obj,
        "groups": SimpleLazyObject(lambda: _group_rows(rows)),  # drawn only when rendered
        "filtered": any(filters.values()),
    }
    if form.errors:  # the form shows its errors: rendered as usual
        context["filter_fields"] = None
        return render(request, "customers/services.html", context)
    q, service, status = (filters.get(k, "") for k in ("q", "service", "status"))
    context["filter_fields"] = [
        mark_safe(f)  # noqa: S308 - rendered by the form's templates
        for f in _filter_fields(get_language(), q, service, status)
    ]
    # The same rows on the same page with the same query are the same page but for the name
    # (core.shapes): the query string is in the key, for the pager's links.
    key = (request.GET.urlencode(), page_obj.number, page_obj.paginator.count, tuple(rows))
    return render_shaped(request, "customers/services.html", context, key)


@login_required
def link(request):
    """ "Aggancio servizi"."""
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _link_refused(request):
            return render(
                request, "customers/link.html", {"form": form, "blocked": True}, status=429
            )
        data = form.cleaned_data
        outcome, link = services.link_contract(
            user=request.user,
            customer_code=data["customer_code"],
            service_code=data["service_code"],
            codice_fiscale=data["codice_fiscale"],
            partita_iva=data["partita_iva"],
            ip=client_ip(request) or None,
        )
        if outcome == LinkOutcome.LINKED:
            _not_a_failure(request)
            messages.success(
                request,
                _("Il servizio %(code)s è stato collegato al tuo profilo.")
                % {"code": link.contract.service_code},
            )
            return redirect("customers:services")
        if outcome == LinkOutcome.ALREADY_LINKED:
            _not_a_failure(request)
            messages.info(
                request,
                _("Il servizio %(code)s è già collegato al tuo profilo.")
                % {"code": link.contract.service_code},
            )
            return redirect("customers:services")
        form.add_error(
            None,
            _(
                "I dati inseriti non corrispondono a un servizio. Controlla Codice cliente, "
                "Codice servizio e Codice fiscale o Partita IVA sulla bolletta e riprova."
            ),
        )
    return render(request, "customers/link.html", {"form": form})


@login_required
def contract(request, uid):
    """ "Apri": the contract's page."""
    link = selectors.get_link_for_user(request.user, uid)
    return render(
        request,
        "customers/contract.html",
        {
            "link": link,
            "contract": link.contract,
            # What installed apps show on a contract (Letture contatore, Bollette online).
            "sections": registry.contract_sections(request, link),
        },
    )


@login_required
@require_POST
def unlink(request, uid):
    link = selectors.get_link_for_user(request.user, uid)
    code = link.contract.service_code
    services.unlink_contract(link=link, actor=request.user)
    messages.success(
        request, _("Il servizio %(code)s non è più collegato al tuo profilo.") % {"code": code}
    )
    return redirect("customers:services")
