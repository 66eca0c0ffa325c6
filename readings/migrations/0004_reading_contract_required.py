import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("readings", "0003_reading_contract"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reading",
            name="contract",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="readings_taken",
                to="customers.contract",
            ),
        ),
        migrations.AddIndex(
            model_name="reading",
            index=models.Index(
                fields=["contract", "meter", "read_on"], name="readings_contract_day"
            ),
        ),
    ]
