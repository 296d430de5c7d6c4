"""SQL compiled once per process for a query whose shape never changes, only its ids.

Building and compiling a queryset costs the ORM a few tenths of a millisecond of Python
each time, often more than PostgreSQL needs to run the statement (issue 14). For a query
that every page of a kind sends with nothing but ids changing (the signed-in person's roles,
the advisors' drop-down, the queue's page), `compiled_sql` compiles it once per process and
day for stand-in ids and swaps the real ones in; `compiled_models` also turns the rows into
model instances as iterating the queryset would (with its select_related objects and
annotations).

What keeps this honest:
- `build` must depend on nothing but its arguments and the name's other parts: the name
  is the cache key, so everything that shapes the SQL (a role, a filter, a page) belongs in
  it. Keyed by the day as well, so a query with today's date in it is compiled again after
  midnight, and forgotten when a setting changes.
- Every stand-in must appear among the parameters (else the query ignores an id it was
  given: refused).
- With `COMPILED_SQL_CHECK` on (the whole test suite runs with it), every call also builds
  the queryset with the real ids and refuses to run if its SQL or parameters differ from
  the swapped ones: each access test doubles as a test of this cache.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models.query import ModelIterable, get_related_populators
from django.dispatch import receiver
from django.utils import timezone

# Ids no row ever has (primary keys count up from 1): as many as a query may take.
STAND_INS = tuple(range(-7_000_001, -7_000_101, -1))
# Shapes kept per process: a page number is part of a shape, so the number is bounded.
MAX_SHAPES = 512

_compiled = OrderedDict()
_lock = threading.Lock()  # a threaded server shares the cache between requests


@receiver(setting_changed)
def _forget_compiled_sql(**kwargs):
    # A query may read a setting (the members' grace period); tests change settings.
    _compiled.clear()


class CompiledSQLMismatch(AssertionError):
    """The SQL compiled for stand-ins, with the ids swapped in, is not what the ORM builds
    for those ids: `build` depends on something its name does not say."""


@dataclass(frozen=True)
class _Entry:
    day: object
    sql: str | None  # None: no row can match, nothing is sent
    params: tuple
    compiler: object  # for compiled_models: what the rows' columns are
    plain: bool  # model instances with nothing prefetched or attached afterwards


def _entry(name, build, count):
    key = (timezone.localdate(), connection.vendor)
    with _lock:
        entry = _compiled.get(name)
        if entry is not None and entry.day == key:
            _compiled.move_to_end(name)
            return entry
    entry = _compile(key, name, build, count)
    with _lock:
        _compiled[name] = entry
        while len(_compiled) > MAX_SHAPES:
            _compiled.popitem(last=False)
    return entry


def _compile(key, name, build, count):
    stand_ins = STAND_INS[:count]
    queryset = build(*stand_ins)
    plain = (
        queryset._iterable_class is ModelIterable
        and not queryset._prefetch_related_lookups
        and not queryset._known_related_objects
    )
    # Kept for compiled_models, which reads from it only what the columns are (and their
    # converters, which do not depend on the connection's state).
    compiler = queryset.query.get_compiler(using=DEFAULT_DB_ALIAS)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        # A filter no row can pass (an empty list of ids): Django sends nothing either.
        return _Entry(key, None, (), compiler, plain)
    missing = set(stand_ins) - {param for param in params if type(param) is int}
    if missing:
        raise ValueError(f"{name}: the query does not use the stand-in ids {missing}")
    return _Entry(key, sql, tuple(params), compiler, plain)


def _swapped(name, build, ids):
    entry = _entry(name, build, len(ids))
    swap = dict(zip(STAND_INS[: len(ids)], ids, strict=True))
    params = [swap.get(param, param) if type(param) is int else param for param in entry.params]
    if settings.COMPILED_SQL_CHECK:
        try:
            built = build(*ids).query.get_compiler(using=DEFAULT_DB_ALIAS).as_sql()
        except EmptyResultSet:
            built = None, ()
        if (built[0], list(built[1])) != (entry.sql, params):
            raise CompiledSQLMismatch(f"{name}:\n{entry.sql}\n{params}\n!=\n{built[0]}\n{built[1]}")
    return entry, params


def compiled_sql(name, build, *ids):
    """(sql, params) of the queryset `build(*ids)`, compiled once: `build` is called with a
    stand-in for each id, and every parameter equal to a stand-in is replaced by its id."""
    entry, params = _swapped(name, build, ids)
    return entry.sql, params


def fetch_rows(name, build, *ids):
    """The rows of `build(*ids)` (see compiled_sql), as tuples."""
    return _run(*compiled_sql(name, build, *ids))


def _run(sql, params):
    if sql is None:  # no row can match: nothing to send
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def compiled_models(name, build, *ids):
    """The model instances `list(build(*ids))` gives (see compiled_sql), with the objects of
    its select_related() and its annotations: rows turned into objects as Django's
    ModelIterable does. Not for a queryset with prefetch_related() or from a related
    manager (their extra steps are not repeated here)."""
    entry, params = _swapped(name, build, ids)
    if not entry.plain:
        raise ValueError(f"{name}: only a plain queryset of model instances can be compiled")
    rows = _run(entry.sql, params)
    if not rows:
        return []
    compiler = entry.compiler
    klass_info = compiler.klass_info
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in compiler.select[start:end]]
    related_populators = get_related_populators(klass_info, compiler.select, DEFAULT_DB_ALIAS)
    annotations = compiler.annotation_col_map or {}
    objects = []
    for row in compiler.results_iter([rows]):
        obj = model.from_db(DEFAULT_DB_ALIAS, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, obj)
        for attr, position in annotations.items():
            setattr(obj, attr, row[position])
        objects.append(obj)
    return objects
