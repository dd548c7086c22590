"""Django's database session store, writing each state of a session once per request.

Every request of a signed-in person saves its session (``SESSION_SAVE_EVERY_REQUEST``: the idle timeout
moves). A view that writes the session inside its own transaction (the report form, which remembers
the report just sent) saves it there, sharing that transaction's commit; the middleware's save on the
way out then finds the same data already written and writes nothing. A save inside a transaction that
is rolled back counts as not written.

Inside a caller's transaction an existing session is written by one UPDATE, without the savepoint
Django's store opens around its write (two more round trips): that savepoint lets the store turn a
failed write into ``UpdateError`` and carry on, but an UPDATE that finds no row (the session ended
meanwhile) is not a database error, and a database error there ends the caller's transaction whatever
the store does (its writes could not be committed anyway).
"""

import copy

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import router, transaction


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
            rows = self.model.objects.using(using).filter(session_key=self.session_key)
            if not rows.update(session_data=self.encode(data), expire_date=self.get_expiry_date()):
                raise UpdateError  # ended meanwhile (signed out in another tab): as Django's store says
        written = (self.session_key, copy.deepcopy(data))

        def committed():
            self._written = written

        transaction.on_commit(committed, using=using)

    def delete(self, session_key=None):
        self._written = None
        super().delete(session_key)
