"""The person's own data: the registry covers every model that points at a user (F2), the
download holds all of member A's data and nothing of B's (F1), and deleting A's account
leaves no row pointing at A, keeps the anonymous statistics, and leaves B alone (F3)."""

import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework import services as casework_services
from casework import stats as casework_stats
from casework.models import (
    Absence,
    Case,
    CaseTransfer,
    Message,
    Reminder,
    SavedQueueFilter,
    Topic,
)
from core import privacy, roles
from core.models import AuditEvent, OutboxMessage
from members import factories
from members.models import ImportBatch, Membership, Profile
from surveys import questionnaire
from surveys import services as survey_services
from surveys.answering import PageForm
from surveys.models import (
    Answer,
    Ballot,
    Draft,
    FreeText,
    Participation,
    Question,
    Response,
    SubmissionToken,
)
from surveys.selectors import questionnaire_for, result_responses
from tests.surveys.conftest import activate

pytestmark = pytest.mark.django_db

PASSWORD = factories.DEFAULT_PASSWORD
DOWNLOAD = reverse("core:my-data-download")
DELETE = reverse("core:account-delete")

# Member A's data; each must reach A's download.
A_EMAIL = "kanari-a-5e1@example.org"
A_ALT_EMAIL = "kanari-a-alt-77c@example.org"
A_FIRST = "KanariAFornavn"
A_LAST = "KanariAEtternavn"
A_BROWSER = "KanariA-Browser/1.0"
A_DESCRIPTION = "KANARI-A-INQUIRY-4d2 about my role, long enough to be valid"
A_REPLY = "KANARI-A-OWN-REPLY-0b9"
A_ADVISOR_REPLY = "KANARI-A-ADVISOR-REPLY-c41"
A_DRAFT_TEXT = "KANARI-A-DRAFT-ANSWER-8e0"
A_CANARIES = (
    A_EMAIL,
    A_ALT_EMAIL,
    A_FIRST,
    A_LAST,
    A_BROWSER,
    A_DESCRIPTION,
    A_REPLY,
    A_ADVISOR_REPLY,
    A_DRAFT_TEXT,
)
# Kept after deletion under casework's retention (Art. 17(3)(e)), unlinked from A.
A_RETAINED = (A_DESCRIPTION, A_REPLY, A_ADVISOR_REPLY)
# Never in A's download.
A_INTERNAL_NOTE = "KANARI-A-INTERNAL-NOTE-f13"
B_EMAIL = "kanari-b-2a9@example.org"
B_DESCRIPTION = "KANARI-B-INQUIRY-9c7 about my salary, long enough to be valid"
B_DRAFT_TEXT = "KANARI-B-DRAFT-ANSWER-3f5"
B_CANARIES = (B_EMAIL, B_DESCRIPTION, B_DRAFT_TEXT)
# Session, user, and roles with permissions and authenticator (the floor: nothing more); the
# download adds a fixed number per section, plus three per case of the person's own
# (casework.privacy reads each thread and the files listed with it).
MY_DATA_PAGE_QUERIES = 3
DOWNLOAD_QUERIES = 48


def _activate(user, *, county):
    activate(user, county=county)


def _form_value(question, text):
    name = f"q_{question.key}"
    first = question.choices.all()[0].code if question.type in Question.CHOICE_TYPES else None
    if question.type == Question.Type.LIKERT:
        return {f"{name}__{item.code}": first for item in question.items.all()}
    if question.type == Question.Type.MULTI:
        return {name: [first]}
    if first is not None:
        return {name: first}
    if question.type in Question.NUMBER_TYPES:
        return {name: str(int(question.min_value or 1))}
    return {name: text}


def _fill_draft(user, edition, text):
    """Consent, then a draft with a valid answer to every visible question; `text` goes
    into every free-text answer."""
    survey_services.record_consent(user=user, edition=edition)
    survey = questionnaire_for(edition)
    draft = Draft.objects.get(member=user, edition=edition, is_preview=False)
    answers = dict(draft.answers)
    for section in survey.sections:
        for _round in range(2):  # questions revealed on the same page
            questions = survey.visible_questions(section, answers)
            data = {}
            for question in questions:
                data.update(_form_value(question, text))
            form = PageForm(data, questions=questions)
            assert form.is_valid(), form.errors
            answers.update(form.answers())
    draft.answers = answers
    draft.save()
    return draft


def _open_edition(year):
    now = timezone.now()
    return questionnaire.build_edition(
        year=year,
        status="open",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )


