"""One term per concept, and allauth's Bokmål corrected where it was wrong."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from casework.models import Case
from members.models import Membership

pytestmark = pytest.mark.django_db


def test_allauth_bokmal_is_corrected():
    with translation.override("nb"):
        sent = gettext("Confirmation email sent to %(email)s.") % {"email": "a@example.org"}
        removed = gettext("Removed email address %(email)s.") % {"email": "a@example.org"}
        assert "Bekreftelsese-post" not in sent
        assert sent == "Vi har sendt en e-post til a@example.org for å bekrefte adressen."
        assert removed == "E-postadressen a@example.org er fjernet."
        assert gettext("Change Password") == "Endre passord"
    with translation.override("en"):
        assert gettext("Change Password") == "Change Password"


def test_allauth_pages_show_the_corrected_text(client, member):
    client.force_login(member)
    page = client.get(reverse("account_change_password")).content.decode()
    assert "Endre passord" in page and "Endre Passord" not in page


def test_a_cancelled_membership_and_a_closed_case_have_different_names():
    with translation.override("nb"):
        cancelled = str(Membership.Status.CANCELLED.label)
        closed = str(Case.Status.CLOSED.label)
    assert cancelled == "Utmeldt"
    assert closed == "Avsluttet"


def test_the_training_programme_has_one_name_in_bokmal():
    from members.models import Profile
    from members.reports import CAPTION_TERMS

    with translation.override("nb"):
        names = [
            str(Profile._meta.get_field("training_completed").verbose_name),
            str(CAPTION_TERMS["training"]),
            gettext("Have you completed a peer-work training programme?"),
        ]
    assert all("utdanningsprogram" in name for name in names), names
