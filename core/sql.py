"""Plain statements for the few reads every signed-in page makes.

Building a query through the ORM costs 0.15–0.6 ms of Python on this machine; running it on
SQLite or PostgreSQL, 0.02–0.05 ms (docs/performance.md). On pages that every customer opens
(the home page's cards, the menu) that building is most of the page. `count()` makes the
statement the ORM would make for a count of rows matching some fields, once per shape and
process, from the model's metadata: the column names come from the model and are quoted,
the values are parameters.
"""

from django.db import connections, router

_STATEMENTS = {}


def _statement(model, using, equal, different):
    key = (model, using, equal, different)
    if key not in _STATEMENTS:
        connection = connections[using]
        quote = connection.ops.quote_name
        where = [f"{quote(model._meta.get_field(n).column)} = %s" for n in equal]
        where += [f"{quote(model._meta.get_field(n).column)} <> %s" for n in different]
        table = quote(model._meta.db_table)
        # Identifiers from the model, quoted; the values are parameters.
        sql = f"SELECT COUNT(*) FROM {table}"  # noqa: S608
        if where:
            sql += " WHERE " + " AND ".join(where)
        _STATEMENTS[key] = sql
    return _STATEMENTS[key]


def _prepared(model, name, value, connection):
    field = model._meta.get_field(name)
    if field.is_relation and hasattr(value, "pk"):
        value = value.pk
    return field.get_db_prep_value(value, connection)


def count(model, *, exclude=None, **filters):
    """How many rows of `model` have each field of `filters` equal to its value and each field
    of `exclude` (a dict) different from its value: model.objects.filter(**filters)
    .exclude(**exclude).count() for plain fields and foreign keys (a model instance or its
    primary key), without NULLs (a NULL never compares equal or different here)."""
    exclude = exclude or {}
    using = router.db_for_read(model)
    connection = connections[using]
    equal, different = tuple(filters), tuple(exclude)
    sql = _statement(model, using, equal, different)
    params = [_prepared(model, n, filters[n], connection) for n in equal]
    params += [_prepared(model, n, exclude[n], connection) for n in different]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]
