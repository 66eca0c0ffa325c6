"""Django's PostgreSQL backend with a health check that costs no round trip when nothing
happened.

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` on a reused connection before the first query
of every request, so that a connection PostgreSQL ended (a restart, pg_terminate_backend, an
idle timeout) is replaced instead of failing the request. On a signed-in page that was one
round trip in four, about 0.2 ms (docs/performance.md). PostgreSQL says why before it closes a
connection (a FATAL message, then the end of the stream), and an idle connection otherwise
receives nothing: so this backend first asks the socket, without waiting, whether anything
arrived. Only then, or when psycopg already saw the connection break, does it run Django's own
check (`SELECT 1`), and the connection is replaced if that fails. A connection lost without a
word (a network cut) fails its request as it would without health checks; Django closes it at
the end of that request.

DATABASE_URL `postgres://...` selects this backend (sportello/settings.py).
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if self.may_have_ended() and not self.is_usable():
            self.close()
        self.health_check_done = True

    def may_have_ended(self):
        """Whether the server may have ended this idle connection: psycopg saw it break, or
        something arrived on its socket that nobody asked for."""
        connection = self.connection
        if connection.closed or connection.broken:
            return True
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
            return bool(poller.poll(0))
        except (OSError, ValueError):
            return True
