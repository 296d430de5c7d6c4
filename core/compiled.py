"""SQL compiled once per process for a query whose shape never changes, only an id or two.

Building and compiling a queryset costs the ORM a few tenths of a millisecond of Python
each time, often more than PostgreSQL needs to run the statement (issue 14). For a query
that every page of a kind sends with nothing but an id changing (the signed-in person's
roles, the advisors' drop-down), `compiled_sql` compiles it once per process and day for
stand-in ids and swaps the real ones in. Keyed by the day, so a query that reads today's
date is compiled again after midnight, and forgotten when a setting changes (the tests).
"""

from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver
from django.utils import timezone

# Ids no row ever has (primary keys count up from 1): as many as a query may take.
STAND_INS = tuple(range(-7_000_001, -7_000_101, -1))

_compiled = {}


@receiver(setting_changed)
def _forget_compiled_sql(**kwargs):
    # A query may read a setting (the members' grace period); tests change settings.
    _compiled.clear()


def compiled_sql(name, build, *ids):
    """(sql, params) of the queryset `build(*ids)`, compiled once: `build` is called with a
    stand-in for each id, and every parameter equal to a stand-in is replaced by its id.
    `name` identifies the query (one entry per name)."""
    stand_ins = STAND_INS[: len(ids)]
    key = (timezone.localdate(), connection.vendor)
    entry = _compiled.get(name)
    if entry is None or entry[0] != key:
        sql, params = build(*stand_ins).query.sql_with_params()
        missing = set(stand_ins) - {param for param in params if type(param) is int}
        if missing:
            raise ValueError(f"{name}: the query does not use the stand-in ids {missing}")
        entry = _compiled[name] = (key, sql, tuple(params))
    _, sql, params = entry
    swap = dict(zip(stand_ins, ids, strict=True))
    return sql, [swap.get(param, param) if type(param) is int else param for param in params]


def fetch_rows(name, build, *ids):
    """The rows of `build(*ids)` (see compiled_sql), as tuples."""
    sql, params = compiled_sql(name, build, *ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
