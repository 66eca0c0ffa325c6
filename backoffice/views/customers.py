"""Web profiles, holders and contracts. Every view of a customer's data is audited."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts import staff as account_staff
from accounts.two_factor import has_two_factor
from core import audit
from core.access import staff_required
from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.models import Contract

from ..forms import ReasonForm, UserSearchForm

User = get_user_model()


def _customer_or_404(uid):
    """A customer's profile. Staff accounts are not customers: they are managed only in the
    staff pages, so the customer pages answer 404 for them, whoever asks."""
    user = get_object_or_404(User, uid=uid)
    if account_staff.is_staff_account(user):
        raise Http404
    return user


@staff_required("accounts.view_user")
def users(request):
    form = UserSearchForm(request.GET or None)
    page_obj = None
    if form.is_valid() and form.cleaned_data["q"]:
        results = account_selectors.search_users(form.cleaned_data["q"])
        if not request.user.has_perm("accounts.manage_staff"):
            results = results.exclude(Q(is_staff=True) | Q(is_superuser=True))
        page_obj = Paginator(results, 25).get_page(request.GET.get("pagina"))
        audit.record(
            actor=request.user,
            action="backoffice.search_users",
            shown=[str(u.uid) for u in page_obj.object_list],
        )
    return render(request, "backoffice/users.html", {"form": form, "page_obj": page_obj})


def _detail(request, customer, reason_form, status=200, otp_form=None):
    audit.record(actor=request.user, action="backoffice.view_user", obj=customer)
    return render(
        request,
        "backoffice/user_detail.html",
        {
            "customer": customer,
            "consents": list(account_selectors.consents_of(customer)),
            "events": list(account_selectors.recent_events(customer, limit=30)),
            # Lists, not querysets: the template reads them twice (emptiness, rows).
            "sessions": list(account_selectors.sessions_of(customer)),
            "links": list(customer_selectors.links_of_user(customer)),
            "reason_form": reason_form,
            "has_authenticator": has_two_factor(customer),
            # Its own prefix: the page has two reason fields, ids must stay unique.
            "otp_form": otp_form or ReasonForm(prefix="otp"),
        },
        status=status,
    )


@staff_required("accounts.view_user")
def user_detail(request, uid):
    user = get_object_or_404(User, uid=uid)
    if account_staff.is_staff_account(user):
        if request.user.has_perm("accounts.manage_staff") and user.is_staff:
            return redirect("backoffice:staff_member", uid=uid)
        raise Http404
    return _detail(request, user, ReasonForm())


@staff_required(("accounts.view_user", "accounts.manage_customers"))
@require_POST
def reset_two_factor(request, uid):
    """A customer lost the phone with the authenticator and the recovery codes: once the
    operator has checked who they are (the reason says how), the authenticator goes."""
    customer = _customer_or_404(uid)
    form = ReasonForm(request.POST, prefix="otp")
    if not form.is_valid():
        return _detail(request, customer, ReasonForm(), status=400, otp_form=form)
    if account_staff.reset_two_factor(
        actor=request.user, user=customer, reason=form.cleaned_data["reason"]
    ):
        messages.success(
            request,
            _(
                "Verifica in due passaggi disattivata: il cliente accede con la sola password "
                "e può attivarla di nuovo. Le sue sessioni sono state chiuse."
            ),
        )
    else:
        messages.info(request, _("Il profilo non ha un'app di autenticazione."))
    return redirect("backoffice:user", uid=uid)


@staff_required("accounts.manage_customers")
@require_POST
def resend_confirmation(request, uid):
    customer = _customer_or_404(uid)
    if account_staff.staff_resend_confirmation(user=customer, actor=request.user):
        messages.success(request, _("Nuovo link di conferma inviato."))
    else:
        messages.info(request, _("Il profilo è già confermato."))
    return redirect("backoffice:user", uid=uid)


@staff_required(("accounts.view_user", "accounts.manage_customers"))
@require_POST
def set_blocked(request, uid, block):
    customer = _customer_or_404(uid)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _detail(request, customer, form, status=400)
    reason = form.cleaned_data["reason"]
    if block:
        account_staff.block_user(user=customer, actor=request.user, reason=reason)
        messages.success(request, _("Profilo bloccato. Le sue sessioni sono state chiuse."))
    else:
        account_staff.unblock_user(user=customer, actor=request.user, reason=reason)
        messages.success(request, _("Profilo sbloccato."))
    return redirect("backoffice:user", uid=uid)


# --- holders and contracts -----------------------------------------------------------------


@staff_required("customers.view_holder")
def holders(request):
    form = UserSearchForm(request.GET or None)
    form.fields["q"].label = _("Cerca intestatari e utenze")
    form.fields["q"].help_text = _(
        "Codice cliente, codice servizio, codice fiscale, partita IVA, cognome o ragione sociale."
    )
    page_obj = None
    if form.is_valid() and form.cleaned_data["q"]:
        results = customer_selectors.search_holders(form.cleaned_data["q"]).prefetch_related(
            Prefetch("contracts", queryset=Contract.objects.order_by("service", "service_code"))
        )
        page_obj = Paginator(results, 25).get_page(request.GET.get("pagina"))
        audit.record(
            actor=request.user,
            action="backoffice.search_holders",
            shown=[h.customer_code for h in page_obj.object_list],
        )
    return render(request, "backoffice/holders.html", {"form": form, "page_obj": page_obj})


def _visible_links(request, contract):
    """The contract's links; a staff member's only for those who manage staff (operators
    never see or act on a staff account)."""
    links = customer_selectors.links_of_contract(contract)
    if not request.user.has_perm("accounts.manage_staff"):
        links = links.filter(user__is_staff=False, user__is_superuser=False)
    return links


def _contract_page(request, contract, form, status=200, failed_link=None):
    audit.record(actor=request.user, action="backoffice.view_contract", obj=contract)
    return render(
        request,
        "backoffice/contract.html",
        {
            "contract": contract,
            "links": _visible_links(request, contract),
            "form": form,
            "failed_link": failed_link,
        },
        status=status,
    )


@staff_required("customers.view_contract")
def contract(request, service_code):
    contract = customer_selectors.get_contract(service_code)
    return _contract_page(request, contract, ReasonForm())


@staff_required(("customers.view_contract", "customers.delete_contractlink"))
@require_POST
def contract_unlink(request, service_code, link_uid):
    contract = customer_selectors.get_contract(service_code)
    link = get_object_or_404(
        _visible_links(request, contract).select_related("contract"), uid=link_uid
    )
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _contract_page(request, contract, form, status=400, failed_link=link.uid)
    customer_services.unlink_contract(
        link=link, actor=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("Collegamento rimosso."))
    return redirect("backoffice:contract", service_code=service_code)
