"""The portal layout as a user and a screen reader meet it: landmarks, one <h1>, a working skip
link, the language switch, CSP-safe scripts, allauth in the portal's look, and error pages that
show no internals. Pages are rendered through the test client, never by hand."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path, reverse

from erfaring.urls import urlpatterns as project_urlpatterns
from members import factories

CANARY = "canary-4f1d2c-must-not-leak"


class Page(HTMLParser):
    """The facts about a rendered page that these tests check."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.html_lang = None
        self.h1_count = 0
        self.ids = set()
        self.first_focusable = None
        self.links = []
        self.mains = []
        self.navs = []
        self.inline_scripts = []
        self.forms = []
        self.inputs_without_label = []
        self.labels_for = set()
        self.inputs = []
        self.text = []
        self._in_inline_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "h1":
            self.h1_count += 1
        elif tag == "main":
            self.mains.append(attrs)
        elif tag == "nav":
            self.navs.append(attrs)
        elif tag == "a" and "href" in attrs:
            self.links.append(attrs)
        elif tag == "form":
            self.forms.append(attrs)
        elif tag == "label" and attrs.get("for"):
            self.labels_for.add(attrs["for"])
        elif tag in {"input", "select", "textarea"} and attrs.get("type") != "hidden":
            self.inputs.append(attrs)
        elif tag == "script" and "src" not in attrs:
            self.inline_scripts.append(attrs)
        focusable = (tag == "a" and "href" in attrs) or (
            tag in {"button", "input", "select", "textarea"} and attrs.get("type") != "hidden"
        )
        if focusable and self.first_focusable is None:
            self.first_focusable = attrs

    def handle_data(self, data):
        self.text.append(data)

    @property
    def skip_link(self):
        return (
            self.first_focusable if self.first_focusable.get("href", "").startswith("#") else None
        )

    @property
    def unlabelled_inputs(self):
        return [
            attrs
            for attrs in self.inputs
            if attrs.get("id") not in self.labels_for
            and not attrs.get("aria-label")
            and attrs.get("type") not in {"submit", "button"}
        ]


def csp_nonce(response):
    """The script nonce of the response's CSP; django-csp adds it only once a template used it."""
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    match = re.search(r"script-src[^;]*'nonce-([^']+)'", policy)
    return match.group(1) if match else None


def assert_portal_page(response, language="nb"):
    """A page in the portal layout, as the foundation issue and WCAG 2.1 AA ask."""
    page = Page(response.content.decode())
    assert page.html_lang == language
    assert page.h1_count == 1, f"{page.h1_count} <h1> elements"
    assert len(page.mains) == 1
    assert page.mains[0].get("id") == "main"
    skip = page.skip_link
    assert skip is not None, f"first focusable element is {page.first_focusable}"
    assert skip["href"][1:] in page.ids
    assert any(nav.get("aria-label") for nav in page.navs), "no labelled <nav> landmark"
    assert page.unlabelled_inputs == []
    nonce = csp_nonce(response)
    for script in page.inline_scripts:
        # A JSON data block is never executed, so the CSP does not apply to it.
        if script.get("type") == "application/json":
            continue
        assert nonce and script.get("nonce") == nonce, f"inline script without the nonce: {script}"
    return page


ANONYMOUS_PAGES = [
    ("core:home", {}),
    ("account_login", {}),
    ("account_signup", {}),
    ("account_reset_password", {}),
    ("account_reset_password_done", {}),
    ("account_email_verification_sent", {}),
    # Wrong or expired links from emails: the page explains what to do.
    ("account_confirm_email", {"key": "wrong-key"}),
    ("account_reset_password_from_key", {"uidb36": "1", "key": "wrong-key"}),
]


@pytest.mark.parametrize(("url_name", "kwargs"), ANONYMOUS_PAGES)
def test_public_page_has_one_h1_landmarks_and_skip_link(client, db, url_name, kwargs):
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 200
    assert_portal_page(response)


@pytest.mark.parametrize("url_name", ["account_login", "account_signup", "account_reset_password"])
def test_allauth_page_uses_the_portal_layout(client, db, url_name):
    page = assert_portal_page(client.get(reverse(url_name)))
    # The portal's header navigation and its language switch, not allauth's bare menu.
    assert any(nav.get("aria-label") for nav in page.navs)
    assert any(form.get("action") == reverse("set_language") for form in page.forms)
    assert "Erfaring" in "".join(page.text)


def test_missing_page_is_a_portal_404_without_internals(client, db):
    response = client.get("/finnes-ikke/")
    assert response.status_code == 404
    page = assert_portal_page(response)
    body = response.content.decode()
    assert "Traceback" not in body
    assert "urlpatterns" not in body.lower()
    assert any(link.get("href") == reverse("core:home") for link in page.links)


def test_member_sees_404_page_in_layout_with_account_menu(member_client):
    response = member_client.get("/finnes-ikke/")
    assert response.status_code == 404
    page = assert_portal_page(response)
    assert any(form.get("action") == reverse("account_logout") for form in page.forms)


def test_login_form_errors_are_tied_to_their_fields(client, db):
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    assert response.status_code == 200
    page = assert_portal_page(response)
    login = next(attrs for attrs in page.inputs if attrs.get("name") == "login")
    assert login.get("aria-invalid") == "true"
    described_by = login.get("aria-describedby", "").split()
    assert described_by, "the error is not tied to the email field"
    assert all(target in page.ids for target in described_by)


def test_wrong_password_shows_an_alert_in_norwegian(client, member):
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "not-the-password"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "passordet du oppgav er feil" in body


