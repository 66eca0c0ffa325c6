""" "Scarica i miei dati": the page and its two files. Each download is a line of
"Attività recenti"."""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from ..exports import export_data, export_rows
from ..models import AccountEvent
from ..services.sessions import record_event


@login_required
def my_data(request):
    return render(request, "accounts/my_data.html")


@login_required
def my_data_json(request):
    response = JsonResponse(export_data(request.user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="i-miei-dati.json"'
    record_event(
        user=request.user, kind=AccountEvent.Kind.DATA_EXPORTED, request=request, detail="JSON"
    )
    return response


@login_required
def my_data_csv(request):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["sezione", "numero", "campo", "valore"])
    writer.writerows(export_rows(request.user))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="i-miei-dati.csv"'
    record_event(
        user=request.user, kind=AccountEvent.Kind.DATA_EXPORTED, request=request, detail="CSV"
    )
    return response
