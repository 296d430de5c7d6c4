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
