"""Translations: every catalogue is complete in Bokmål and compiled from its current source, and
the portal speaks Bokmål unless the person chose English with the language switch."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

CATALOGUES = sorted(
    path
    for path in Path(settings.BASE_DIR).glob("**/locale/*/LC_MESSAGES/django.po")
    if ".venv" not in path.parts and "var" not in path.parts
)


def _translated(catalogue):
    """Translated entries as {(context, msgid, plural): msgstr or plural forms}."""
    entries = {}
    for entry in catalogue.translated_entries():
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
        value = tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
        entries[key] = value
    return entries


def _label(path):
    return str(path.relative_to(settings.BASE_DIR))


def test_the_project_catalogues_exist():
    names = {_label(path) for path in CATALOGUES}
    assert {"locale/nb/LC_MESSAGES/django.po", "locale/en/LC_MESSAGES/django.po"} <= names


@pytest.mark.parametrize("po_path", CATALOGUES, ids=_label)
def test_compiled_catalogue_matches_its_source(po_path):
    # Compare content, not mtimes: git does not keep them.
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{_label(po_path)} is not compiled: run compilemessages"
    source = _translated(polib.pofile(str(po_path)))
    compiled = _translated(polib.mofile(str(mo_path)))
    stale = sorted(key[1] for key in source.keys() ^ compiled.keys())
    stale += sorted(
        key[1] for key in source.keys() & compiled.keys() if source[key] != compiled[key]
    )
    assert not stale, f"{_label(mo_path)} is stale for: {stale[:5]}"


@pytest.mark.parametrize(
    "po_path", [path for path in CATALOGUES if path.parts[-3] == "nb"], ids=_label
)
def test_bokmal_catalogue_is_complete(po_path):
    catalogue = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated in {_label(po_path)}: {untranslated[:5]}"
    assert not fuzzy, f"fuzzy in {_label(po_path)}: {fuzzy[:5]}"


def test_home_page_is_bokmal_even_for_an_english_browser(client, db):
    response = client.get(reverse("core:home"), headers={"accept-language": "en"})
    body = response.content.decode()
    assert '<html lang="nb">' in body
    assert "Medlemsportalen for erfaringskonsulenter" in body
    assert "The member portal for peer support workers" not in body
    assert response.headers["Content-Language"] == "nb"


def test_language_switch_turns_the_portal_english_and_back(client, db):
    home = reverse("core:home")
    response = client.post(reverse("set_language"), {"language": "en", "next": home})
    assert response.status_code == 302
    assert response.url == home

    body = client.get(home).content.decode()
    assert '<html lang="en">' in body
    assert "The member portal for peer support workers" in body
    assert "Medlemsportalen" not in body

    client.post(reverse("set_language"), {"language": "nb", "next": home})
    body = client.get(home).content.decode()
    assert '<html lang="nb">' in body
    assert "Medlemsportalen for erfaringskonsulenter" in body


def test_language_switch_refuses_a_foreign_next_address(client, db):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response.url


def test_unknown_language_keeps_bokmal(client, db):
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    body = client.get(reverse("core:home")).content.decode()
    assert '<html lang="nb">' in body


def test_member_pages_follow_the_chosen_language(member_client):
    member_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = member_client.get(reverse("core:home")).content.decode()
    assert "Request guidance" in body
    assert "My account" in body
