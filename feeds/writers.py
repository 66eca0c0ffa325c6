"""Writers: upsert full rows on the billing system's key, one batch at a time.

SQLite gets one `executemany` upsert per batch, PostgreSQL `COPY` into a temporary table and
one `INSERT ... SELECT ... ON CONFLICT` per batch, any other database Django's
`bulk_create(update_conflicts=True)`: the baseline, 2.5 to 3 times slower on a whole load here
(docs/performance.md), which leaves the import's time target without a margin. The caller
opens the batch's transaction.
"""

import time

from django.db import connection


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

    def write(self, rows):
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

    def write(self, rows):
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
    """COPY the batch into a temporary table, then one INSERT ... SELECT ... ON CONFLICT DO
    UPDATE. COPY itself runs at ~170,000 rows/s here; the INSERT, maintaining the tables'
    indexes, is the slower half."""

    def __init__(self, spec):
        super().__init__(spec)
        qn = connection.ops.quote_name
        self.stage = qn(f"feed_stage_{self.table}")
        # Identifiers come from the models' _meta, quoted; values go through COPY.
        self.create_sql = (
            f"CREATE TEMPORARY TABLE {self.stage} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {self.q_columns} FROM {self.q_table} WITH NO DATA"
        )
        self.copy_sql = f"COPY {self.stage} ({self.q_columns}) FROM STDIN"
        self.insert_sql = (
            f"INSERT INTO {self.q_table} ({self.q_columns}) "  # noqa: S608
            f"SELECT {self.q_columns} FROM {self.stage} "
            f"ON CONFLICT ({self.q_key}) DO UPDATE SET {self.q_updates}"
        )

    def write(self, rows):
        with connection.cursor() as cursor:
            cursor.execute(self.create_sql)
            started = time.monotonic()
            with cursor.cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            # COPY bypasses Django's cursor wrapper: log it like any other query, so that
            # CaptureQueriesContext and DEBUG see every statement that writes.
            if connection.queries_logged:
                connection.queries_log.append(
                    {
                        "sql": f"{self.copy_sql} -- {len(rows)} rows",
                        "time": f"{time.monotonic() - started:.3f}",
                    }
                )
            cursor.execute(self.insert_sql)
            # ON COMMIT DROP is not enough inside an outer transaction (tests, callers in
            # atomic blocks): the next batch must find no table of that name.
            cursor.execute(f"DROP TABLE {self.stage}")


class ORMWriter(Writer):
    """Django's bulk_create with update_conflicts: any database with ON CONFLICT support.
    The fallback, and the baseline the faster writers are measured against."""

    def write(self, rows):
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
