"""The kinds of pratica with their clocks in working days (RQSII defaults: voltura,
subentro and attivazione 5, disattivazione 7; the rest the portal's own), and the
`pratiche.process_pratica` permission for the roles that process pratiche."""

from django.db import migrations

from accounts.migration_tools import grant_role_permissions, revoke_role_permissions

# Frozen copies: the models and the app config may change, this migration must not.
WORKING_DAYS = {
    "variazione_anagrafica": 30,
    "attivazione": 5,
    "subentro": 5,
    "voltura": 5,
    "cessazione": 7,
    "chiarimenti_bolletta": 60,
    "domiciliazione": 30,
    "revoca_domiciliazione": 5,
}
ROLES = {
    "Operatore pratiche": ["pratiche.process_pratica"],
    "Amministratore": ["pratiche.process_pratica"],
}


def create_types(apps, schema_editor):
    PraticaType = apps.get_model("pratiche", "PraticaType")
    for kind, days in WORKING_DAYS.items():
        PraticaType.objects.get_or_create(kind=kind, defaults={"working_days": days})


def remove_types(apps, schema_editor):
    apps.get_model("pratiche", "PraticaType").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_staff_roles"), ("pratiche", "0001_initial")]
    operations = [
        migrations.RunPython(create_types, remove_types),
        migrations.RunPython(
            lambda apps, se: grant_role_permissions(apps, ROLES),
            lambda apps, se: revoke_role_permissions(apps, ROLES),
        ),
    ]
