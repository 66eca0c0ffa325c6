"""For domain apps' migrations that give staff roles their permissions.

A domain app (say `readings`) registers the permissions it gives a role in its AppConfig
(core.registry register_role_permissions) and grants them on existing databases with a data
migration of its own:

    from accounts.migration_tools import grant_role_permissions, revoke_role_permissions

    ROLES = {"Operatore servizio clienti": ["readings.validate_reading"]}  # frozen copy

    class Migration(migrations.Migration):
        dependencies = [("accounts", "0003_staff_roles"), ("readings", "0001_initial")]
        operations = [
            migrations.RunPython(
                lambda apps, se: grant_role_permissions(apps, ROLES),
                lambda apps, se: revoke_role_permissions(apps, ROLES),
            )
        ]

This module imports no model, so old migrations keep working whatever the models become.
"""

from django.contrib.auth.management import create_permissions


def grant_role_permissions(apps, roles):
    """Give each role group (created if missing) its permissions; the permissions are created
    first, since Django normally makes them only after every migration has run."""
    labels = {perm.split(".")[0] for perms in roles.values() for perm in perms}
    for label in labels:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke_role_permissions(apps, roles):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in roles.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
