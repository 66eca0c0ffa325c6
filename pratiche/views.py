"""The customer's pages of "Le mie pratiche" and of the bill-delivery settings."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import limits, uploads
from core.workdays import working_days_left

from . import conf, selectors, services
from .forms import FORMS, GROUPS, DeliveryForm, IntegrationForm, mandate_text
from .models import Kind, State


def _kind_or_404(kind):
    try:
        kind = Kind(kind)
    except ValueError:
        raise Http404 from None
    if not services.kind_enabled(kind):
        raise Http404
    return kind


@login_required
def pratiche_list(request):
    """ "Le mie pratiche": the customer's pratiche and the catalogue."""
    page_obj = Paginator(selectors.pratiche_of(request.user), 20).get_page(
        request.GET.get("pagina")
    )
    return render(request, "pratiche/list.html", {"page_obj": page_obj})


@login_required
def catalogue(request):
    groups = [
        (title, [(kind, Kind(kind).label, FORMS[kind].intro) for kind in kinds
                 if services.kind_enabled(kind)])
        for title, kinds in GROUPS
    ]  # fmt: skip
    return render(request, "pratiche/catalogue.html", {"groups": groups})


def _render_form(request, form, kind, pratica=None, status=200):
    readings_url = None
    if kind == Kind.CESSAZIONE and selectors.readings_installed():
        chosen = form["contract"].value()
        link = next((lk for lk in form.links if str(lk.uid) == chosen), None)
        readings_url = reverse("customers:contract", args=[link.uid]) if link else None
    return render(
        request,
        "pratiche/form.html",
        {
            "form": form,
            "kind": kind,
            "title": Kind(kind).label,
            "pratica": pratica,
            "attachments": list(pratica.attachments.all()) if pratica else [],
            "mandate_text": mandate_text() if kind == Kind.DOMICILIAZIONE else "",
            "readings_installed": selectors.readings_installed(),
            "readings_url": readings_url,
            "has_files": bool(form.documents),
            "no_contracts": bool(form.contract_mode) and len(form.fields["contract"].choices) < 2,
        },
        status=status,
    )


@login_required
def pratica_form(request, kind, uid=None):
    """A form of the catalogue: new (kind), or a draft being completed (uid)."""
    kind = _kind_or_404(kind)
    form_class = FORMS[kind]
    links = selectors.links_of(request.user)
    pratica = None
    if uid is not None:
        pratica = selectors.get_pratica_for_user(request.user, uid)
        if pratica.kind != kind:
            raise Http404
        if pratica.state != State.DRAFT:
            return redirect("pratiche:detail", uid=pratica.uid)
    attachments = list(pratica.attachments.all()) if pratica else []

    if request.method != "POST":
        if pratica is not None:
            initial = {**pratica.data, "key": str(pratica.idempotency_key)}
        else:
            initial = form_class.profile_initial(request.user)
            chosen = request.GET.get("servizio", "")
            link = next((lk for lk in links if str(lk.uid) == chosen), None)
            if link is None and form_class.contract_mode and len(links) == 1:
                link = links[0]
            if link is not None and form_class.contract_mode:
                initial["contract"] = str(link.uid)
            probe = form_class(user=request.user, links=links)
            initial.update(probe.initial_for(link.contract if link else None))
            initial["key"] = str(uuid.uuid4())
        form = form_class(initial=initial, user=request.user, links=links, attachments=attachments)
        form.key = initial["key"]
        return _render_form(request, form, kind, pratica)

    form = form_class(
        request.POST, request.FILES, user=request.user, links=links, attachments=attachments
    )
    try:
        key = uuid.UUID(request.POST.get("key", ""))
    except ValueError:
        key = pratica.idempotency_key if pratica else uuid.uuid4()
    if pratica is not None:
        key = pratica.idempotency_key
    form.key = key
    if request.POST.get("azione") == "bozza":
        errors = form.check_files_only()
        if errors:
            form.is_valid()  # fills the form's errors, then only the files' are kept
            form._errors = {name: form.error_class(e.messages) for name, e in errors.items()}
            return _render_form(request, form, kind, pratica, status=400)
        contract_uid = request.POST.get("contract", "")
        contract = next((lk.contract for lk in links if str(lk.uid) == contract_uid), None)
        try:
            saved = services.save_draft(
                user=request.user, kind=kind, key=key, contract=contract,
                data=form.draft_data(), files=form.draft_files(),
            )  # fmt: skip
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.is_valid()
            form._errors = {NON_FIELD_ERRORS: form.error_class(exc.messages)}
            return _render_form(request, form, kind, pratica, status=400)
        if saved.state != State.DRAFT:
            return redirect("pratiche:detail", uid=saved.uid)
        messages.success(
            request, _("Bozza salvata: la trovi in «Le mie pratiche» e puoi completarla dopo.")
        )
        return redirect("pratiche:edit", kind=kind.value, uid=saved.uid)

    if not form.is_valid():
        return _render_form(request, form, kind, pratica, status=400)
    try:
        sent = services.submit_pratica(
            user=request.user,
            kind=kind,
            key=key,
            contract=form.cleaned_data.get("contract"),
            data=form.json_data(),
            summary=form.summary(),
            files=form.files_to_store(),
            declaration=form.declaration,
            mandate=form.mandate(),
        )
    except PermissionDenied:
        raise Http404 from None
    messages.success(
        request,
        _("Pratica inviata con il protocollo %(protocol)s. Ti abbiamo mandato una e-mail di "
          "conferma; qui sotto trovi la ricevuta in PDF.") % {"protocol": sent.protocol},
    )  # fmt: skip
    return redirect("pratiche:detail", uid=sent.uid)


