from django.db import migrations

from accounts.migration_tools import grant_role_permissions, revoke_role_permissions

# A frozen copy of what payments/apps.py registers (core.registry register_role_permissions).
ROLES = {
    "Operatore servizio clienti": ["payments.view_payment"],
    "Amministratore": ["payments.view_payment", "payments.refund_payment"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, ROLES)


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_staff_roles"), ("payments", "0001_initial")]
    operations = [migrations.RunPython(grant, revoke)]
