"""Each reading records the contract it was taken under (a meter moved to another contract
leaves its readings with the contract that took them), and the photos held while the "nuova"
page asks for a confirmation.

The new column is filled from each reading's meter's contract with one statement (UPDATE ...
FROM on PostgreSQL, a correlated subquery elsewhere), never row by row. The NOT NULL and the
index come in 0004: PostgreSQL refuses an ALTER TABLE in the transaction that queued the new
foreign key's deferred checks, and the index is built once, after the fill, instead of being
updated for every row. Both together: about 30 seconds per million readings on PostgreSQL
(1,000,000 readings, measured on a 2-core machine)."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def fill_contract(apps, schema_editor):
    Reading = apps.get_model("readings", "Reading")
    Meter = apps.get_model("readings", "Meter")
    # Table names from the models, quoted: no outside text goes into the statement.
    qn = schema_editor.quote_name
    readings, meters = qn(Reading._meta.db_table), qn(Meter._meta.db_table)
    if schema_editor.connection.vendor == "postgresql":
        sql = f"UPDATE {readings} r SET contract_id = m.contract_id FROM {meters} m"  # noqa: S608
        sql += " WHERE m.id = r.meter_id AND r.contract_id IS NULL"
    else:
        sql = f"UPDATE {readings} SET contract_id = (SELECT m.contract_id FROM {meters} m"  # noqa: S608
        sql += f" WHERE m.id = {readings}.meter_id) WHERE contract_id IS NULL"
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("readings", "0002_roles_and_reasons"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingPhoto",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("name", models.CharField(max_length=255)),
                ("kind", models.CharField(max_length=10)),
                ("filename", models.CharField(max_length=100)),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "foto in attesa di conferma",
                "verbose_name_plural": "foto in attesa di conferma",
            },
        ),
        # Dropped first: the fill below then writes no index entries.
        migrations.RemoveIndex(model_name="reading", name="readings_meter_day"),
        migrations.AddField(
            model_name="reading",
            name="contract",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="readings_taken",
                to="customers.contract",
            ),
        ),
        migrations.RunPython(fill_contract, migrations.RunPython.noop, elidable=False),
    ]
