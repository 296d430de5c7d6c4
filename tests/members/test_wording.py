import pytest
from django.utils import translation

from members.reports import DIMENSION_KEYS, release_spec

pytestmark = pytest.mark.django_db


def _caption(key):
    return str(next(table.title for table in release_spec().tables if table.key == key))


@pytest.mark.parametrize(
    ("language", "key", "caption"),
    [
        ("en", "union_member", "Members by union membership"),
        ("en", "user_representative", "Members by role as user representative"),
        (
            "en",
            "employer_type.training",
            "Members by employer type and completed training programme",
        ),
        ("nb", "union_member", "Medlemmer etter fagforeningsmedlemskap"),
        ("nb", "county.employer_type", "Medlemmer etter fylke og arbeidsgivertype"),
    ],
)
def test_table_captions_read_as_sentences(language, key, caption):
    with translation.override(language):
        assert _caption(key) == caption


def test_every_breakdown_has_a_caption_in_english():
    with translation.override("en"):
        for key in DIMENSION_KEYS:
            title = _caption(key)
            assert title.startswith("Members by ") and title == title[:11] + title[11:].lower()


def test_a_release_counted_in_norwegian_stores_english_captions_too():
    # The worker counts a release in the default language; the release keeps every language.
    from core import releases

    with translation.override("nb"):
        release = releases.publish(kind="membership")
    with translation.override("en"):
        titles = dict(zip(release.table_keys(), (t.title for t in release.tables()), strict=True))
    assert titles["county"] == "Members by county"
    assert titles["county.employer_type"] == "Members by county and employer type"
    with translation.override("nb"):
        assert release.tables()[0].title == "Medlemmer etter fylke"
