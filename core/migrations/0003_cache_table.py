"""The database cache's table (core.cache), created wherever `migrate` runs.

By name rather than from settings.CACHES: a database migrated while REDIS_URL was set must
still work when it is unset later. createcachetable skips a table that exists.
"""

from django.core.management import call_command
from django.db import migrations

TABLE = "sportello_cache"  # core.cache.TABLE, frozen here as migrations must be


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
