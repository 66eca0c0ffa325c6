"""The cache without REDIS_URL: Django's database cache with an atomic increment.

Every gunicorn worker, and every app server on the same database, sees the same rows, so
rate limits are exact on `make run` (a per-process cache multiplied them by the workers).
Django's own DatabaseCache.incr is get-then-set: two workers can both read 4 and both
write 5, losing a count, and its set() also moves the entry's expiry. This one locks the
row, keeps the expiry, and writes the new value in the same transaction.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now

# The table's name; the core migration 0003 creates it wherever `migrate` runs.
TABLE = "sportello_cache"


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        """Add `delta` to an existing, unexpired entry and return the new value; ValueError
        when there is none (the contract of BaseCache.incr, which django-ratelimit relies on).

        The row is locked before it is read: SELECT ... FOR UPDATE on PostgreSQL; on SQLite
        the project's transaction_mode IMMEDIATE takes the database's write lock at BEGIN.
        """
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        cache_key, value, expires = (quote_name(n) for n in ("cache_key", "value", "expires"))
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = tz_now().replace(microsecond=0, tzinfo=None)  # as has_key() compares
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value} FROM {table} WHERE {cache_key} = %s AND {expires} > %s{lock}",  # noqa: S608 (quoted names)
                [key, connection.ops.adapt_datetimefield_value(now)],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            stored = connection.ops.process_clob(row[0])
            new_value = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301 (our own rows)
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol))
            cursor.execute(
                f"UPDATE {table} SET {value} = %s WHERE {cache_key} = %s",  # noqa: S608
                [encoded.decode("latin1"), key],
            )
        return new_value

    def _cull(self, db, cursor, now, num):
        """Past MAX_ENTRIES Django deletes the expired rows and then a third of the live ones,
        the alphabetically first: live rate-limit counters (an attacker who fills the table
        from many addresses would reset the "Aggancio servizi" counter). Only expired rows
        go here; `manage.py housekeeping` deletes them daily too."""
        quote_name = connections[db].ops.quote_name
        cursor.execute(
            f"DELETE FROM {quote_name(self._table)} WHERE {quote_name('expires')} < %s",  # noqa: S608
            [connections[db].ops.adapt_datetimefield_value(now)],
        )

    def delete_expired(self):
        """Delete the expired rows (Django deletes them only when the table outgrows
        MAX_ENTRIES); `manage.py housekeeping` calls this daily. Returns how many."""
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        now = tz_now().replace(microsecond=0, tzinfo=None)
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {quote_name(self._table)} WHERE {quote_name('expires')} < %s",  # noqa: S608
                [connection.ops.adapt_datetimefield_value(now)],
            )
            return cursor.rowcount
