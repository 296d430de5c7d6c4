import pytest
from django.contrib.auth.models import Group
from django.core.paginator import Paginator

from core.paging import counted_page

PER_PAGE = 4


@pytest.fixture
def groups(db):
    Group.objects.bulk_create(Group(name=f"g{i:02d}") for i in range(10))
    # The roles' groups exist already (a data migration).
    return Group.objects.filter(name__startswith="g").order_by("name")


def _shown(page):
    return (page.number, page.paginator.count, page.paginator.num_pages, list(page.object_list))


@pytest.mark.parametrize("number", [None, "", "1", "2", "3", "4", "99", "0", "-1", "x", "2.0"])
def test_the_same_page_as_django_paginator(groups, number):
    expected = Paginator(groups, PER_PAGE).get_page(number)
    assert _shown(counted_page(groups, number, PER_PAGE)) == _shown(expected)


def test_rows_and_total_in_one_statement(groups, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = counted_page(groups, "2", PER_PAGE)
        assert page.paginator.count == 10
        assert page.paginator.num_pages == 3
        assert [g.name for g in page] == ["g04", "g05", "g06", "g07"]
        assert page.has_next() and page.has_previous()


def test_the_total_counts_the_filtered_list(groups):
    page = counted_page(groups.filter(name__gte="g07"), None, PER_PAGE)
    assert page.paginator.count == 3
    assert not page.has_other_pages()


def test_an_empty_list_is_one_empty_page(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = counted_page(Group.objects.filter(name="nobody").order_by("pk"), None, PER_PAGE)
        assert page.paginator.count == 0
        assert list(page) == []
        assert page.number == 1