def _reauthenticate(client):
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def _login(user, user_agent="pytest"):
    client = Client(HTTP_USER_AGENT=user_agent)
    client.force_login(user)
    # A request through the middleware records the session (allauth usersessions).
    assert client.get(reverse("core:my-data")).status_code == 200
    return client


@pytest.fixture
def world(admin_user, advisor):
    """Member A with a row in every model linked to a user, member B likewise (other
    canaries), and anonymous survey responses to measure the statistics against."""
    member_a = factories.member_user(email=A_EMAIL, first_name=A_FIRST, last_name=A_LAST)
    member_b = factories.member_user(email=B_EMAIL)
    EmailAddress.objects.create(user=member_a, email=A_ALT_EMAIL, verified=True, primary=False)
    factories.with_totp(member_a)
    factories.with_totp(member_b)
    _activate(member_a, county="46")
    _activate(member_b, county="03")
    membership_a = Membership.objects.get(user=member_a)
    membership_a.decided_by = admin_user
    membership_a.save()

    # Surveys: both submitted last year's edition; both have a draft of this year's.
    last_year, this_year = _open_edition(2025), _open_edition(2026)
    for user in (member_a, member_b):
        _fill_draft(user, last_year, "Fint.")
        assert survey_services.submit_response(user=user, edition=last_year) is not None
    _fill_draft(member_a, this_year, A_DRAFT_TEXT)
    _fill_draft(member_b, this_year, B_DRAFT_TEXT)

    # Casework: A's inquiry with a reply each way and an internal note; B's inquiry.
    topic = Topic.objects.get(code="stigma")
    case_a = casework_services.request_guidance(
        member=member_a, topics=[topic], description=A_DESCRIPTION
    )
    casework_services.assign_case(case=case_a, actor=advisor, assignee=advisor)
    casework_services.post_advisor_message(
        case=case_a, advisor=advisor, kind=Message.Kind.REPLY, body=A_ADVISOR_REPLY
    )
    casework_services.post_advisor_message(
        case=case_a, advisor=advisor, kind=Message.Kind.INTERNAL_NOTE, body=A_INTERNAL_NOTE
    )
    casework_services.post_member_reply(case=case_a, member=member_a, body=A_REPLY)
    casework_services.record_case_view(case=case_a, actor=advisor)
    casework_services.request_guidance(member=member_b, topics=[topic], description=B_DESCRIPTION)

    # Rows that only staff accounts have in practice, seeded for A so every user-linked
    # model is exercised.
    ImportBatch.objects.create(created_by=member_a, rows=[])
    Absence.objects.create(
        advisor=member_a,
        cover=advisor,
        created_by=member_a,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    Absence.objects.create(
        advisor=advisor,
        cover=member_a,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    SavedQueueFilter.objects.create(advisor=member_a, query="status=all")
    CaseTransfer.objects.create(
        case=case_a, from_advisor=member_a, to_advisor=member_a, moved_by=member_a, reason="x"
    )
    Reminder.objects.create(
        case=case_a,
        advisor=member_a,
        reason=Reminder.Reason.FIRST_RESPONSE,
        due_on=timezone.localdate(),
    )
    LogEntry.objects.create(
        user=member_a,
        content_type=ContentType.objects.get_for_model(Topic),
        object_id=str(topic.pk),
        object_repr="topic",
        action_flag=ADDITION,
    )

    client_a = _login(member_a, user_agent=A_BROWSER)
    return {
        "a": member_a,
        "b": member_b,
        "client_a": client_a,
        "client_b": _login(member_b),
        "case_a": case_a,
        "editions": (last_year, this_year),
    }


def _rows_pointing_at(user_id):
    found = {}
    for label, fields in privacy.user_linked_fields().items():
        model = apps.get_model(label)
        for field in fields:
            count = model.objects.filter(**{f"{field}_id": user_id}).count()
            if count:
                found[f"{label}.{field}"] = count
    return found


def _sessions_of(user_id):
    return [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user_id)
    ]


def _database_text():
    """Every stored value of every model (decrypted where the field encrypts), and the
    decoded sessions, as one string to search canaries in."""
    chunks = []
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        for obj in model._base_manager.all():
            chunks.extend(str(f.value_from_object(obj)) for f in fields)
    chunks.extend(str(s.get_decoded()) for s in Session.objects.all())
    return "\n".join(chunks)


def _published_figures(editions):
    """What the reports publish: survey responses per breakdown and answers per value, and
    every casework statistics table of this year."""
    spec = casework_stats.release_spec()
    figures = {
        "casework": [dict(p.counts) for p in spec.populations],
        "casework medians": [lines for _key, _title, _header, lines in spec.extras()],
    }
    for edition in editions:
        for dimension in survey_services.STRATA_FIELDS:
            figures[(edition.year, dimension)] = sorted(
                result_responses(edition).values_list(dimension, flat=True)
            )
        figures[(edition.year, "answers")] = sorted(
            Answer.objects.filter(response__edition=edition, response__is_test=False).values_list(
                "question_key", "item_code", "code", "number"
            )
        )
        figures[(edition.year, "free_text")] = sorted(
            FreeText.objects.filter(edition=edition).values_list("question_key", "text")
        )
    return figures


def _download(client):
    response = client.get(DOWNLOAD)
    if response.status_code == 302:
        assert response.url.startswith(reverse("account_reauthenticate"))
        _reauthenticate(client)
        response = client.get(DOWNLOAD)
    assert response.status_code == 200
    return response


# --- F2: the registry covers every model linked to a user ----------------------------------


def test_every_model_linked_to_a_user_is_registered_for_export_and_erasure():
    assert privacy.coverage_problems() == [], "register them in their app's privacy.py"
    registered = privacy.registrations()
    linked = privacy.user_linked_fields()
    exported = {label for label in linked if registered[label].exporter}
    erased = {label for label in linked if registered[label].eraser}
    # An exemption always carries its reason (register() refuses one without).
    assert all(registered[label].export_exemption for label in set(linked) - exported)
    assert all(registered[label].erasure_exemption for label in set(linked) - erased)
    # Pinned so a change of coverage is a conscious one (and the reported F2 figure true).
    assert (len(linked), len(exported), len(erased)) == (18, 16, 17)
    assert set(linked) - exported == {"casework.Reminder", "surveys.Publication"}
    assert set(linked) - erased == {"core.AuditEvent"}


def test_a_new_user_link_that_is_not_registered_fails_the_coverage_check():
    linked = privacy.user_linked_fields()
    linked["members.Profile"] = linked["members.Profile"] | {"reviewed_by"}
    linked["newapp.Thing"] = {"owner"}
    problems = privacy.coverage_problems(linked)
    assert len(problems) == 2
    assert problems[0].startswith("members.Profile registers ['user']")
    assert problems[1] == "newapp.Thing (owner) is not registered"


def test_registering_neither_a_function_nor_a_reason_is_refused():
    with pytest.raises(ValueError):
        privacy.register("x.Y", fields=["user"], section="y", exporter=list)
    with pytest.raises(ValueError):
        privacy.register(
            "x.Y",
            fields=["user"],
            section="y",
            exporter=list,
            export_exemption="and a reason",
            eraser=list,
        )
    assert "x.Y" not in privacy.registrations()


# --- F1: the download ---------------------------------------------------------------------


def test_download_holds_all_of_a_and_nothing_of_b_or_internal_notes(world):
    member_a = world["a"]
    assert set(_rows_pointing_at(member_a.pk)) >= {
        f"{label}.{field}"
        for label, fields in privacy.user_linked_fields().items()
        for field in fields
        if (label, field)
        not in {
            ("members.Membership", "decided_by"),  # an admin's decision
            ("surveys.Publication", "published_by"),  # an admin's publishing
            ("casework.Case", "assignee"),  # an advisor's
            ("core.AuditEvent", "actor"),  # present, asserted below
        }
    }, "the seed must put a row of A in every user-linked model"

    response = _download(world["client_a"])
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    data = json.loads(body)
    for canary in A_CANARIES:
        assert canary in body, canary
    for canary in (*B_CANARIES, A_INTERNAL_NOTE):
        assert canary not in body, canary
    # Said in the file: the survey answers and the notes are left out on purpose.
    assert data["survey_answers"]["not_exported"] and data["internal_notes"]["not_exported"]
    sections = data["sections"]
    assert data["account"]["email"] == A_EMAIL
    for registration in privacy.registrations().values():
        value = sections[registration.section]
        assert value, f"{registration.section} is empty for a member with data there"
    assert [p["survey_year"] for p in sections["survey_participations"]] == [2025, 2026]
    assert sections["survey_participations"][0]["submitted"]
    assert [c["reference"] for c in sections["cases"]] == [world["case_a"].reference]
    assert {e["action"] for e in sections["access_log"]["about_you"]} >= {
        "casework.case.viewed",
        "casework.case.assigned",
    }
    advisor = world["case_a"].assignee
    # Who opened A's case is named; A's own actions say "you".
    opened = [
        e for e in sections["access_log"]["about_you"] if e["action"] == "casework.case.viewed"
    ]
    assert [e["by"] for e in opened] == [advisor.get_full_name() or advisor.email]
    created = [
        e for e in sections["access_log"]["about_you"] if e["action"] == "casework.case.created"
    ]
    assert [e["by"] for e in created] == ["you"]
    assert {s["browser"] for s in sections["sessions"]} == {A_BROWSER}
    assert sections["two_factor_authentication"][0]["type"] == "totp"
    assert "secret" not in json.dumps(sections["two_factor_authentication"])


def test_download_is_audited(world):
    member_a = world["a"]
    _download(world["client_a"])
    assert (
        AuditEvent.objects.filter(
            action="privacy.data_exported", actor=member_a, subject=member_a
        ).count()
        == 1
    )


def test_stale_login_is_sent_to_reauthenticate_before_download_and_deletion(world):
    client = world["client_a"]  # force_login: no recent password
    for url in (DOWNLOAD, DELETE):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_reauthenticate"))
    response = client.post(DELETE, {"confirm": "on"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not AuditEvent.objects.filter(action="privacy.data_exported").exists()
    assert type(world["a"]).objects.filter(pk=world["a"].pk).exists()


def test_reauthentication_expires(world, settings):
    client = world["client_a"]
    _reauthenticate(client)
    assert client.get(DOWNLOAD).status_code == 200
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    response = client.get(DOWNLOAD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))


def test_anonymous_visitor_is_sent_to_login(client):
    for url in (reverse("core:my-data"), DOWNLOAD, DELETE):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert client.post(DELETE, {"confirm": "on"}).url.startswith(reverse("account_login"))


def test_another_member_only_ever_gets_their_own_data(world):
    # There is no id in the URL: the same address gives each person their own file.
    body = _download(world["client_b"]).content.decode()
    assert B_EMAIL in body and B_DRAFT_TEXT in body
    for canary in A_CANARIES:
        assert canary not in body, canary


@pytest.mark.parametrize("role", [roles.MEMBER, roles.ADVISOR, roles.ADMIN])
def test_my_data_page_for_each_role(client, role):
    if role == roles.MEMBER:
        user = factories.member_user()
    else:
        user = factories.UserFactory(role=role)
        factories.with_totp(user)
    client.force_login(user)
    page = client.get(reverse("core:my-data"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<h1") == 1
    assert DOWNLOAD in html
    assert (DELETE in html) == (role == roles.MEMBER)
    # The account menu links here.
    assert f'href="{reverse("core:my-data")}"' in html


# --- F3: deletion -------------------------------------------------------------------------


def test_staff_cannot_delete_their_own_account(advisor_client, advisor):
    _reauthenticate(advisor_client)
    page = advisor_client.get(DELETE)
    assert page.status_code == 403
    assert "administrator" in page.content.decode()
    response = advisor_client.post(DELETE, {"confirm": "on"})
    assert response.status_code == 403
    assert type(advisor).objects.filter(pk=advisor.pk).exists()


def test_deletion_needs_the_confirmation_and_changes_nothing_without_it(world, settings):
    client = world["client_a"]
    _reauthenticate(client)
    page = client.get(DELETE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="checkbox"' in html and "<label" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(DELETE, {})
    assert response.status_code == 200
    assert "Tick the box to confirm" in response.content.decode()
    assert type(world["a"]).objects.filter(pk=world["a"].pk).exists()
    assert Profile.objects.filter(user=world["a"]).exists()


def test_deleting_a_removes_every_link_keeps_the_statistics_and_leaves_b_alone(world):
    member_a, member_b = world["a"], world["b"]
    a_id = member_a.pk
    case_a = world["case_a"]
    other_device = _login(member_a, user_agent="second device")
    # More cases on A's topic, so the statistics have something to keep.
    for _n in range(5):
        casework_services.request_guidance(
            member=member_b, topics=list(case_a.topics.all()), description=B_DESCRIPTION
        )
    figures = _published_figures(world["editions"])
    # A's case and B's five, each counted once as a case and once per topic.
    assert sum(n for counts in figures["casework"] for n in counts.values()) >= 12
    responses = (Ballot.objects.count(), Response.objects.count())
    b_before = _rows_pointing_at(member_b.pk)
    b_export_before = json.loads(privacy.personal_data_json(member_b))
    assert _sessions_of(a_id)

    client = world["client_a"]
    _reauthenticate(client)
    response = client.post(DELETE, {"confirm": "on"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("core:home")
    assert "deleted" in response.content.decode() or "slettet" in response.content.decode()

    # Gone, with no row pointing at A and no session of A anywhere (the other device too).
    assert not type(member_a).objects.filter(pk=a_id).exists()
    assert _rows_pointing_at(a_id) == {}
    assert _sessions_of(a_id) == []
    assert other_device.get(reverse("core:my-data")).status_code == 302
    assert not client.session.get("_auth_user_id")
    assert not Participation.objects.filter(member_id=a_id).exists()
    assert not Draft.objects.filter(member_id=a_id).exists()
    assert not SubmissionToken.objects.filter(
        digest=survey_services.submission_digest(member_id=a_id, edition_id=world["editions"][0].pk)
    ).exists()

    # A's data is gone from the database, except the inquiry kept for legal claims.
    stored = _database_text()
    for canary in A_CANARIES:
        if canary in A_RETAINED:
            assert canary in stored, f"{canary}: the case must be kept under retention"
        else:
            assert canary not in stored, canary

    # The case is kept, unlinked and flagged, and still counts in the statistics.
    case_a.refresh_from_db()
    assert case_a.member_id is None and case_a.description == A_DESCRIPTION
    assert AuditEvent.objects.filter(
        action="casework.case.member_erased", object_id=str(case_a.pk)
    ).exists()
    deleted = AuditEvent.objects.get(action="privacy.account_deleted")
    assert (deleted.actor_id, deleted.subject_id, deleted.object_id) == (None, None, "")

    # The published figures do not move; the anonymous ballots and responses stay.
    assert (Ballot.objects.count(), Response.objects.count()) == responses
    assert _published_figures(world["editions"]) == figures

    # B is untouched.
    assert _rows_pointing_at(member_b.pk) == b_before
    b_export_after = json.loads(privacy.personal_data_json(member_b))
    for export in (b_export_before, b_export_after):
        export.pop("generated_at")
    assert b_export_after == b_export_before
    assert world["client_b"].get(reverse("core:my-data")).status_code == 200


def test_deletion_queues_no_email_and_removes_those_to_a(world, deliver_outbox):
    member_a = world["a"]
    assert OutboxMessage.objects.filter(payload__to__icontains=A_EMAIL).exists()
    privacy.delete_account(user=member_a)
    assert not OutboxMessage.objects.filter(payload__to__icontains=A_EMAIL).exists()
    assert OutboxMessage.objects.filter(payload__to__icontains=B_EMAIL).exists()
    deliver_outbox()


def test_a_case_kept_after_deletion_is_still_anonymised_by_the_retention_job(world, settings):
    case_a = world["case_a"]
    advisor = case_a.assignee
    privacy.delete_account(user=world["a"])
    casework_services.change_status(
        case=Case.objects.get(pk=case_a.pk),
        actor=advisor,
        status=Case.Status.CLOSED,
        outcome="withdrawn",
    )
    later = timezone.now() + timedelta(days=settings.CASEWORK_RETENTION_DAYS + 1)
    assert casework_services.anonymise_expired_cases(now=later) == 1
    assert A_DESCRIPTION not in _database_text()


# --- Query counts -------------------------------------------------------------------------


def _other_members_with_data(count):
    topic = Topic.objects.get(code="stigma")
    for _n in range(count):
        user = factories.member_user()
        _activate(user, county="03")
        casework_services.request_guidance(member=user, topics=[topic], description=B_DESCRIPTION)


@pytest.mark.parametrize("others", [3, 9])
def test_page_and_download_query_counts_stay_flat_as_members_grow(
    world, others, django_assert_num_queries
):
    _other_members_with_data(others)
    client = world["client_a"]
    _reauthenticate(client)
    with django_assert_num_queries(MY_DATA_PAGE_QUERIES):
        assert client.get(reverse("core:my-data")).status_code == 200
    with django_assert_num_queries(DOWNLOAD_QUERIES):
        assert client.get(DOWNLOAD).status_code == 200


def test_advisor_still_works_the_kept_case_without_the_person(world):
    case_a = world["case_a"]
    advisor = case_a.assignee
    privacy.delete_account(user=world["a"])
    client = Client()
    client.force_login(advisor)
    page = client.get(reverse("casework:case-detail", kwargs={"pk": case_a.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert A_DESCRIPTION in html
    for canary in (A_EMAIL, A_FIRST, A_LAST):
        assert canary not in html
