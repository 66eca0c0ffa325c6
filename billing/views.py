import functools
import logging
from html import escape as html_escape

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.shapes import render_shaped
from core.uploads import serve

from . import conf, pagopa, selectors
from .models import bill_ref
from .money import BillStatus, cents, euro

log = logging.getLogger(__name__)

PLACEHOLDER = "-"  # a bill number, encoded by the URL converter

# One row of "Bollette online", built in Python: the template engine's per-cell formatting
# was most of a list page's time. Every value is escaped; the markup
# matches the header in billing/includes/bill_table.html.
_ROW = (
    '<tr><th scope="row"><a href="{detail}">{number}</a></th>'
    '<td data-label="{l_due}">{amount}</td>'
    '<td data-label="{l_paid}">{paid}</td>'
    '<td data-label="{l_date}">{due_on}</td>'
    '<td data-label="{l_status}"><span class="sp-status sp-bill-{status}">{status_text}</span></td>'
    '<td data-label="{l_download}">{download}</td>'
    '<td data-label="{l_payment}">{pay}</td></tr>'
)
_DOWNLOAD = '<a href="{url}">{pdf}<span class="visually-hidden"> {document} {number}</span></a>'
_PAY = (
    '<a class="btn btn-sm btn-primary sp-pay" href="{url}">{pay}'
    '<span class="visually-hidden"> {document} {number}</span></a>'
)


def _route(name):
    """The route of `name` around a bill's code, as (head, tail); None when it does not
    resolve (payments not installed: no "pagamento")."""
    try:
        head, tail = reverse(name, args=[PLACEHOLDER]).split(bill_ref(PLACEHOLDER))
    except NoReverseMatch:
        return None
    return head, tail


@functools.cache
def _words(language):
    """Labels of a row, translated and escaped, once per language and process (str() first:
    escape() of a lazy translation is lazy, translated again at every use)."""
    return {
        "status": {key: escape(str(label)) for key, label in BillStatus.choices},
        "words": {
            "l_due": escape(_("IMPORTO TOTALE DOVUTO")),
            "l_paid": escape(_("IMPORTO TOTALE PAGATO")),
            "l_date": escape(_("SCADENZA")),
            "l_status": escape(_("Stato")),
            "l_download": escape(_("DOWNLOAD")),
            "l_payment": escape(_("PAGAMENTO")),
        },
        "pdf": escape(_("PDF")),
        "pay": escape(_("pagamento")),
        "document": escape(_("documento")),
    }


