"""static/js/charts.js: a chart drawn above each data table, the table left in place."""

import copy
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TEST_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture
def chart_page(settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEST_TEMPLATES]
    settings.TEMPLATES = templates
    settings.ROOT_URLCONF = "tests.e2e.chart_urls"


def test_charts_are_drawn_from_the_tables_which_stay_visible(chart_page, page):
    page.goto("/chart-fixture/")
    page.wait_for_selector("canvas")
    assert page.locator("canvas").count() == 2
    for table in ("#union", "#trend"):
        assert page.locator(table).is_visible()
    # The chart sits above its table and is hidden from assistive technology.
    placed = page.evaluate(
        """() => [...document.querySelectorAll('table[data-chart]')].map((table) => {
            const anchor = table.closest('.table-responsive') || table;
            const figure = anchor.previousElementSibling;
            return [figure.getAttribute('aria-hidden'), !!figure.querySelector('canvas')];
        })"""
    )
    assert placed == [["true", True], ["true", True]]
    # The chart holds the table's numbers, the suppressed one as a gap, with the footnote.
    chart = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector('canvas'));
            return {labels: chart.data.labels, data: chart.data.datasets[0].data,
                    legend: chart.data.datasets.map((d) => d.label)};
        }"""
    )
    assert chart["labels"] == ["Øst", "Nord", "Vest"]
    assert chart["data"] == [42, None, 0]
    assert ": = skjult for å verne personvernet" in chart["legend"]
    assert page.csp_violations == []
