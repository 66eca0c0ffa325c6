"""The billing-system feed: uploads and import jobs, for administrators only (an upload
rewrites every holder and contract)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core import audit
from core.access import staff_required
from feeds import services as feed_services
from feeds.models import ImportJob

from ..forms import FeedUploadForm


@staff_required("feeds.view_importjob")
def feeds(request):
    may_upload = request.user.has_perm("feeds.add_importjob")
    if request.method == "POST" and not may_upload:
        raise Http404
    form = FeedUploadForm(request.POST or None, request.FILES or None) if may_upload else None
    if request.method == "POST" and form.is_valid():
        try:
            job = feed_services.queue_upload(
                zip_file=form.cleaned_data["archive"], user=request.user
            )
        except ValidationError as error:
            form.add_error("archive", error)
        else:
            audit.record(actor=request.user, action="feeds.upload", obj=job)
            messages.success(request, _("Flusso caricato: l'importazione è in coda."))
            return redirect("backoffice:feed", uid=job.uid)
    jobs = list(ImportJob.objects.select_related("created_by")[:50])
    for job in jobs:
        job.progress = progress_of(job)
    return render(request, "backoffice/feeds.html", {"form": form, "jobs": jobs})


ACTIVE_STATES = (ImportJob.State.PENDING, ImportJob.State.RUNNING)


def progress_of(job):
    """Rows read so far and rows in the files, for the bar: {"done", "total", "active"}.
    `total` is None until the importer has counted the files' lines (then the bar is
    indeterminate)."""
    # getattr: ImportJob.rows_total / rows_done arrive with the feeds change of issue 8;
    # before them, the rows read are the sum of the job's counts (updated after each batch).
    total = getattr(job, "rows_total", None)
    done = getattr(job, "rows_done", None)
    if done is None:
        done = sum(sum(counts.values()) for counts in (job.counts or {}).values())
    if total is not None:
        done = min(done, total)
    return {"done": done, "total": total, "active": job.state in ACTIVE_STATES}


@staff_required("feeds.view_importjob")
def feed(request, uid):
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), uid=uid)
    # In the order the importer read them: files in the feed's order, lines ascending (the
    # rows are stored as found, so their ids follow that order; the model's default order,
    # by file name, would put contracts.csv before customers.csv).
    rows = Paginator(job.rows.order_by("id"), 100).get_page(request.GET.get("pagina"))
    return render(
        request,
        "backoffice/feed.html",
        {"job": job, "rows": rows, "progress": progress_of(job)},
    )


@never_cache
@staff_required("feeds.view_importjob")
def feed_status(request, uid):
    """The job page's poll (static/js/feed-job.js): the state and the rows read, small and
    uncached; the page reloads itself when the state changes."""
    job = get_object_or_404(ImportJob, uid=uid)
    progress = progress_of(job)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "rows_done": progress["done"],
            "rows_total": progress["total"],
            "active": progress["active"],
        }
    )
