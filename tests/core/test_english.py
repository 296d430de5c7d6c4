"""English mode speaks English: every page each role reaches from the home page (demo data,
two of each kind of page), and what a newcomer and a visitor see, has no Bokmål in its
text or its labels for assistive technology. Names of people and places and what members
and advisors wrote themselves are data, not interface, and may be Norwegian."""

import html
import re
from collections import Counter

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from casework.models import Case, Message
from members import factories
from members.models import County, Municipality
from surveys.models import FreeText

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

DEMO_USERS = ["medlem@erfaring.example", "radgiver@erfaring.example", "admin@erfaring.example"]
# Pages that are not pages: files, the language switch, signing out, the Django admin (its
# own translations), machine-readable exports.
NOT_WALKED = re.compile(
    r"^/(admin/|i18n/|static/|media/|accounts/logout|healthz)|\.(csv|xlsx|json)$|/export"
)
BOKMAL_LETTERS = re.compile(r"\w*[æøåÆØÅ]\w*")
# Common Bokmål words without æ, ø or å that English text never contains.
BOKMAL_WORDS = re.compile(
    r"\b(og|ikke|eller|med|som|har|du|din|ditt|dine|jeg|vi|hvis|skal|ja|nei|lagret|sak|saker|"
    r"medlem|medlemmer|henvendelse|henvendelser|avsluttet|aktiv|kommune|fylke|lagre|logg|inn|"
    r"bekreft|passord|obligatorisk|spesialisthelsetjenesten)\b",
    re.IGNORECASE,
)
PER_KIND = 2
MAX_PAGES = 80


def visible_text(page):
    """The body's text and the labels screen readers announce, without the language switch
    (which names each language in itself: "Norsk bokmål")."""
    body = page[page.find("<body") :]
    body = re.sub(r'<form class="language-switch".*?</form>', " ", body, flags=re.S)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    labels = re.findall(r'(?:placeholder|aria-label|title|alt)="([^"]*)"', body)
    return html.unescape(" ".join([re.sub(r"<[^>]+>", " ", body), *labels]))


def data_words():
    """Words of names and places and of what people wrote: allowed in any language."""
    texts = []
    for user in get_user_model().objects.all():
        texts += [user.first_name, user.last_name, user.email]
    texts += County.objects.values_list("name", flat=True)
    for municipality in Municipality.objects.all():
        texts += [municipality.name, municipality.norwegian_name]
    for case in Case.objects.all():
        texts += [case.description or "", case.contact_name or "", case.safe_contact or ""]
    texts += [message.body for message in Message.objects.all()]
    texts += FreeText.objects.values_list("text", flat=True)
    return {word.lower() for text in texts for word in re.findall(r"\w+", text)}


def bokmal_in(page, allowed):
    text = visible_text(page)
    found = BOKMAL_LETTERS.findall(text) + BOKMAL_WORDS.findall(text)
    return sorted({word for word in found if word.lower() not in allowed})


def walk(client, start):
    """Pages reached by links from `start`: {url: html}, at most PER_KIND of each view."""
    pages, queue, seen, per_view = {}, list(start), set(), Counter()
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        pages[url] = response.content.decode()
        for href in re.findall(r'href="(/[^"#]*)"', pages[url]):
            href = html.unescape(href)
            if href in seen or NOT_WALKED.search(href):
                continue
            try:
                view = resolve(href.split("?")[0]).view_name
            except Resolver404:
                continue
            if per_view[view] < PER_KIND:
                per_view[view] += 1
                queue.append(href)
    return pages


def english_client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def demo(db):
    with override_settings(DEBUG=True):
        call_command("seed_demo")
    return data_words()


def test_every_page_of_every_role_is_english(demo):
    users = get_user_model().objects
    problems, walked = {}, Counter()
    for email in DEMO_USERS:
        client = english_client(users.get(email=email))
        if email.startswith("medlem"):
            client.post("/surveys/2026/", {"consent": "on"})
        survey = [f"/surveys/2026/page/{n}/" for n in range(1, 8)] + ["/surveys/2026/review/"]
        pages = walk(client, ["/", *survey])
        walked[email] = len(pages)
        for url, page in pages.items():
            if words := bokmal_in(page, demo):
                problems[f"{email} {url}"] = words
    newcomer = factories.UserFactory(first_name="Nina", last_name="Newcomer")
    for who, client, start in [
        ("newcomer", english_client(newcomer), ["/", "/members/apply/"]),
        ("visitor", english_client(), ["/", "/accounts/login/", "/accounts/signup/"]),
    ]:
        pages = walk(client, start)
        walked[who] = len(pages)
        for url, page in pages.items():
            if words := bokmal_in(page, demo):
                problems[f"{who} {url}"] = words
    assert not problems, problems
    # The walk reached the pages it is meant to check.
    assert walked["medlem@erfaring.example"] >= 20
    assert walked["radgiver@erfaring.example"] >= 10
    assert walked["admin@erfaring.example"] >= 20


def test_the_check_sees_bokmal():
    page = '<body><main><h1>Svar</h1><p>Du har ikke lagret.</p><label title="Beløp">'
    assert bokmal_in(page, allowed=set()) == ["Beløp", "Du", "har", "ikke", "lagret"]