def rows_html(rows):
    """The rows of a bill table as one escaped HTML string."""
    labels = _words(get_language())
    status_labels, words = labels["status"], labels["words"]
    detail_head, detail_tail = _route("billing:bill")
    pdf_head, pdf_tail = _route("billing:pdf")
    pay_route = _route("payments:pay")
    out = []
    for row in rows:
        number = html_escape(row.number)
        uid = bill_ref(row.number)
        download = "-"
        if row.has_pdf:
            download = _DOWNLOAD.format(
                url=f"{pdf_head}{uid}{pdf_tail}",
                pdf=labels["pdf"],
                document=labels["document"],
                number=number,
            )
        pay = "-"
        if pay_route and row.payable:
            pay = _PAY.format(
                url=f"{pay_route[0]}{uid}{pay_route[1]}",
                pay=labels["pay"],
                document=labels["document"],
                number=number,
            )
        out.append(
            _ROW.format(
                detail=f"{detail_head}{uid}{detail_tail}",
                number=number,
                amount=euro(row.amount),
                paid=euro(row.paid) if row.paid else "-",
                due_on=row.due_on.strftime("%d/%m/%Y"),
                status=row.status,
                status_text=status_labels[row.status],
                download=download,
                pay=pay,
                **words,
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def lazy_rows(rows):
    """rows_html(rows), drawn only if the template shows it."""
    return SimpleLazyObject(lambda: rows_html(rows))


@functools.lru_cache(maxsize=256)
def _filter_html(language, years, year, status):
    """The filter's two selects, for valid values: a pure function kept per process."""

    def options(choices, selected):
        return "".join(
            f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
            f"{escape(label)}</option>"
            for value, label in choices
        )

    all_label = _("Tutti")
    year_choices = [("", all_label)] + [(str(y), str(y)) for y in years]
    status_choices = [("", all_label), *BillStatus.choices]
    return (
        '<div class="col-sm-4 sp-field"><label class="form-label" for="id_anno">'
        f"{escape(_('Anno'))}</label>"
        f'<select class="form-select" name="anno" id="id_anno">{options(year_choices, year)}'
        "</select></div>"
        '<div class="col-sm-5 sp-field"><label class="form-label" for="id_stato">'
        f"{escape(_('Stato'))}</label>"
        f'<select class="form-select" name="stato" id="id_stato">'
        f"{options(status_choices, status)}</select></div>"
    )


def _filters(request):
    years = selectors.history_years()
    year = request.GET.get("anno", "")
    year = year if year in {str(y) for y in years} else ""
    status = request.GET.get("stato", "")
    status = status if status in BillStatus.values else ""
    return years, year, status


@login_required
def bill_list(request, uid):
    """ "vedi tutto": the bills of the last two years of one linked contract."""
    years, year, status = _filters(request)
    data = selectors.bill_list_for_user(
        request.user, uid, year=int(year) if year else None, status=status or None
    )
    # The page is the same for everyone who sees these rows with these filters (the link's
    # own uid is in its links): its shape is kept (core.shapes), and the rows are drawn only
    # when it is made.
    key = (uid, year, status, data.service_code, data.direct_debit, tuple(data.rows))
    context = {
        "link_uid": uid,
        "data": data,
        "rows_html": lazy_rows(data.rows),
        "filter_html": mark_safe(_filter_html(get_language(), tuple(years), year, status)),  # noqa: S308
        "filtered": bool(year or status),
    }
    return render_shaped(request, "billing/list.html", context, key)


def pagopa_context(bill, row):
    """The pagoPA block of a bill: its notice, the creditor and the QR code, while nothing
    has been paid (a notice is for its whole amount)."""
    if not bill.pagopa_notice or row.paid > 0 or bill.amount <= 0 or row.direct_debit:
        return None
    creditor = conf.creditor_fiscal_code()
    try:
        payload = pagopa.qr_payload(
            notice=bill.pagopa_notice,
            creditor_fiscal_code=creditor,
            amount_cents=cents(bill.amount),
        )
    except ValueError:  # the feed checks notices; a bad creditor code is a setting's fault
        log.error("pagoPA block not shown: check PAGOPA_CREDITOR_FISCAL_CODE (bill id %s)", bill.pk)
        return None
    return {
        "notice": pagopa.format_notice(bill.pagopa_notice),
        "creditor": creditor,
        "creditor_name": settings.UTILITY["name"],
        "amount": euro(bill.amount),
        "qr_svg": mark_safe(pagopa.qr_svg(payload)),  # noqa: S308 - made by segno from digits
    }


@login_required
def bill_detail(request, number):
    """One bill: its amounts, PDF, "pagamento" and, when the feed gave one, its pagoPA
    notice with the QR code."""
    bill = selectors.get_bill_for_user(request.user, number)
    day = selectors.today()
    row = selectors._row(
        (
            bill.number, bill.issued_on, bill.due_on, bill.amount, bill.portal_paid,
            bill.pdf, bill.pagopa_notice, bill.feed_paid,
        ),
        bill.contract.direct_debit,
        day,
    )  # fmt: skip
    link = selectors.link_for_bill(request.user, bill)
    return render(
        request,
        "billing/bill.html",
        {
            "bill": bill,
            "row": row,
            "link": link,
            "status_text": BillStatus(row.status).label,
            "amount": euro(row.amount),
            "paid": euro(row.paid) if row.paid else "-",
            "outstanding": euro(row.outstanding),
            "pagopa": pagopa_context(bill, row),
            "can_pay": row.payable and _route("payments:pay") is not None,
        },
    )


def pdf_filename(number):
    """A name the server makes: "bolletta-2025-000123.pdf"."""
    safe = "".join(c if c.isalnum() else "-" for c in number).strip("-") or "documento"
    return f"bolletta-{safe}.pdf"


@login_required
def bill_pdf(request, number):
    """The bill's PDF, to users linked to its contract only (404 otherwise)."""
    bill = selectors.get_bill_for_user(request.user, number)
    if not bill.pdf:
        raise Http404
    try:
        return serve(bill.pdf, filename=pdf_filename(bill.number), content_type="application/pdf")
    except FileNotFoundError:
        log.error("bill pdf missing from the private storage (bill id %s)", bill.pk)
        raise Http404 from None


def contract_section(request, link):
    """ "Bollette online" on the contract's page: the latest bill as the guide shows it and
    what is still due."""
    rows = selectors.recent_bills(link.contract)
    payable = [r for r in rows if r.payable]
    return {
        "link": link,
        "latest": rows[0] if rows else None,
        "latest_html": rows_html(rows[:1]),
        "count": len(rows),
        "payable_count": len(payable),
        "payable_total": euro(sum((r.outstanding for r in payable), selectors.ZERO)),
        "direct_debit": link.contract.direct_debit,
    }
