"""axe-core on the pages of issue 11 part 2: the free-text reading page (admin) and a page
with chart tables, in both languages."""

import copy
from pathlib import Path

import pytest

from members import factories
from tests.e2e.journey import AXE
from tests.e2e.test_layout import browse_as
from tests.surveys.test_microdata import COMMENT_CANARY, build_results_edition

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TEST_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def violations(page):
    return [
        f"{v['impact']} {v['id']}: {v['help']} on "
        + ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"])
        for v in AXE.run(page).response["violations"]
    ]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_free_text_and_chart_pages_are_axe_clean(browser, live_server, settings, language):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEST_TEMPLATES]
    settings.TEMPLATES = templates
    settings.ROOT_URLCONF = "tests.e2e.chart_urls"
    build_results_edition()
    admin = factories.admin_user(email="axe.admin@example.org")
    factories.with_totp(admin)
    context = browse_as(browser, live_server, admin, language, 1280)
    page = context.new_page()
    try:
        page.goto("/surveys/manage/2022/free-text/")
        assert COMMENT_CANARY in page.content()
        assert violations(page) == []
        page.goto("/chart-fixture/")
        page.wait_for_selector("canvas")
        assert violations(page) == []
    finally:
        context.close()
