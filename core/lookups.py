"""A lookup the ORM lacks, for the statements that must match a partial index."""

import re

from django.db.models import Lookup

_PLAIN_WORD = re.compile(r"[a-z0-9_]+\Z")


class InConstants(Lookup):
    """`lhs IN ('a', 'b')` with the constants written into the statement, where Django's
    `__in` binds them as parameters.

    Why: with prepared statements (DATABASE_PREPARED) PostgreSQL keeps one plan for every
    execution of a statement only if that plan is as good as planning anew. A plan for
    unknown parameters cannot use a partial index (the queue's `case_active_assignee`,
    `status NOT IN ('resolved', 'closed')`): PostgreSQL proves the index's predicate only
    from constants it sees. So with the statuses bound, the queue's page was planned anew
    on every request (docs/performance.md).

    Only plain words (lowercase letters, digits, underscores) are accepted: what this writes
    into SQL is a constant of the code, never text a person typed."""

    lookup_name = "in_constants"
    prepare_rhs = False

    def get_prep_lookup(self):
        values = tuple(self.rhs)
        if not values or not all(isinstance(v, str) and _PLAIN_WORD.match(v) for v in values):
            raise ValueError(f"InConstants takes plain words only, not {values!r}")
        # A TextChoices member is a str: its value, not its repr, goes into the statement.
        return tuple(str.__str__(value) for value in values)

    def as_sql(self, compiler, connection):
        lhs_sql, params = self.process_lhs(compiler, connection)
        constants = ", ".join(f"'{value}'" for value in self.rhs)
        return f"{lhs_sql} IN ({constants})", params
