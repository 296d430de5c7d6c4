"""The page benchmark's harness (casework/benchkit.py, `manage.py bench`): what it reports
must be what it measured."""

import pytest

from casework import benchkit

pytestmark = pytest.mark.django_db


class _Response:
    status_code = 200
    request = {"REQUEST_METHOD": "GET"}


class _Client:
    """Records the order in which the harness asks for the pages."""

    def __init__(self, visits):
        self.visits = visits

    def get(self, url):
        self.visits.append(url)
        return _Response()


def test_each_round_takes_every_page_once_in_a_new_order():
    visits = []
    client = _Client(visits)
    pages = [benchkit.Page(f"page {i}", "member", f"/{i}/") for i in range(6)]

    results = benchkit.measure({"member": client}, pages, rounds=20, warmup=0)

    rounds = [visits[i : i + 6] for i in range(0, len(visits), 6)]
    assert all(sorted(order) == sorted(page.url for page in pages) for order in rounds)
    # In a fixed order the same page would always follow the same (large) page.
    assert len({tuple(order) for order in rounds}) > 1
    assert len({order[0] for order in rounds}) > 1
    assert [len(result.times) for result in results] == [20] * 6


def _result(label, role, median_ms, *, floor=False):
    result = benchkit.Result(benchkit.Page(label, role, "/", floor=floor))
    result.times = [median_ms / 1000] * 3
    result.sql_times = [0.0] * 3
    result.counts = [(3, 0)] * 3
    return result


def test_a_page_is_also_reported_over_the_floor_of_its_own_role():
    rows = benchkit.rows(
        [
            _result("floor (member)", "member", 4.0, floor=True),
            _result("floor (advisor)", "advisor", 5.0, floor=True),
            _result("queue", "advisor", 11.0),
            _result("my cases", "member", 6.0),
            _result("export", "admin", 8.0),
        ]
    )
    by_page = {row["page"]: row for row in rows}

    assert by_page["queue"]["x_floor"] == pytest.approx(11 / 4)
    assert by_page["queue"]["x_own_floor"] == pytest.approx(11 / 5)
    assert by_page["my cases"]["x_own_floor"] == pytest.approx(6 / 4)
    # No floor of its own role: over the first one.
    assert by_page["export"]["x_own_floor"] == pytest.approx(8 / 4)
    assert "x own" in benchkit.table(rows)
