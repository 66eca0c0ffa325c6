"""Django's database sessions, read with one plain SQL statement.

Every page a signed-in person opens reads their session. Through the ORM that read costs
about 0.19 ms of query building on this machine, against 0.02 ms for the statement itself
(docs/performance.md): a tenth of a logged-in page. This store keeps Django's database
backend (the same table, the same writes, the same expiry rule: a row past its
`expire_date` is no session) and only replaces the read by the statement the ORM would
have built.

It also keeps, per process, what a session's signed data decoded to: the row is still read
on every request (so a session ended on one worker is ended on all), but the same bytes are
not checked and decoded again (17 µs a request here). Only sessions whose values are all
plain scalars are kept, so the copy each request gets is its own; a bad signature is never
kept.
"""

from django.contrib.sessions.backends import db
from django.core.signals import setting_changed
from django.db import connections, router
from django.dispatch import receiver
from django.utils import timezone

_SQL = {}  # the read statement, per database alias
_DECODED = {}  # session_data -> the dict it decodes to (scalars only)
MAX_DECODED = 4096  # about 2 MB per process
_SCALARS = (str, int, float, bool, type(None))


@receiver(setting_changed)
def _forget_decoded(*, setting, **kwargs):
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS", "SESSION_SERIALIZER"):
        _DECODED.clear()


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        if not key:  # a key Django's own checks refuse (too short, say) is no session
            self._session_key = None
            return None
        model = self.model
        using = router.db_for_read(model)
        connection = connections[using]
        sql = _SQL.get(using)
        if sql is None:
            quote = connection.ops.quote_name
            # Identifiers from the model, quoted; the values are parameters.
            sql = _SQL[using] = (
                "SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s".format(  # noqa: S608
                    data=quote("session_data"),
                    table=quote(model._meta.db_table),
                    key=quote("session_key"),
                    expiry=quote("expire_date"),
                )
            )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        # load() reads only .session_data: no model instance to build.
        return _Row(row[0])

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
