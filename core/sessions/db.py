"""Django's database session store, writing each state of a session once per request.

Every request of a signed-in person saves its session (``SESSION_SAVE_EVERY_REQUEST``: the idle timeout
moves). A view that writes the session inside its own transaction (the report form, which remembers
the report just sent) saves it there, sharing that transaction's commit; the middleware's save on the
way out then finds the same data already written and writes nothing. A save inside a transaction that
is rolled back counts as not written.

Inside a caller's transaction an existing session is written by one UPDATE (its SQL built once),
without the savepoint Django's store opens around its write (two more round trips): that savepoint lets
the store turn a failed write into ``UpdateError`` and carry on, but an UPDATE that finds no row (the session ended
meanwhile) is not a database error, and a database error there ends the caller's transaction whatever
the store does (its writes could not be committed anyway).
"""

import copy
import functools

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import connections, router, transaction


@functools.cache
def _update_sql(model, using: str) -> str:
    """The UPDATE of one session's data and expiry, built once per process (the report form's POST runs it;
    the ORM's update() built it each time)."""
    quote = connections[using].ops.quote_name
    column = {
        name: quote(model._meta.get_field(name).column) for name in ("session_key", "session_data", "expire_date")
    }
    # Names from the model (quoted); every value is a parameter.
    return (
        f"UPDATE {quote(model._meta.db_table)} SET {column['session_data']} = %s,"  # noqa: S608
        f" {column['expire_date']} = %s WHERE {column['session_key']} = %s"
    )


class SessionStore(db.SessionStore):
    _written = None  # (session key, data) of the last committed save

    def save(self, must_create=False):
        data = self._get_session(no_load=must_create)
        if not must_create and self._written == (self.session_key, data):
            return
        using = router.db_for_write(self.model)
        if must_create or self.session_key is None or not transaction.get_connection(using).in_atomic_block:
            super().save(must_create=must_create)
        else:
            connection = connections[using]
            values = [
                self.encode(data),
                self.model._meta.get_field("expire_date").get_db_prep_value(self.get_expiry_date(), connection),
                self.session_key,
            ]
            with connection.cursor() as cursor:
                cursor.execute(_update_sql(self.model, using), values)
                if not cursor.rowcount:
                    raise UpdateError  # ended meanwhile (signed out in another tab): as Django's store says
        written = (self.session_key, copy.deepcopy(data))

        def committed():
            self._written = written

        transaction.on_commit(committed, using=using)

    def delete(self, session_key=None):
        self._written = None
        super().delete(session_key)