@login_required
def detail(request, uid):
    pratica = selectors.get_pratica_for_user(request.user, uid)
    if pratica.state == State.DRAFT:
        return redirect("pratiche:edit", kind=pratica.kind, uid=pratica.uid)
    return _detail(request, pratica, IntegrationForm())


def _detail(request, pratica, integration_form, status=200):
    return render(
        request,
        "pratiche/detail.html",
        {
            "pratica": pratica,
            "attachments": list(pratica.attachments.all()),
            "events": list(pratica.events.all()),
            "days_left": working_days_left(pratica.due_on) if pratica.due_on else None,
            "open": pratica.state in selectors.OPEN_STATES,
            "can_cancel": pratica.state == State.SENT,
            "integration_form": integration_form
            if pratica.state == State.INTEGRATION_REQUESTED
            else None,
            "request_note": pratica.events.filter(to_state=State.INTEGRATION_REQUESTED)
            .values_list("note", flat=True)
            .last(),
        },
        status=status,
    )


@login_required
@require_POST
def cancel(request, uid):
    """ "Annulla": only while the pratica is Inviata."""
    pratica = selectors.get_pratica_for_user(request.user, uid)
    try:
        moved = services.cancel_pratica(pratica=pratica, user=request.user)
    except services.TransitionError:
        messages.error(request, _("La pratica è già in lavorazione: non si può più annullare."))
        return redirect("pratiche:detail", uid=uid)
    if moved:
        messages.success(request, _("Pratica annullata."))
    return redirect("pratiche:detail", uid=uid)


@login_required
@require_POST
def delete_draft(request, uid):
    pratica = selectors.get_pratica_for_user(request.user, uid)
    if pratica.state != State.DRAFT:
        raise Http404
    services.delete_draft(pratica=pratica, user=request.user)
    messages.success(request, _("Bozza eliminata."))
    return redirect("pratiche:list")


@login_required
@require_POST
def integrate(request, uid):
    """The customer uploads the documents the operator asked for."""
    pratica = selectors.get_pratica_for_user(request.user, uid)
    if pratica.state != State.INTEGRATION_REQUESTED:
        return redirect("pratiche:detail", uid=uid)
    form = IntegrationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, pratica, form, status=400)
    try:
        services.add_integration(
            pratica=pratica,
            user=request.user,
            files=[(_("Documento integrativo"), form.cleaned_data["document"])],
            note=form.cleaned_data["note"],
        )
    except (PermissionDenied, services.TransitionError):
        return redirect("pratiche:detail", uid=uid)
    messages.success(
        request, _("Documenti inviati: la pratica torna all'operatore che la sta lavorando.")
    )
    return redirect("pratiche:detail", uid=uid)


@login_required
def receipt(request, uid):
    pratica = selectors.get_pratica_for_user(request.user, uid)
    if not pratica.receipt:
        raise Http404
    return uploads.serve(
        pratica.receipt,
        filename=f"ricevuta-{pratica.protocol}.pdf",
        content_type="application/pdf",
    )


