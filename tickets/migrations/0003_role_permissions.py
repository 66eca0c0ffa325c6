"""Give the staff roles the permissions of "Richieste e reclami" (a frozen copy of
tickets.apps.ROLE_PERMISSIONS)."""

from django.db import migrations

from accounts.migration_tools import grant_role_permissions, revoke_role_permissions

AREAS = ["tickets.handle_water", "tickets.handle_waste", "tickets.handle_energy"]
ROLES = {
    "Operatore servizio clienti": [*AREAS, "tickets.view_statistics"],
    "Amministratore": [
        *AREAS,
        "tickets.view_statistics",
        "tickets.view_ticket",
        "tickets.add_responsestandard",
        "tickets.change_responsestandard",
        "tickets.view_responsestandard",
        "tickets.add_standardanswer",
        "tickets.change_standardanswer",
        "tickets.delete_standardanswer",
        "tickets.view_standardanswer",
    ],
}


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_staff_roles"), ("tickets", "0002_default_standards")]
    operations = [
        migrations.RunPython(
            lambda apps, se: grant_role_permissions(apps, ROLES),
            lambda apps, se: revoke_role_permissions(apps, ROLES),
        )
    ]
