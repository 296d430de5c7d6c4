import pytest
from django.utils import translation

from members.reports import DIMENSION_KEYS, membership_table

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "rows", "columns", "caption"),
    [
        ("en", "union_member", None, "Members by union membership"),
        ("en", "user_representative", None, "Members by role as user representative"),
        (
            "en",
            "training",
            "status",
            "Members by completed training programme and membership status",
        ),
        ("nb", "union_member", None, "Medlemmer etter fagforeningsmedlemskap"),
        ("nb", "county", "employer_type", "Medlemmer etter fylke og arbeidsgivertype"),
    ],
)
def test_table_captions_read_as_sentences(language, rows, columns, caption):
    with translation.override(language):
        assert str(membership_table(rows, columns).title) == caption


def test_every_breakdown_has_a_caption_in_english():
    with translation.override("en"):
        for key in DIMENSION_KEYS:
            title = str(membership_table(key).title)
            assert title.startswith("Members by ") and title == title[:11] + title[11:].lower()
