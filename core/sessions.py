"""The database session store, saving an existing session with one UPDATE statement.

Django's store wraps each save in a transaction (BEGIN, UPDATE, COMMIT) so that a failed
INSERT of a new session can be undone inside an outer transaction; an UPDATE of one row is
atomic on its own. Active sessions are rewritten once a minute
(core.middleware.SessionActivityMiddleware), so this is most session writes.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError


class SessionStore(db.SessionStore):
    def save(self, must_create=False):
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        data = self._get_session()
        updated = self.model.objects.filter(session_key=self.session_key).update(
            session_data=self.encode(data), expire_date=self.get_expiry_date()
        )
        if not updated:
            # Deleted meanwhile (logged out elsewhere): as Django's store, refuse to revive it.
            raise UpdateError
