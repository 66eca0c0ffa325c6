from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import limits, policy
from core.http import client_ip, client_key

from . import selectors, services
from .forms import LinkForm, ServicesFilterForm
from .services import LinkOutcome

# Failed linking attempts per web user and per client address (IPv6: per /64) in an hour
# (core.policy): the codes on a bill are guessable.
LINK_FAILURES = policy.LINK_FAILURES
LINK_PERIOD = int(policy.LINK_PERIOD.total_seconds())


def _link_counters(request):
    return (("link-user", str(request.user.pk)), ("link-ip", client_key(request)))


def _link_refused(request):
    """Count this attempt before the codes are tried, so concurrent POSTs cannot all get
    through; True when the user or the address is over the limit, or when the count cannot
    be taken (fail closed). An attempt refused on the address does not use up the user's.
    """
    (user_group, user_key), (ip_group, ip_key) = _link_counters(request)
    common = {"limit": LINK_FAILURES, "period": LINK_PERIOD, "fail_closed": True}
    if limits.consume(group=user_group, key=user_key, **common):
        return True
    if limits.consume(group=ip_group, key=ip_key, **common):
        limits.refund(group=user_group, key=user_key, period=LINK_PERIOD)
        return True
    return False


def _not_a_failure(request):
    """The codes matched: the attempt counted up front is given back, so the limit is on
    failed attempts ("5 failed attempts an hour")."""
    for group, key in _link_counters(request):
        limits.refund(group=group, key=key, period=LINK_PERIOD)


def _group_rows(links):
    """Rows of "I miei servizi" grouped by holder, with every label resolved once per page
    rather than once per cell (the template engine's per-cell work dominates this page)."""
    from django.urls import reverse

    from .models import Contract

    labels = {
        field: {key: str(label) for key, label in choices}
        for field, choices in (
            ("service", Contract.Service.choices),
            ("use", Contract.Use.choices),
            ("status", Contract.Status.choices),
        )
    }
    groups = {}
    for link in links:
        contract = link.contract
        group = groups.setdefault(contract.holder_id, {"holder": contract.holder, "rows": []})
        group["rows"].append(
            {
                "code": contract.service_code,
                "service": labels["service"][contract.service],
                "use": labels["use"][contract.use],
                "location": contract.location or "-",
                "status": contract.status,
                "status_label": labels["status"][contract.status],
                "url": reverse("customers:contract", args=[link.uid]),
            }
        )
    return list(groups.values())


@login_required
def services_list(request):
    """ "I miei servizi": the linked contracts, grouped by holder, searchable and paged."""
    form = ServicesFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    links = selectors.links_for_user(
        request.user,
        q=filters.get("q", ""),
        service=filters.get("service", ""),
        status=filters.get("status", ""),
    )
    page_obj = Paginator(links, 25).get_page(request.GET.get("pagina"))
    groups = _group_rows(page_obj.object_list)
    return render(
        request,
        "customers/services.html",
        {
            "form": form,
            "page_obj": page_obj,
            "groups": groups,
            "filtered": any(filters.values()),
        },
    )


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
    return render(request, "customers/contract.html", {"link": link, "contract": link.contract})


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
