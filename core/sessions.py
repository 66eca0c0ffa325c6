"""Django's database sessions, read with one plain SQL statement, together with the user.

Every page a signed-in person opens reads their session and then their user. Through the ORM
the session read costs about 0.19 ms of query building on this machine, against 0.02 ms for
the statement itself (docs/performance.md). This store keeps Django's database backend (the
same table, the same writes, the same expiry rule: a row past its `expire_date` is no session)
and only replaces the read:

- by the statement the ORM would have built, built once per database;
- once this process has seen which user a session key belongs to (a key never changes hands:
  login() gives a new key to a session that had no user or another one), by one statement that
  reads the session row and that user's row together. On PostgreSQL a round trip is about a
  tenth of a signed-in page. The user's row is handed to the authentication backend
  (`take_prefetched_user`) only if the session, once decoded, names that same user; it is for
  the request that read it (the next session read, or a new store, drops it), and it is used
  once;
- it keeps, per process, what a session's signed data decoded to: the row is still read on
  every request (so a session ended on one worker is ended on all), but the same bytes are not
  checked and decoded again (17 µs a request here). Only sessions whose values are all plain
  scalars are kept, so the copy each request gets is its own; a bad signature is never kept.

`user_statement()` and `user_from_row()` are the user read the ORM would make (the same
columns and conversions, Model.from_db), shared with accounts.backends.
"""

from contextvars import ContextVar

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.db import connections, router
from django.dispatch import receiver
from django.utils import timezone

_SQL = {}  # (database alias, with the user or not) -> the read statement
_DECODED = {}  # session_data -> the dict it decodes to (scalars only)
MAX_DECODED = 4096  # about 2 MB per process
_SCALARS = (str, int, float, bool, type(None))
_USER_OF = {}  # session key -> the primary key of its user, as decoded once
MAX_USERS_OF = 16384  # about 2 MB per process
# (user pk, database alias, the user's columns or None when no such user), for this request.
_prefetched = ContextVar("sportello_prefetched_user", default=None)
_USER_STATEMENTS = {}


@receiver(setting_changed)
def _forget_decoded(*, setting, **kwargs):
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS", "SESSION_SERIALIZER", "AUTH_USER_MODEL"):
        _DECODED.clear()
        _USER_OF.clear()
        _USER_STATEMENTS.clear()
        _SQL.clear()


def user_statement(using):
    """(quoted columns, table, pk column, attribute names, converters) of the user row."""
    if using not in _USER_STATEMENTS:
        model = get_user_model()
        connection = connections[using]
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        table = model._meta.db_table
        converters = []
        for field in fields:
            col = field.get_col(table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            converters.append((col, found))
        _USER_STATEMENTS[using] = (
            [quote(f.column) for f in fields],
            quote(table),
            quote(model._meta.pk.column),
            [f.attname for f in fields],
            converters,
        )
    return _USER_STATEMENTS[using]


def user_from_row(using, values):
    """The user instance of a row read with user_statement()'s columns."""
    _, _, _, names, converters = user_statement(using)
    connection = connections[using]
    values = list(values)
    for i, (col, functions) in enumerate(converters):
        for convert in functions:
            values[i] = convert(values[i], col, connection)
    return get_user_model().from_db(using, names, values)


def _pk_position(using):
    names = user_statement(using)[3]
    return names.index(get_user_model()._meta.pk.attname)


def take_prefetched_user(pk):
    """(True, user or None) when this request's session read also read user `pk` (None: no
    such user); (False, None) otherwise. Once: the next call reads the database again."""
    found = _prefetched.get()
    if found is None or found[0] != pk:
        return False, None
    _prefetched.set(None)
    _, using, values = found
    return True, None if values is None else user_from_row(using, values)


def _user_pk(value):
    try:
        return get_user_model()._meta.pk.to_python(value)
    except ValidationError:
        return None


class SessionStore(db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        _prefetched.set(None)  # a new request (or a store of another session): nothing held

    def _statement(self, connection, using, with_user):
        sql = _SQL.get((using, with_user))
        if sql is None:
            quote = connection.ops.quote_name
            # Identifiers from the models, quoted; the values are parameters.
            sessions = quote(self.model._meta.db_table)
            data, key, expiry = quote("session_data"), quote("session_key"), quote("expire_date")
            where = f"WHERE s.{key} = %s AND s.{expiry} > %s"
            if with_user:
                columns, table, pk, _, _ = user_statement(using)
                users = ", ".join(f"u.{column}" for column in columns)
                sql = (
                    f"SELECT s.{data}, {users} FROM {sessions} s "  # noqa: S608
                    f"LEFT JOIN {table} u ON u.{pk} = %s {where}"
                )
            else:
                sql = f"SELECT s.{data} FROM {sessions} s {where}"  # noqa: S608
            _SQL[(using, with_user)] = sql
        return sql

    def _get_session_from_db(self):
        _prefetched.set(None)
        key = self.session_key
        if not key:  # a key Django's own checks refuse (too short, say) is no session
            self._session_key = None
            return None
        using = router.db_for_read(self.model)
        connection = connections[using]
        user_pk = _USER_OF.get(key)
        with_user = user_pk is not None and router.db_for_read(get_user_model()) == using
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        params = [user_pk, key, now] if with_user else [key, now]
        with connection.cursor() as cursor:
            cursor.execute(self._statement(connection, using, with_user), params)
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        if with_user:
            # row: session_data, then the user's columns (all NULL: no such user).
            values = row[1:]
            if values[_pk_position(using)] is None:
                values = None
            _prefetched.set((user_pk, using, values))
        # load() reads only .session_data: no model instance to build.
        return _Row(row[0])

    def load(self):
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        key = self.session_key
        user_pk = _user_pk(data[SESSION_KEY]) if SESSION_KEY in data else None
        held = _prefetched.get()
        if held is not None and held[0] != user_pk:
            _prefetched.set(None)  # the session names another user (or none): not this row
        if user_pk is not None and _USER_OF.get(key) != user_pk:
            if len(_USER_OF) >= MAX_USERS_OF:
                _USER_OF.clear()
            _USER_OF[key] = user_pk
        return data

    def decode(self, session_data):
        decoded = _DECODED.get(session_data)
        if decoded is None:
            decoded = super().decode(session_data)
            if not decoded or not all(isinstance(v, _SCALARS) for v in decoded.values()):
                return decoded
            if len(_DECODED) >= MAX_DECODED:
                _DECODED.clear()
            _DECODED[session_data] = decoded
        return dict(decoded)


class _Row:
    __slots__ = ("session_data",)

    def __init__(self, session_data):
        self.session_data = session_data
