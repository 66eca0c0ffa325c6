"""The billing-system feed: uploads and import jobs, for administrators only (an upload
rewrites every holder and contract)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

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
    jobs = ImportJob.objects.select_related("created_by")[:50]
    return render(request, "backoffice/feeds.html", {"form": form, "jobs": jobs})


@staff_required("feeds.view_importjob")
def feed(request, uid):
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), uid=uid)
    rows = Paginator(job.rows.all(), 100).get_page(request.GET.get("pagina"))
    return render(request, "backoffice/feed.html", {"job": job, "rows": rows})