@login_required
def attachment(request, uid, attachment_uid):
    item = selectors.get_attachment_for_user(request.user, uid, attachment_uid)
    return uploads.serve(
        item.file,
        filename=f"allegato-{item.uid.hex[:8]}.{uploads.EXTENSIONS[item.file_kind]}",
        content_type=uploads.CONTENT_TYPES[item.file_kind],
    )


# --- bills by e-mail ------------------------------------------------------------------------


def _delivery_rows(user, forms_by_link=None):
    rows = []
    for link in selectors.links_of(user):
        current = selectors.current_delivery(link.contract)
        pending = selectors.pending_delivery(link.contract)
        if pending and current and pending.requested_at < current.effective_at:
            pending = None
        initial = {"by_email": "1" if current and current.by_email else "0"}
        if current and current.by_email:
            own = current.email.lower() == (user.email or "").lower()
            initial["address"] = "profile" if own else "other"
            if not own:
                initial["other_email"] = current.email
        form = (forms_by_link or {}).get(str(link.uid)) or DeliveryForm(
            initial=initial, user=user, prefix=f"c{link.pk}"
        )
        rows.append({"link": link, "current": current, "pending": pending, "form": form})
    return rows


def _confirmations_refused(request, form):
    """A link to another address is a mail to someone else: at most
    conf.delivery_confirmations_per_hour() of them per profile an hour (Redis down: let in)."""
    own = (request.user.email or "").lower() == (form.cleaned_data.get("email") or "").lower()
    if own and request.user.is_confirmed:
        return False
    return limits.consume(
        group="pratiche-delivery-confirm",
        key=str(request.user.pk),
        limit=conf.delivery_confirmations_per_hour(),
        period=3600,
        fail_closed=False,
    )


@login_required
def delivery(request):
    """ "Modifica le Impostazioni invio documenti e autorizzazioni": per contract, bills on
    paper or by e-mail."""
    return render(request, "pratiche/delivery.html", {"rows": _delivery_rows(request.user)})


@login_required
@require_POST
def delivery_change(request, link_uid):
    link = selectors.get_link_for_user(request.user, link_uid)
    form = DeliveryForm(request.POST, user=request.user, prefix=f"c{link.pk}")
    if form.is_valid() and form.cleaned_data["by_email"] and _confirmations_refused(request, form):
        form.add_error(
            "other_email",
            _("Hai chiesto troppe conferme di indirizzi in poco tempo: riprova tra un'ora."),
        )
    if not form.is_valid():
        rows = _delivery_rows(request.user, {str(link.uid): form})
        return render(
            request, "pratiche/delivery.html", {"rows": rows, "failed": link.uid}, status=400
        )
    by_email = form.cleaned_data["by_email"]
    change, token = services.set_delivery(
        user=request.user,
        contract=link.contract,
        by_email=by_email,
        email=form.cleaned_data.get("email", ""),
    )
    if token:
        messages.info(
            request,
            _("Ti abbiamo mandato un link a %(email)s: la bolletta via e-mail sarà attiva "
              "quando lo aprirai.") % {"email": change.email},
        )  # fmt: skip
    elif by_email:
        messages.success(
            request,
            _("Bolletta via e-mail attiva per il servizio %(code)s, dalla prossima bolletta.")
            % {"code": link.contract.service_code},
        )
    else:
        messages.success(
            request,
            _("Dalla prossima bolletta il servizio %(code)s riceverà la bolletta cartacea.")
            % {"code": link.contract.service_code},
        )
    return redirect("pratiche:delivery")


def delivery_confirm(request, token):
    """The link sent to another address: GET shows what it confirms, POST confirms (so a
    mail scanner that opens links confirms nothing)."""
    try:
        change = services.inspect_delivery_token(token)
    except services.DeliveryTokenError as exc:
        return render(request, "pratiche/delivery_confirm.html", {"error": str(exc)}, status=410)
    if request.method == "POST":
        try:
            services.confirm_delivery(token=token)
        except services.DeliveryTokenError as exc:
            return render(
                request, "pratiche/delivery_confirm.html", {"error": str(exc)}, status=410
            )
        return render(request, "pratiche/delivery_confirm.html", {"done": True, "change": change})
    return render(request, "pratiche/delivery_confirm.html", {"change": change})
