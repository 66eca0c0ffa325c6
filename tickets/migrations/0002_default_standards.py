"""The response standards ARERA sets (RQSII for water, TQRIF for waste) and the utility's
own for the rest, as defaults the admin can edit."""

from decimal import Decimal

from django.db import migrations

RQSII = "RQSII (ARERA 655/2015/R/idr)"
TQRIF = "TQRIF (ARERA 15/2022/R/rif)"
OWN = "Standard del gestore"

# (area, kind, rule, working days, indemnity base)
DEFAULTS = [
    ("water", "complaint", f"{RQSII}: risposta motivata a reclami scritti", 30, "30.00"),
    ("water", "information", f"{RQSII}: risposta a richieste scritte di informazioni", 30, "0"),
    (
        "water",
        "billing_correction",
        f"{RQSII}: risposta a richieste di rettifica di fatturazione",
        60,
        "0",
    ),
    ("water", "report", f"{OWN}: segnalazioni", 30, "0"),
    ("water", "praise", f"{OWN}: note di merito", 30, "0"),
    ("waste", "complaint", f"{TQRIF}: risposta motivata a reclami scritti", 30, "0"),
    ("waste", "information", f"{TQRIF}: risposta a richieste scritte di informazioni", 30, "0"),
    (
        "waste",
        "billing_correction",
        f"{TQRIF}: risposta a richieste di rettifica degli importi addebitati",
        60,
        "0",
    ),
    ("waste", "report", f"{OWN}: segnalazioni", 30, "0"),
    ("waste", "praise", f"{OWN}: note di merito", 30, "0"),
    ("energy", "complaint", f"{OWN}: reclami", 30, "0"),
    ("energy", "information", f"{OWN}: richieste di informazioni", 30, "0"),
    ("energy", "billing_correction", f"{OWN}: rettifiche di fatturazione", 60, "0"),
    ("energy", "report", f"{OWN}: segnalazioni", 30, "0"),
    ("energy", "praise", f"{OWN}: note di merito", 30, "0"),
]


def create(apps, schema_editor):
    ResponseStandard = apps.get_model("tickets", "ResponseStandard")
    for area, kind, rule, days, base in DEFAULTS:
        ResponseStandard.objects.get_or_create(
            area=area,
            kind=kind,
            defaults={"rule": rule, "working_days": days, "indemnity_base": Decimal(base)},
        )


def remove(apps, schema_editor):
    ResponseStandard = apps.get_model("tickets", "ResponseStandard")
    for area, kind, *_rest in DEFAULTS:
        ResponseStandard.objects.filter(area=area, kind=kind).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
