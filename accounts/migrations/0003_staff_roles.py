"""The three staff roles as groups with their permissions (DESIGN.md: roles are groups).

A frozen copy of accounts.staff.ROLES as it was when this migration was written: later
domains add their permissions to these groups with migrations of their own.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Operatore servizio clienti": [
        "accounts.access_backoffice",
        "accounts.view_user",
        "accounts.manage_customers",
        "customers.view_holder",
        "customers.view_contract",
        "customers.delete_contractlink",
        "core.view_outboxmessage",
    ],
    "Operatore pratiche": [
        "accounts.access_backoffice",
    ],
    "Amministratore": [
        "accounts.access_backoffice",
        "accounts.view_user",
        "accounts.manage_customers",
        "accounts.manage_staff",
        "customers.view_holder",
        "customers.view_contract",
        "customers.delete_contractlink",
        "core.view_outboxmessage",
        "core.view_auditevent",
        "feeds.add_importjob",
        "feeds.view_importjob",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate): make them now.
    for label in ("accounts", "customers", "core", "feeds"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_staff_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_audit_append_only"),
        ("customers", "0001_initial"),
        ("feeds", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
