from django.db import migrations

from accounts.migration_tools import grant_role_permissions, revoke_role_permissions

# A frozen copy of readings.apps.ROLE_PERMISSIONS as it was when this migration was written.
ROLES = {
    "Operatore servizio clienti": ["readings.view_reading", "readings.validate_reading"],
    "Amministratore": [
        "readings.view_reading",
        "readings.validate_reading",
        "readings.view_rejectionreason",
        "readings.add_rejectionreason",
        "readings.change_rejectionreason",
    ],
}

REASONS = [
    "La lettura non è coerente con i consumi abituali: controlla il contatore e inviala di nuovo.",
    "La matricola del contatore nella foto non corrisponde a quella del contratto.",
    "La foto non è leggibile: inviane una più nitida, con tutte le cifre nere visibili.",
    "La lettura è inferiore a una lettura già rilevata dal nostro operatore.",
    "Il contatore è stato sostituito: invia la lettura del nuovo contatore.",
]


def add_reasons(apps, schema_editor):
    RejectionReason = apps.get_model("readings", "RejectionReason")
    for position, text in enumerate(REASONS, start=1):
        RejectionReason.objects.get_or_create(text=text, defaults={"position": position * 10})


def remove_reasons(apps, schema_editor):
    apps.get_model("readings", "RejectionReason").objects.filter(text__in=REASONS).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_staff_roles"), ("readings", "0001_initial")]

    operations = [
        migrations.RunPython(
            lambda apps, se: grant_role_permissions(apps, ROLES),
            lambda apps, se: revoke_role_permissions(apps, ROLES),
        ),
        migrations.RunPython(add_reasons, remove_reasons),
    ]
