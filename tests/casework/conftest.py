import pytest
from django.test import Client

from casework.factories import CaseFactory, NonMemberCaseFactory
from casework.models import Case, Topic

CANARY_NOTE = "CANARY-INTERNAL-NOTE-7f3a"
CANARY_DESCRIPTION = "CANARY-DESCRIPTION-91bc and more words to pass the minimum length"


@pytest.fixture
def topics(db):
    return {topic.code: topic for topic in Topic.objects.all()}


@pytest.fixture
def member_case(member):
    """Member A's case, waiting in triage."""
    return CaseFactory(member=member)


@pytest.fixture
def other_member_case(other_member):
    return CaseFactory(member=other_member)


@pytest.fixture
def assigned_case(member, advisor):
    return CaseFactory(member=member, assignee=advisor, status=Case.Status.OPEN)


@pytest.fixture
def colleague_restricted_case(member, other_advisor):
    return CaseFactory(
        member=member, assignee=other_advisor, restricted=True, status=Case.Status.OPEN
    )


@pytest.fixture
def non_member_case(db):
    return NonMemberCaseFactory()


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lead(db):
    """A lead advisor (who is an advisor too), with an authenticator."""
    from core import roles
    from members import factories

    user = factories.advisor_user(email="lead@example.org", first_name="Lea", last_name="Leder")
    roles.grant_role(user=user, role=roles.LEAD_ADVISOR)
    factories.with_totp(user)
    return user


@pytest.fixture(autouse=True)
def attachment_dir(tmp_path, settings):
    """Each test's attachments in its own folder, so a test can read the raw storage."""
    folder = tmp_path / "casework-attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "casework_attachments": {
            **settings.STORAGES["casework_attachments"],
            "OPTIONS": {
                **settings.STORAGES["casework_attachments"]["OPTIONS"],
                "location": str(folder),
            },
        },
    }
    return folder
