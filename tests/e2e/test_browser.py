"""The portal in a real browser (Debian's Chromium driven by Playwright) against the live test
server: keyboard-only use, the skip link, the language switch, and no CSP violations. Screenshots
of the main entry pages in both languages go to var/screenshots/ for a person to look at."""

from pathlib import Path

import pytest
from django.conf import settings

from members import factories

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
# Enough Tab presses to cross the header from any starting point.
MAX_TABS = 30


def active_element(page, attribute):
    return page.evaluate(f"document.activeElement.getAttribute({attribute!r})")


def focus_ring(page):
    return page.evaluate(
        "(({outlineStyle, outlineWidth}) => ({outlineStyle, outlineWidth}))"
        "(getComputedStyle(document.activeElement))"
    )


def tab_until(page, predicate):
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(predicate):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# WCAG relative luminance contrast between each visible link's text and the first opaque
# background behind it, as the browser computed them.
LINK_CONTRASTS = """
() => {
  const rgb = (value) => value.match(/[\\d.]+/g).map(Number);
  const channel = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length === 3 || colour[3] === 1) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll("a")]
    .filter((a) => a.offsetParent !== null && !a.classList.contains("btn"))
    .map((a) => {
      const [l1, l2] = [luminance(rgb(getComputedStyle(a).color)), luminance(background(a))];
      return [a.textContent.trim(), (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05)];
    });
}
"""


@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_links_have_at_least_4_5_to_1_contrast(page, transactional_db, path):
    page.goto(path)
    contrasts = page.evaluate(LINK_CONTRASTS)
    assert contrasts, "no visible links measured"
    low = [(text, round(ratio, 2)) for text, ratio in contrasts if ratio < 4.5]
    assert low == []


def test_first_tab_focuses_a_visible_skip_link_that_moves_focus_to_main(page, transactional_db):
    page.goto("/")
    page.keyboard.press("Tab")
    assert active_element(page, "href") == "#main"
    box = page.locator("a.skip-link").bounding_box()
    assert box["width"] > 50 and box["height"] > 20, "the focused skip link is not visible"
    assert focus_ring(page) == {"outlineStyle": "solid", "outlineWidth": "3px"}
    screenshot(page, "skip-link-focused-nb")

    page.keyboard.press("Enter")
    assert active_element(page, "id") == "main"
    assert page.csp_violations == []


def test_keyboard_language_switch_turns_the_page_english(page, transactional_db):
    page.goto("/accounts/login/")
    assert page.get_attribute("html", "lang") == "nb"
    assert page.locator("h1").inner_text().strip() == "Logg inn"

    tab_until(page, "document.activeElement.getAttribute('lang') === 'en'")
    assert focus_ring(page) == {"outlineStyle": "solid", "outlineWidth": "3px"}
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text().strip() == "Sign In"
    # The switch returns to the page the person was on.
    assert page.url.endswith("/accounts/login/")
    assert page.csp_violations == []


def test_login_with_the_keyboard_only(page, live_server, transactional_db):
    user = factories.member_user(email="keyboard.member@example.org")
    page.goto("/accounts/login/")

    tab_until(page, "document.activeElement.name === 'login'")
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    assert active_element(page, "name") == "password"
    page.keyboard.type(factories.DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url == f"{live_server.url}/"
    assert page.locator("h1").inner_text().strip() == f"Hei, {user.first_name}"
    assert user.email in page.locator("main").inner_text()
    screenshot(page, "home-member-nb")
    assert page.csp_violations == []


def test_account_menu_opens_with_the_keyboard_and_logs_out(page, transactional_db):
    user = factories.member_user(email="menu.member@example.org")
    page.goto("/accounts/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", factories.DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    tab_until(page, "document.activeElement.id === 'account-menu-button'")
    page.keyboard.press("Enter")
    assert active_element(page, "aria-expanded") == "true"
    screenshot(page, "account-menu-nb")
    tab_until(page, "document.activeElement.textContent.trim() === 'Logg ut'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text().strip() == "Medlemsportalen for erfaringskonsulenter"
    assert page.csp_violations == []


@pytest.mark.parametrize("language", ["nb", "en"])
def test_screenshots_of_entry_pages(page, transactional_db, language):
    page.goto("/")
    if language == "en":
        with page.expect_navigation():
            page.click("button[lang='en']")
    entry_pages = [("home", "/"), ("login", "/accounts/login/"), ("signup", "/accounts/signup/")]
    for name, path in entry_pages:
        page.goto(path)
        assert page.get_attribute("html", "lang") == language
        assert page.locator("h1").count() == 1
        screenshot(page, f"{name}-{language}")
    # A failed login shows its message in the page's language.
    page.goto("/accounts/login/")
    page.fill("#id_login", "nobody@example.org")
    page.fill("#id_password", "wrong-password-here")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("[role=alert]").count() == 1
    screenshot(page, f"login-error-{language}")
    assert page.csp_violations == []
