"""Writers: upsert full rows on the billing system's key, one batch at a time.

SQLite gets one `executemany` upsert per batch, PostgreSQL a binary `COPY` straight into the
table for the rows known to be new and, for the changed ones, `COPY` into a temporary table
and one `INSERT ... SELECT ... ON CONFLICT` per batch, any other database Django's
`bulk_create(update_conflicts=True)`: the baseline, 2.5 to 3 times slower on a whole load here
(docs/performance.md), which leaves the import's time target without a margin. The caller
opens the batch's transaction.
"""

import time

from django.db import IntegrityError, connection, transaction


class Writer:
    """Upserts full rows (values in `spec.fields` order) on the spec's key."""

    def __init__(self, spec):
        self.spec = spec
        meta = spec.model._meta
        self.table = meta.db_table
        self.model_fields = [meta.get_field(name) for name in spec.fields]
        self.columns = [f.column for f in self.model_fields]
        self.key_column = meta.get_field(spec.key).column
        qn = connection.ops.quote_name
        self.q_table = qn(self.table)
        self.q_columns = ", ".join(qn(c) for c in self.columns)
        self.q_key = qn(self.key_column)
        self.q_updates = ", ".join(
            f"{qn(c)} = EXCLUDED.{qn(c)}" for c in self.columns if c != self.key_column
        )

    def write(self, rows, created=0):
        """Write `rows`; the first `created` of them have keys that were not in the table
        when the file's import started (a writer may insert them without the upsert)."""
        raise NotImplementedError


class SQLiteWriter(Writer):
    """One prepared INSERT ... ON CONFLICT DO UPDATE run with executemany: plain tuples, no
    model instances."""

    def __init__(self, spec):
        super().__init__(spec)
        placeholders = ", ".join(["%s"] * len(self.columns))
        # Identifiers come from the models' _meta, quoted; values go as parameters.
        self.sql = (
            f"INSERT INTO {self.q_table} ({self.q_columns}) VALUES ({placeholders}) "  # noqa: S608
            f"ON CONFLICT ({self.q_key}) DO UPDATE SET {self.q_updates}"
        )
        # Dates and datetimes go in as Django stores them in SQLite (text); the rest as is.
        kinds = [f.get_internal_type() for f in self.model_fields]
        self.dates = [i for i, kind in enumerate(kinds) if kind == "DateField"]
        self.datetimes = [i for i, kind in enumerate(kinds) if kind == "DateTimeField"]

    def write(self, rows, created=0):
        ops = connection.ops
        adapted = {}  # the batch shares one updated_at: adapt each value once
        params = []
        for row in rows:
            row = list(row)
            for i in self.dates:
                if row[i] is not None:
                    row[i] = ops.adapt_datefield_value(row[i])
            for i in self.datetimes:
                value = row[i]
                if value not in adapted:
                    adapted[value] = ops.adapt_datetimefield_value(value)
                row[i] = adapted[value]
            params.append(row)
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, params)


class PostgreSQLWriter(Writer):
    """Binary COPY, per batch. The rows the importer knows to be new (the first `created`
    rows: their key was not in the table when the file's checksums were read) are copied
    straight into the table; the others go through a temporary table and one INSERT ...
    SELECT ... ON CONFLICT DO UPDATE. docs/performance.md has the figures: on 600,000 bills,
    the upsert path spent ~6 s in the database, the straight COPY ~3 s, and binary COPY with
    the column types set costs the client a third of text COPY's per-row formatting.

    Should a key appear between the read of the checksums and the batch (a customer's
    self-reading sent on the portal gets a feed key too), the straight COPY fails on the
    unique key inside a savepoint, and the same rows go through the upsert instead.

    Each batch's transaction commits with synchronous_commit off: the commit returns before
    its WAL is flushed to disk. A crash of the database server can then lose the last
    fraction of a second of committed batches, with the job's counts and progress written in
    the same transactions, so the job never claims rows the database lost; running the same
    feed again re-applies them (an upsert on the key). The job's final state is committed
    normally afterwards, and that flush covers every batch before it."""

    def __init__(self, spec):
        super().__init__(spec)
        qn = connection.ops.quote_name
        self.stage = qn(f"feed_stage_{self.table}")
        self.types = None  # the columns' type OIDs, read with the first batch
        # Identifiers come from the models' _meta, quoted; values go through COPY.
        self.create_sql = (
            f"CREATE TEMPORARY TABLE {self.stage} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {self.q_columns} FROM {self.q_table} WITH NO DATA"
        )
        self.copy_sql = f"COPY {{table}} ({self.q_columns}) FROM STDIN (FORMAT BINARY)"
        self.insert_sql = (
            f"INSERT INTO {self.q_table} ({self.q_columns}) "  # noqa: S608
            f"SELECT {self.q_columns} FROM {self.stage} "
            f"ON CONFLICT ({self.q_key}) DO UPDATE SET {self.q_updates}"
        )

    def write(self, rows, created=0):
        if not rows:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            if self.types is None:
                cursor.execute(f"SELECT {self.q_columns} FROM {self.q_table} LIMIT 0")  # noqa: S608
                self.types = [column.type_code for column in cursor.description]
            if created:
                try:
                    with transaction.atomic():
                        self._copy(cursor, self.q_table, rows[:created])
                except IntegrityError:
                    created = 0  # a key appeared meanwhile: every row through the upsert
            if created < len(rows):
                cursor.execute(self.create_sql)
                self._copy(cursor, self.stage, rows[created:])
                cursor.execute(self.insert_sql)
                # ON COMMIT DROP is not enough inside an outer transaction (tests, callers in
                # atomic blocks): the next batch must find no table of that name.
                cursor.execute(f"DROP TABLE {self.stage}")

    def _copy(self, cursor, table, rows):
        sql = self.copy_sql.format(table=table)
        started = time.monotonic()
        # COPY goes through psycopg's cursor: Django's error wrapper is applied by hand, so
        # that a unique violation is Django's IntegrityError.
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            copy.set_types(self.types)
            write_row = copy.write_row
            for row in rows:
                write_row(row)
        # COPY bypasses Django's cursor wrapper: log it like any other query, so that
        # CaptureQueriesContext and DEBUG see every statement that writes.
        if connection.queries_logged:
            connection.queries_log.append(
                {
                    "sql": f"{sql} -- {len(rows)} rows",
                    "time": f"{time.monotonic() - started:.3f}",
                }
            )


class ORMWriter(Writer):
    """Django's bulk_create with update_conflicts: any database with ON CONFLICT support.
    The fallback, and the baseline the faster writers are measured against."""

    def write(self, rows, created=0):
        model = self.spec.model
        names = [f.attname for f in self.model_fields]
        objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model.objects.bulk_create(
            objects,
            update_conflicts=True,
            unique_fields=[self.spec.key],
            update_fields=[f.name for f in self.model_fields if f.name != self.spec.key],
        )


def make_writer(spec, method="auto"):
    if method == "orm":
        return ORMWriter(spec)
    if method != "auto":
        raise ValueError(f"unknown writer {method!r}")
    if connection.vendor == "postgresql":
        return PostgreSQLWriter(spec)
    if connection.vendor == "sqlite":
        return SQLiteWriter(spec)
    return ORMWriter(spec)