# A URL configuration with one view that fails, for the 500 page.
@login_not_required
def _fail(request):
    raise RuntimeError(CANARY)


@login_not_required
def _forbid(request):
    raise PermissionDenied(CANARY)


urlpatterns = [
    path("test-only/fail/", _fail),
    path("test-only/forbidden/", _forbid),
    *project_urlpatterns,
]


@pytest.mark.urls(__name__)
def test_server_error_page_shows_no_traceback(db):
    client = Client(raise_request_exception=False)
    response = client.get("/test-only/fail/")
    assert response.status_code == 500
    body = response.content.decode()
    assert CANARY not in body
    assert "Traceback" not in body
    assert "RuntimeError" not in body
    page = Page(body)
    assert page.h1_count == 1
    assert page.html_lang == "nb"
    assert page.skip_link["href"][1:] in page.ids
    assert "Content-Security-Policy" in response.headers


@pytest.mark.urls(__name__)
def test_permission_denied_page_is_in_the_layout_without_internals(member_client):
    response = member_client.get("/test-only/forbidden/")
    assert response.status_code == 403
    assert_portal_page(response)
    assert CANARY not in response.content.decode()


def test_foreign_host_gets_the_400_page_without_echoing_it(client, db):
    response = client.get(reverse("core:home"), headers={"host": "evil.example"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "evil.example" not in body
    page = Page(body)
    assert page.h1_count == 1
    assert page.skip_link["href"][1:] in page.ids


def test_csrf_failure_explains_what_to_do(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403
    page = Page(response.content.decode())
    assert page.h1_count == 1
    assert "last inn siden på nytt" in response.content.decode()


def test_home_for_visitor_offers_login_and_signup(client, db):
    page = assert_portal_page(client.get(reverse("core:home")))
    hrefs = {link["href"] for link in page.links}
    assert {reverse("account_login"), reverse("account_signup")} <= hrefs


def test_home_for_member_greets_and_suggests_two_factor(member_client, member):
    response = member_client.get(reverse("core:home"))
    page = assert_portal_page(response)
    body = response.content.decode()
    assert member.email in body
    assert reverse("mfa_activate_totp") in {link["href"] for link in page.links}
    assert any(form.get("action") == reverse("account_logout") for form in page.forms)


def test_home_for_advisor_names_the_role_and_skips_mfa_nudge(advisor_client):
    response = advisor_client.get(reverse("core:home"))
    page = assert_portal_page(response)
    assert "rådgiver" in response.content.decode()
    assert reverse("mfa_activate_totp") not in {link["href"] for link in page.links}


def test_home_for_admin_names_the_role(admin_client_mfa):
    response = admin_client_mfa.get(reverse("core:home"))
    assert_portal_page(response)
    assert "administrator" in response.content.decode()


def _reauthenticate(client):
    # Security pages ask for the password again even right after login (allauth's rule).
    response = client.post(
        reverse("account_reauthenticate"), {"password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 302


MANAGE_PAGES = [
    "account_email",
    "account_change_password",
    "mfa_index",
    "usersessions_list",
    "mfa_activate_totp",
]


@pytest.mark.parametrize("url_name", MANAGE_PAGES)
def test_account_pages_render_in_the_portal_layout(member_client, url_name):
    _reauthenticate(member_client)
    response = member_client.get(reverse(url_name))
    assert response.status_code == 200
    page = assert_portal_page(response)
    account_nav = [nav for nav in page.navs if nav.get("aria-label") == "Kontoinnstillinger"]
    assert account_nav, "the account settings navigation is missing"


def test_email_choices_are_a_fieldset_with_a_legend(member_client):
    body = member_client.get(reverse("account_email")).content.decode()
    fieldset = re.search(r"<fieldset[^>]*>\s*<legend[^>]*>([^<]+)</legend>", body)
    assert fieldset and fieldset.group(1).strip()


def test_sessions_table_has_a_header_for_every_column(member_client):
    body = member_client.get(reverse("usersessions_list")).content.decode()
    table = body[body.index("<table") : body.index("</table>")]
    # One session (this client's), so one row of cells under the headers.
    assert table.count("<td") == table.count('<th scope="col">') > 0


def test_reauthenticate_page_renders(member_client):
    response = member_client.get(reverse("account_reauthenticate"))
    assert response.status_code == 200
    assert_portal_page(response)


def test_mfa_login_step_and_recovery_codes_render(client, db):
    user = factories.member_user(email="mfa.person@example.org")
    secret = factories.with_totp(user)
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": factories.DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    response = client.get(reverse("mfa_authenticate"))
    assert response.status_code == 200
    assert_portal_page(response)

    response = client.post(
        reverse("mfa_authenticate"), {"code": factories.current_totp_code(secret)}
    )
    assert response.status_code == 302
    _reauthenticate(client)
    response = client.post(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    response = client.get(reverse("mfa_view_recovery_codes"))
    assert response.status_code == 200
    page = assert_portal_page(response)
    assert any(attrs.get("id") == "recovery_codes" for attrs in page.inputs)


def test_english_pages_after_the_switch_keep_the_layout(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("account_login")})
    response = client.get(reverse("account_login"))
    assert_portal_page(response, language="en")
    assert "Sign In" in response.content.decode()


def test_allauth_head_title_names_the_page(client, db):
    body = client.get(reverse("account_login")).content.decode()
    title = re.search(r"<title>(.*?)</title>", body, re.DOTALL).group(1)
    assert " ".join(title.split()) == "Logg inn \N{EN DASH} Erfaring"
