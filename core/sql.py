"""Plain statements for the few reads every signed-in page makes, and the hottest lists.

Building a query through the ORM costs 0.15–0.6 ms of Python on this machine; running it on
SQLite or PostgreSQL, 0.02–0.05 ms (docs/performance.md). On pages that every customer opens
(the home page's cards, the menu) that building is most of the page. `count()` makes the
statement the ORM would make for a count of rows matching some fields, once per shape and
process, from the model's metadata: the column names come from the model and are quoted,
the values are parameters. `fetch()` runs a statement written by hand (a list page's one
query) and converts each column as the ORM would (dates and decimals from SQLite, UUIDs),
given the model field each column reads; `param()` prepares a value as the ORM would.
"""

from django.db import connections, router

_STATEMENTS = {}
_COLLECTIONS = (list, tuple, set, frozenset)  # a tuple: isinstance() of a union is slower


def _condition(quote, model, name, value, negate):
    column = quote(_field(model, name).column)
    if isinstance(value, _COLLECTIONS):
        marks = ", ".join(["%s"] * len(value))
        return f"{column} {'NOT IN' if negate else 'IN'} ({marks})"
    return f"{column} {'<>' if negate else '='} %s"


def _shape(values):
    """What the statement depends on: the field names, and the number of values of a list."""
    return tuple(
        (name, len(value) if isinstance(value, _COLLECTIONS) else None)
        for name, value in values.items()
    )


def _statement(model, using, filters, exclude):
    key = (model, using, _shape(filters), _shape(exclude))
    if key not in _STATEMENTS:
        connection = connections[using]
        quote = connection.ops.quote_name
        where = [_condition(quote, model, n, v, False) for n, v in filters.items()]
        where += [_condition(quote, model, n, v, True) for n, v in exclude.items()]
        table = quote(model._meta.db_table)
        # Identifiers from the model, quoted; the values are parameters.
        sql = f"SELECT COUNT(*) FROM {table}"  # noqa: S608
        if where:
            sql += " WHERE " + " AND ".join(where)
        _STATEMENTS[key] = sql
    return _STATEMENTS[key]


_FIELDS = {}


def _field(model, name):
    key = (model, name)
    found = _FIELDS.get(key)
    if found is None:
        found = _FIELDS[key] = model._meta.get_field(name)
    return found


def _prepared(model, name, value, connection):
    field = _field(model, name)
    if isinstance(value, _COLLECTIONS):
        items = sorted(value, key=str)
        return [p for item in items for p in _prepared(model, name, item, connection)]
    if field.is_relation and hasattr(value, "pk"):
        value = value.pk
    return [field.get_db_prep_value(value, connection)]


def count(model, *, exclude=None, **filters):
    """How many rows of `model` have each field of `filters` equal to its value (or, for a
    list, tuple or set, one of its values) and each field of `exclude` (a dict) different
    from its value (or from all of them): model.objects.filter(**filters)
    .exclude(**exclude).count() with `__in` for collections, for plain fields and foreign
    keys (a model instance or its primary key), without NULLs (a NULL never compares equal
    or different here) and without empty collections."""
    return counts([Count(model, filters, exclude or {})])[0]


class Count:
    """One count for `counts()`: `model`, its `filters` and `exclude` as `count()` takes them."""

    __slots__ = ("model", "filters", "exclude")

    def __init__(self, model, filters, exclude=None):
        self.model, self.filters, self.exclude = model, filters, exclude or {}


_BATCHES = {}


def counts(wanted):
    """The numbers of several `Count`s in one statement (one round trip to the database):
    SELECT (SELECT COUNT(*) ...), (SELECT COUNT(*) ...). All on one database."""
    if not wanted:
        return []
    using = router.db_for_read(wanted[0].model)
    connection = connections[using]
    statements = tuple(_statement(c.model, using, c.filters, c.exclude) for c in wanted)
    sql = _BATCHES.get(statements)
    if sql is None:
        if len(statements) == 1:
            sql = statements[0]
        else:
            sql = "SELECT " + ", ".join(f"({statement})" for statement in statements)
        _BATCHES[statements] = sql
    params = []
    for c in wanted:
        for values in (c.filters, c.exclude):
            for name, value in values.items():
                params += _prepared(c.model, name, value, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchone())


_CONVERTERS = {}


def _converters(connection, fields):
    key = (connection.alias, fields)
    if key not in _CONVERTERS:
        found = []
        for field in fields:
            col = field.get_col(field.model._meta.db_table)
            functions = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            found.append((col, tuple(functions)))
        _CONVERTERS[key] = tuple(found)
    return _CONVERTERS[key]


def fetch(model, sql, params, fields):
    """The rows of `sql` (on `model`'s database) as tuples, each column converted as the ORM
    converts `fields[i]` (a model field, e.g. Bill._meta.get_field("amount"); None: as the
    driver gives it)."""
    connection = connections[router.db_for_read(model)]
    converters = _converters(connection, tuple(f for f in fields if f is not None))
    positions = [i for i, f in enumerate(fields) if f is not None]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not any(functions for _col, functions in converters):
        return rows
    converted = []
    for row in rows:
        values = list(row)
        for i, (col, functions) in zip(positions, converters, strict=True):
            for convert in functions:
                values[i] = convert(values[i], col, connection)
        converted.append(tuple(values))
    return converted


def param(model, name, value):
    """`value` for a parameter compared with `model`'s field `name`, as the ORM prepares it
    (a UUID as 32 hex digits on SQLite, a date as text there, a model instance as its key)."""
    connection = connections[router.db_for_read(model)]
    return _prepared(model, name, value, connection)[0]
