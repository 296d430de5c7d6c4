"""Pages of a list whose total rides along with the rows."""

from django.core.paginator import Page, Paginator
from django.db.models import Func, IntegerField, Subquery


def _total(queryset):
    # COUNT as a plain function, not the Count aggregate: Django groups a values() query by
    # its aggregate-free columns, and here there are none, so this is one row, the count,
    # built with two clones of the query instead of five.
    return Subquery(
        queryset.order_by().values(_n=Func("pk", function="COUNT")),
        output_field=IntegerField(),
    )


def rows_with_total(queryset, start, stop):
    """Rows `start` to `stop` of `queryset` (ordered), each with `_total`: how many rows it
    has in all. The page's ids are picked first, by a subquery that needs only what the
    filter and the order read (an index-only scan where an index carries them), and only
    those rows are read whole: not every matching row sorted to keep a page of them."""
    page = queryset.values("pk")[start:stop]
    return queryset.filter(pk__in=page).annotate(_total=_total(queryset))


def counted_page(queryset, number, per_page, *, fetch=None):
    """Page `number` of `queryset`, as Paginator.get_page() gives it, with the total counted
    in the same statement by a scalar subquery (PostgreSQL runs it once): one round trip
    instead of Paginator's COUNT and then the rows. A page past the end, or a number below
    one, goes Paginator's own way (it shows the last page).

    `fetch(start, stop)`, if given, reads what `rows_with_total(queryset, start, stop)` gives
    another way (from SQL compiled once: casework.selectors.queue_page); `queryset` may be a
    function that builds it, called only for Paginator's way."""
    try:
        number = 1 if number is None else int(number)
    except (TypeError, ValueError):
        number = 1
    if number >= 1:
        start = (number - 1) * per_page
        if fetch is not None:
            rows = fetch(start, start + per_page)
        else:
            rows = list(rows_with_total(queryset, start, start + per_page))
        if rows or number == 1:
            paginator = Paginator((), per_page)
            # `count` is a cached_property: set here, the paginator never queries it.
            paginator.count = rows[0]._total if rows else 0
            return Page(rows, number, paginator)
    if callable(queryset):
        queryset = queryset()
    return Paginator(queryset, per_page).get_page(number)
