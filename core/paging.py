"""Pages of a list whose total rides along with the rows."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, Subquery, Value


def _total(queryset):
    # Grouped by a constant, which Django leaves out of GROUP BY: one row, the count.
    return Subquery(
        queryset.order_by()
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(_n=Count("pk"))
        .values("_n"),
        output_field=IntegerField(),
    )


def counted_page(queryset, number, per_page):
    """Page `number` of `queryset`, as Paginator.get_page() gives it, with the total counted
    in the same statement by a scalar subquery (PostgreSQL runs it once): one round trip
    instead of Paginator's COUNT and then the rows. A page past the end, or a number below
    one, goes Paginator's own way (it shows the last page)."""
    try:
        number = 1 if number is None else int(number)
    except (TypeError, ValueError):
        number = 1
    paginator = Paginator(queryset, per_page)
    if number >= 1:
        start = (number - 1) * per_page
        rows = list(queryset.annotate(_total=_total(queryset))[start : start + per_page])
        if rows or number == 1:
            # `count` is a cached_property: set here, the paginator never queries it.
            paginator.count = rows[0]._total if rows else 0
            return Page(rows, number, paginator)
    return paginator.get_page(number)
