"""Customer pages of "Letture contatore" (nuova, ricevuta, vedi tutte, photo) and the
back-office queue. Customer objects are fetched through the customer's own ContractLink or
reading (404 for anyone else); staff views check the permission here and the services
check it again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit, limits
from core.access import staff_required
from core.uploads import CONTENT_TYPES, EXTENSIONS, private_storage, serve
from customers.selectors import get_link_for_user

from . import chart, conf, consumption, selectors, services
from .forms import QueueFilterForm, ReadingForm, RejectForm, photo_token
from .models import Reading

PERMISSION = services.PERMISSION


def _water_link(user, uid):
    link = get_link_for_user(user, uid)
    if not selectors.is_water(link.contract):
        raise Http404
    return link


@login_required
def new(request, uid):
    """ "nuova": the form, its confirmations, then the receipt."""
    link = _water_link(request.user, uid)
    if not selectors.takes_readings(link.contract):
        raise Http404
    # Only a meter on the contract now takes readings (not one moved to another contract).
    meters = [m for m in selectors.meters_of(link.contract) if m.contract_id == link.contract.pk]
    meter = selectors.current_of(meters)
    if meter is None:
        return render(request, "readings/no_meter.html", {"link": link}, status=404)
    form = ReadingForm(request.POST or None, request.FILES or None, meter=meter, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid() and _over_limit(request.user, form.cleaned_data["submission"]):
            form.add_error(
                None,
                _(
                    "Oggi hai già inviato molte letture: riprova domani, oppure contatta il "
                    "Servizio Clienti."
                ),
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                reading, _created = services.submit_reading(
                    user=request.user,
                    meter=meter,
                    value=data["value"],
                    submission=data["submission"],
                    photo=data["photo"],
                    photo_kind=form.photo_kind,
                    held_photo=None if data["photo"] else form.held_photo,
                    rollover=data["confirm_rollover"],
                    leak_confirmed=data["confirm_leak"],
                    today=form.today,
                )
            except services.ReadingRefused as refused:
                form.add_error(None, _refusal(str(refused)))
            else:
                _photo_done(form, data)
                return redirect("readings:receipt", uid=reading.uid)
            status = 400
        else:
            status = 400
        _keep_photo(request.user, form)
    return render(
        request,
        "readings/new.html",
        {
            "link": link,
            "contract": link.contract,
            "meter": meter,
            "form": form,
            "tips": {"link": link},
        },
        status=status,
    )


def _photo_done(form, data):
    """After the reading is stored: a photo held before and removed or replaced is deleted."""
    for held in (form.dropped_photo, form.held_photo if data["photo"] else None):
        if held is not None:
            services.drop_held_photo(held)


def _keep_photo(user, form):
    """The page comes back (a confirmation, an error): a new photo that passed its checks is
    held, re-encoded, in the private storage, and the page names it with a signed token, so
    the customer need not choose it again; a removed one is deleted."""
    if form.dropped_photo is not None:
        services.drop_held_photo(form.dropped_photo)
    data = getattr(form, "cleaned_data", {})
    held = form.held_photo
    if data.get("photo") and "photo" not in form.errors:
        held = services.hold_photo(
            user=user, photo=data["photo"], photo_kind=form.photo_kind, replacing=held
        )
    form.held_photo = held
    submission = data.get("submission")
    if held is not None and submission is not None:
        form.photo_token_value = photo_token(held, user, submission)
        label = _("Sostituisci la foto (facoltativo)")
        form.fields["photo"].label = form["photo"].label = label
    else:
        form.held_photo = None


def _over_limit(user, submission):
    """A new self-reading over READINGS_SUBMIT_LIMIT today (the same form again does not
    count; when the counter is unreachable the reading goes through)."""
    if Reading.objects.filter(user=user, submission=submission).exists():
        return False
    return limits.consume(
        group="readings-submit",
        key=str(user.pk),
        limit=conf.submit_limit(),
        period=86400,
        fail_closed=False,
    )


def _refusal(code):
    return {
        "taken": _(
            "Per oggi è già registrata una lettura di questo contatore, già trasmessa per la "
            "fatturazione: potrai inviarne un'altra da domani."
        ),
        "rollover": _("La lettura è inferiore all'ultima lettura validata: controllala."),
        "leak": _("Conferma la lettura, dopo averla controllata."),
        "retry": _("Il modulo è scaduto: scrivi di nuovo la lettura e inviala."),
        "photo": _("La foto allegata non è più disponibile: se vuoi inviarla, sceglila di nuovo."),
    }.get(code, _("La lettura non è valida per questo contatore."))


@login_required
def receipt(request, uid):
    reading = selectors.customer_reading(request.user, uid)
    link = reading.contract.links.get(user=request.user)
    return render(
        request,
        "readings/receipt.html",
        {
            "reading": reading,
            "link": link,
            "received": timezone.localtime(reading.received_at),
            "answer_days": conf.answer_working_days(),
        },
    )


@login_required
def history(request, uid):
    """ "vedi tutte": every reading of the contract's meters, paged, and the consumption."""
    link = _water_link(request.user, uid)
    meters = selectors.meters_of(link.contract)
    page = Paginator(selectors.readings_of(link.contract), conf.history_page_size()).get_page(
        request.GET.get("pagina")
    )
    rows = [selectors.row(r) for r in page.object_list]
    spans = consumption.intervals(meters, period=selectors.taken_under(link.contract))
    chart_rows = consumption.chart_rows(spans, timezone.localdate())
    table = [
        {
            "start": r["start"].strftime("%d/%m/%Y"),
            "end": r["end"].strftime("%d/%m/%Y"),
            "days": r["days"],
            "m3": r["m3"],
            "per_day": chart.number(r["per_day"]),
            "before": chart.number(r["before"]) if r["before"] is not None else "",
            "estimated": r["estimated"],
        }
        for r in reversed(chart_rows)
    ]
    return render(
        request,
        "readings/history.html",
        {
            "link": link,
            "contract": link.contract,
            "meters": meters,
            "meter": selectors.current_of(meters, link.contract),
            "takes_readings": selectors.takes_readings(link.contract),
            "page_obj": page,
            "rows": rows,
            "chart": chart.svg(chart_rows),
            "table": table,
        },
    )


