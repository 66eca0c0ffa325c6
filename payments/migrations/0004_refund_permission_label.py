from django.db import migrations

OLD = "Può segnare un pagamento come rimborsato"
NEW = "Può rimborsare un pagamento"


def rename(apps, old, new):
    # Django creates missing permissions after migrating but never renames existing ones.
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="payments", codename="refund_payment", name=old
    ).update(name=new)


def forwards(apps, schema_editor):
    rename(apps, OLD, NEW)


def backwards(apps, schema_editor):
    rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    """The refund permission says what it allows since "Rimborsa" goes through Nexi XPay."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("payments", "0003_refund_through_gateway"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="payment",
            options={
                "permissions": [("refund_payment", NEW)],
                "verbose_name": "pagamento",
                "verbose_name_plural": "pagamenti",
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
