"""Django's database session store, writing each state of a session once per request.

Every request of a signed-in person saves its session (``SESSION_SAVE_EVERY_REQUEST``: the idle timeout
moves). A view that writes the session inside its own transaction (the report form, which remembers
the report just sent) saves it there, sharing that transaction's commit; the middleware's save on the
way out then finds the same data already written and writes nothing. A save inside a transaction that
is rolled back counts as not written.
"""

import copy

from django.contrib.sessions.backends import db
from django.db import router, transaction


class SessionStore(db.SessionStore):
    _written = None  # (session key, data) of the last committed save

    def save(self, must_create=False):
        data = self._get_session(no_load=must_create)
        if not must_create and self._written == (self.session_key, data):
            return
        super().save(must_create=must_create)
        written = (self.session_key, copy.deepcopy(data))

        def committed():
            self._written = written

        transaction.on_commit(committed, using=router.db_for_write(self.model))

    def delete(self, session_key=None):
        self._written = None
        super().delete(session_key)