@login_required
def photo(request, uid):
    reading = selectors.customer_reading(request.user, uid)
    if not reading.photo:
        raise Http404
    return _serve_photo(reading)


def _serve_photo(reading):
    kind = reading.photo_kind or "jpeg"
    if not private_storage().exists(reading.photo):
        raise Http404
    return serve(
        reading.photo,
        filename=f"lettura-{reading.read_on:%Y%m%d}.{EXTENSIONS[kind]}",
        content_type=CONTENT_TYPES[kind],
    )


# --- back-office ---------------------------------------------------------------------------


@staff_required(PERMISSION)
def staff_queue(request):
    form = QueueFilterForm(request.GET or {"stato": "received"})
    status, q = "received", ""
    if form.is_valid():
        status, q = form.cleaned_data["stato"], form.cleaned_data["q"]
    page = Paginator(selectors.queue(status=status, q=q), 50).get_page(request.GET.get("pagina"))
    today = timezone.localdate()
    rows = [selectors.queue_row(r, today) for r in page.object_list]
    audit.record(
        actor=request.user,
        action="readings.view_queue",
        shown=[str(r["reading"].uid) for r in rows],
    )
    return render(
        request,
        "readings/staff_queue.html",
        {"form": form, "page_obj": page, "rows": rows, "answer_days": conf.answer_working_days()},
    )


@staff_required(PERMISSION)
def staff_detail(request, uid, reject_form=None, status=200):
    reading = selectors.staff_reading(uid)
    audit.record(actor=request.user, action="readings.view", obj=reading)
    # The previous readings of this meter under the same contract (not another holder's).
    previous = list(
        reading.meter.readings.filter(contract_id=reading.contract_id)
        .exclude(pk=reading.pk)
        .order_by("-read_on", "-id")[:6]
    )
    return render(
        request,
        "readings/staff_detail.html",
        {
            "reading": reading,
            "row": selectors.queue_row(reading),
            "previous": [selectors.row(r) for r in previous],
            "reject_form": reject_form or RejectForm(),
            "waiting": reading.status == Reading.Status.RECEIVED,
        },
        status=status,
    )


@staff_required(PERMISSION)
@require_POST
def staff_validate(request, uid):
    reading = selectors.staff_reading(uid)
    if services.validate(reading=reading, actor=request.user, receipt=_seen(request)):
        messages.success(request, _("Lettura validata."))
        return redirect("readings:staff_queue")
    return _not_waiting(request, reading)


def _seen(request):
    """The receipt number of the reading as the page showed it."""
    return request.POST.get("receipt", "")


def _not_waiting(request, reading):
    reading.refresh_from_db()
    if reading.status == Reading.Status.RECEIVED:
        messages.warning(
            request,
            _("Il cliente ha sostituito la lettura nel frattempo: controlla il nuovo valore."),
        )
        return redirect("readings:staff_detail", uid=reading.uid)
    messages.info(request, _("La lettura era già stata trattata."))
    return redirect("readings:staff_queue")


@staff_required(PERMISSION)
@require_POST
def staff_reject(request, uid):
    reading = selectors.staff_reading(uid)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return staff_detail(request, uid, reject_form=form, status=400)
    done = services.reject(
        reading=reading,
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
        actor=request.user,
        receipt=_seen(request),
    )
    if not done:
        return _not_waiting(request, reading)
    messages.success(request, _("Lettura respinta: il cliente riceve un'e-mail con il motivo."))
    return redirect("readings:staff_queue")


@staff_required(PERMISSION)
def staff_photo(request, uid):
    reading = selectors.staff_reading(uid)
    if not reading.photo:
        raise Http404
    audit.record(actor=request.user, action="readings.view_photo", obj=reading)
    return _serve_photo(reading)
