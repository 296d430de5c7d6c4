import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from casework.factories import CaseFactory, MessageFactory, NonMemberCaseFactory
from casework.models import Case, Message, Topic
from core import kept
from core.models import AuditEvent

from .conftest import CANARY_DESCRIPTION, CANARY_NOTE, client_for


def case_events(case, action=None):
    events = AuditEvent.objects.filter(object_type="casework.case", object_id=str(case.pk))
    return events.filter(action=action) if action else events


# --- Member ---------------------------------------------------------------------------------


def test_member_requests_guidance_and_sees_reference(member_client, member, topics):
    response = member_client.post(
        reverse("casework:request-guidance"),
        {
            "topics": [topics["unclear_role"].pk, topics["training_supervision"].pk],
            "description": CANARY_DESCRIPTION,
            "safe_contact": "Bare i portalen",
        },
        follow=True,
    )
    case = Case.objects.get()
    assert response.status_code == 200
    assert case.member == member
    assert case.reference in response.content.decode()
    assert CANARY_DESCRIPTION in response.content.decode()


def test_mass_assignment_is_ignored(member_client, member, other_member, advisor, topics):
    member_client.post(
        reverse("casework:request-guidance"),
        {
            "topics": [topics["stigma"].pk],
            "description": CANARY_DESCRIPTION,
            "status": "closed",
            "assignee": advisor.pk,
            "member": other_member.pk,
            "restricted": "on",
            "priority": 4,
            "is_staff": "on",
            "role": "admin",
        },
    )
    case = Case.objects.get()
    assert (case.status, case.assignee, case.member, case.restricted, case.priority) == (
        Case.Status.NEW,
        None,
        member,
        False,
        Case.Priority.NORMAL,
    )
    member.refresh_from_db()
    assert not member.is_staff


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"description": CANARY_DESCRIPTION}, "Velg minst ett tema"),
        ({"topics": ["999999"], "description": CANARY_DESCRIPTION}, "Velg tema fra listen"),
        ({"topics": ["abc"], "description": CANARY_DESCRIPTION}, "Velg tema fra listen"),
        ({"topics": "TOPIC", "description": ""}, "Beskriv situasjonen din"),
        ({"topics": "TOPIC", "description": "x" * 5001}, "5000"),
        ({"topics": "TOPIC", "description": "kort"}, "20"),
    ],
)
def test_bad_guidance_request_shows_message_and_saves_nothing(member_client, topics, data, message):
    if data.get("topics") == "TOPIC":
        data = {**data, "topics": [topics["stigma"].pk]}
    response = member_client.post(reverse("casework:request-guidance"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Case.objects.count() == 0


def test_bad_request_message_in_english(member_client, topics):
    member_client.cookies["django_language"] = "en"
    response = member_client.post(reverse("casework:request-guidance"), {"description": "x"})
    assert "Choose at least one topic." in response.content.decode()


def test_member_page_shows_replies_but_never_internal_notes(
    member_client, member, assigned_case, advisor, deliver_outbox
):
    from casework import services

    services.post_advisor_message(
        case=assigned_case, advisor=advisor, kind=Message.Kind.REPLY, body="Svar til deg"
    )
    services.post_advisor_message(
        case=assigned_case, advisor=advisor, kind=Message.Kind.INTERNAL_NOTE, body=CANARY_NOTE
    )
    services.assign_case(case=assigned_case, actor=advisor, assignee=advisor)
    member_client.post(
        reverse("casework:my-case-reply", kwargs={"pk": assigned_case.pk}), {"body": "Takk!"}
    )
    pages = [
        member_client.get(reverse("casework:my-case-detail", kwargs={"pk": assigned_case.pk})),
        member_client.get(reverse("casework:my-case-list")),
    ]
    assert "Svar til deg" in pages[0].content.decode()
    assert "Takk!" in pages[0].content.decode()
    for page in pages:
        assert CANARY_NOTE not in page.content.decode()
    deliver_outbox()
    assert mail.outbox, "the reply and the member's answer send notifications"
    for email in mail.outbox:
        text = email.subject + email.body + "".join(str(a[0]) for a in email.alternatives)
        assert CANARY_NOTE not in text
        assert "Svar til deg" not in text
        assert "Takk!" not in text


def test_member_sees_who_opened_their_case(member_client, member_case, advisor):
    advisor.first_name, advisor.last_name = "Rita", "Rådgiver"
    advisor.save()
    client_for(advisor).get(reverse("casework:case-detail", kwargs={"pk": member_case.pk}))
    page = member_client.get(reverse("casework:my-case-detail", kwargs={"pk": member_case.pk}))
    assert "Rita Rådgiver" in page.content.decode()


def test_member_reply_with_empty_body_changes_nothing(member_client, member_case):
    response = member_client.post(
        reverse("casework:my-case-reply", kwargs={"pk": member_case.pk}), {"body": "  "}
    )
    assert response.status_code == 400
    assert "Skriv en melding" in response.content.decode()
    assert member_case.messages.count() == 0


def test_every_view_and_change_is_audited(member_client, advisor, member_case):
    member_client.get(reverse("casework:my-case-detail", kwargs={"pk": member_case.pk}))
    assert case_events(member_case, "casework.case.viewed").count() == 1
    client = client_for(advisor)
    url = reverse("casework:case-detail", kwargs={"pk": member_case.pk})
    client.get(url)
    client.post(
        reverse("casework:case-message", kwargs={"pk": member_case.pk}),
        {"kind": "reply", "body": "Hei"},
    )
    client.post(
        reverse("casework:case-assign", kwargs={"pk": member_case.pk}), {"assignee": advisor.pk}
    )
    client.post(
        reverse("casework:case-update", kwargs={"pk": member_case.pk}),
        {"priority": 3, "follow_up_on": "2030-01-01"},
    )
    client.post(
        reverse("casework:case-status", kwargs={"pk": member_case.pk}), {"status": "waiting"}
    )
    actions = list(case_events(member_case).order_by("pk").values_list("action", "actor"))
    assert actions == [
        ("casework.case.viewed", member_case.member_id),
        ("casework.case.viewed", advisor.pk),
        ("casework.case.replied", advisor.pk),
        ("casework.case.assigned", advisor.pk),
        ("casework.case.updated", advisor.pk),
        ("casework.case.status.open-waiting", advisor.pk),
    ]
    assert all(e.subject_id == member_case.member_id for e in case_events(member_case))


# --- Advisor --------------------------------------------------------------------------------


def test_advisor_page_shows_notes_distinctly(advisor_client, assigned_case, advisor):
    MessageFactory(case=assigned_case, author=advisor, kind="internal_note", body=CANARY_NOTE)
    page = advisor_client.get(reverse("casework:case-detail", kwargs={"pk": assigned_case.pk}))
    html = page.content.decode()
    assert CANARY_NOTE in html
    assert "Internt notat" in html
    assert html.count("<h1") == 1


def test_disallowed_status_change_in_browser(advisor_client, member_case):
    response = advisor_client.post(
        reverse("casework:case-status", kwargs={"pk": member_case.pk}), {"status": "resolved"}
    )
    assert response.status_code == 400
    member_case.refresh_from_db()
    assert member_case.status == Case.Status.NEW


def test_assign_to_non_advisor_in_browser(advisor_client, member_case, other_member):
    response = advisor_client.post(
        reverse("casework:case-assign", kwargs={"pk": member_case.pk}),
        {"assignee": other_member.pk},
    )
    assert response.status_code == 400
    assert "kan bare tildeles rådgivere" in response.content.decode()
    member_case.refresh_from_db()
    assert member_case.assignee is None


def test_bulk_assign_only_visible_cases(advisor_client, advisor, other_advisor, member):
    triage = [CaseFactory(member=member) for _ in range(2)]
    hidden = CaseFactory(member=member, assignee=other_advisor)
    response = advisor_client.post(
        reverse("casework:bulk-assign"),
        {"cases": [c.pk for c in triage] + [hidden.pk], "assignee": advisor.pk},
    )
    assert response.status_code == 302
    assert Case.objects.filter(assignee=advisor).count() == 0
    advisor_client.post(
        reverse("casework:bulk-assign"),
        {"cases": [c.pk for c in triage], "assignee": other_advisor.pk},
    )
    assert Case.objects.filter(assignee=other_advisor).count() == 3


def test_register_inquiry_for_non_member(advisor_client, advisor, topics):
    response = advisor_client.post(
        reverse("casework:register-inquiry"),
        {
            "requester_kind": "manager",
            "channel": "phone",
            "contact_name": "Leder Lise",
            "contact_phone": "+47 911 11 111",
            "topics": [topics["organisational_culture"].pk],
            "description": "A manager wants advice on including a peer worker in the team.",
            "priority": 2,
            "assign_to_self": "on",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert (case.member, case.assignee, case.requester_kind) == (None, advisor, "manager")


def test_register_inquiry_for_member_by_email(advisor_client, member, topics):
    advisor_client.post(
        reverse("casework:register-inquiry"),
        {
            "requester_kind": "member",
            "member_email": member.email.upper(),
            "channel": "email",
            "topics": [topics["pay_conditions"].pk],
            "description": "Promised a skilled worker's pay, paid an assistant's pay.",
            "priority": 3,
        },
    )
    case = Case.objects.get()
    assert case.member == member
    assert case.assignee is None


def test_register_inquiry_without_contact_is_refused(advisor_client, topics):
    response = advisor_client.post(
        reverse("casework:register-inquiry"),
        {
            "requester_kind": "relative",
            "channel": "phone",
            "topics": [topics["stigma"].pk],
            "description": "A relative calls about stigma and distrust at work.",
            "priority": 2,
        },
    )
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_queue_filters(advisor_client, advisor, member, topics):
    stigma = CaseFactory(member=member, topics=[topics["stigma"]], priority=4)
    mine = CaseFactory(member=member, assignee=advisor, status=Case.Status.WAITING)
    old = CaseFactory(member=member, created_at=timezone.now() - timezone.timedelta(days=30))
    url = reverse("casework:queue")

    def refs(params):
        response = advisor_client.get(url, params)
        return {c.reference for c in response.context["page"]}

    assert refs({}) == {stigma.reference, mine.reference, old.reference}
    assert refs({"topic": topics["stigma"].pk}) == {stigma.reference}
    assert refs({"priority": 4}) == {stigma.reference}
    assert refs({"assignee": "me"}) == {mine.reference}
    assert refs({"status": "waiting"}) == {mine.reference}
    assert refs({"overdue": "on"}) == {old.reference}
    response = advisor_client.get(url, {"sort": "oldest"})
    assert next(iter(response.context["page"])).reference == old.reference


def test_queue_rejects_unknown_filter_values(advisor_client):
    response = advisor_client.get(reverse("casework:queue"), {"status": "bogus", "topic": "x"})
    assert response.status_code == 400


def test_queue_shows_non_member_contact(advisor_client):
    case = NonMemberCaseFactory(contact_name="Relativ Rut")
    html = advisor_client.get(reverse("casework:queue")).content.decode()
    assert "Relativ Rut" in html
    assert case.reference in html


def test_queue_rows_escape_what_was_typed_and_speak_bokmal(advisor_client):
    # The rows are a Jinja2 fragment (core/jinja2.py): autoescaped and translated as the
    # Django templates around them.
    case = NonMemberCaseFactory(contact_name='<img src=x onerror="alert(1)">')
    html = advisor_client.get(reverse("casework:queue")).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=" in html
    assert f'aria-label="Velg {case.reference}"' in html
    assert "<em>Ingen</em>" in html


def test_queue_rows_label_status_priority_and_requester_in_the_chosen_language(
    advisor_client, advisor, settings
):
    # The rows take their labels from Case.choice_labels(), translated once a page.
    case = NonMemberCaseFactory(
        status=Case.Status.WAITING,
        priority=Case.Priority.URGENT,
        assignee=advisor,
        restricted=True,
        follow_up_on=timezone.localdate() - timedelta(days=1),
    )

    def row():
        html = advisor_client.get(reverse("casework:queue")).content.decode()
        return html.split(f'id="select-{case.pk}"')[1].split("</tr>")[0]

    bokmal = row()
    assert ">Venter på medlemmet<" in bokmal and "<td>Haster</td>" in bokmal
    assert "(Leder)" in bokmal
    assert ">Skjermet<" in bokmal and ">Forsinket<" in bokmal
    advisor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = row()
    assert ">Waiting for member<" in english and "<td>Urgent</td>" in english
    assert "(Manager)" in english
    assert ">Restricted<" in english and ">Overdue<" in english


def test_queue_rows_name_each_cases_topics_in_the_topics_order(advisor_client, settings):
    first, second, third = Topic.objects.order_by("position")[:3]
    case = NonMemberCaseFactory(topics=[third, first])
    NonMemberCaseFactory(topics=[second])
    html = advisor_client.get(reverse("casework:queue")).content.decode()
    row = html.split(f'id="select-{case.pk}"')[1].split("</tr>")[0]
    assert f"<td>{first.name_nb}, {third.name_nb}</td>" in row
    advisor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = advisor_client.get(reverse("casework:queue")).content.decode()
    row = html.split(f'id="select-{case.pk}"')[1].split("</tr>")[0]
    assert f"<td>{first.name_en}, {third.name_en}</td>" in row


def test_queue_rows_name_requester_and_assignee_as_their_profiles_do(lead, advisor):
    from members import factories

    named = factories.member_user(email="kari@example.org", first_name="Kari", last_name="Nordmann")
    nameless = factories.member_user(email="uten.navn@example.org", first_name="", last_name="")
    colleague = factories.advisor_user(email="kollega@example.org", first_name="", last_name="")
    cases = {
        "named": CaseFactory(member=named, assignee=advisor),
        "nameless": CaseFactory(member=nameless, assignee=colleague),
        "contact": NonMemberCaseFactory(contact_name="Ola Utenfor"),
    }
    queue = reverse("casework:queue") + "?status=all&assignee=all"
    html = client_for(lead).get(queue).content.decode()

    def cells(case):  # requester, topics, status, priority, assignee, …
        row = html.split(f'id="select-{case.pk}"')[1].split("</tr>")[0]
        return re.findall(r"<td>(.*?)</td>", row, re.S)

    advisor_name = advisor.get_full_name() or advisor.email
    assert cells(cases["named"])[0] == "Kari Nordmann"
    assert cells(cases["named"])[4] == advisor_name
    assert cells(cases["nameless"])[0] == "uten.navn@example.org"
    assert cells(cases["nameless"])[4] == "kollega@example.org"
    assert cells(cases["contact"])[0].startswith("Ola Utenfor <small")
    assert cells(cases["contact"])[4] == "<em>Ingen</em>"


def test_a_topic_added_in_another_process_is_named_in_the_queue_at_once(advisor_client):
    advisor_client.get(reverse("casework:queue"))  # the topics are kept (core.kept)
    # bulk_create sends no signal: as a topic added by another process.
    (added,) = Topic.objects.bulk_create(
        [Topic(code="pension", name_nb="Pensjon", name_en="Pension", position=99)]
    )
    case = NonMemberCaseFactory(topics=[added, Topic.objects.order_by("position").first()])
    html = advisor_client.get(reverse("casework:queue")).content.decode()
    row = html.split(f'id="select-{case.pk}"')[1].split("</tr>")[0]
    first = Topic.objects.order_by("position").first()
    assert f"<td>{first.name_nb}, Pensjon</td>" in row


def test_each_queue_row_names_its_own_topics_none_one_or_several(advisor, db):
    # The topics ride along with the page's statement (selectors._topic_ids), in either
    # database: a case without a link shows none, and no case shows another's.
    from casework import selectors

    topic_list = list(Topic.objects.order_by("position"))
    cases = [NonMemberCaseFactory(topics=topic_list[i % 4 : i % 4 + i % 3]) for i in range(12)]
    Case.topics.through.objects.filter(case=cases[0]).delete()
    rows = {
        case.pk: case
        for case in selectors.list_topics(
            list(selectors.queue_cases(advisor, filters={"status": "all"}, covered=[])),
            topic_list,
        )
    }
    assert rows[cases[0].pk].topic_names == ""
    for i, case in enumerate(cases[1:], start=1):
        expected = ", ".join(topic.name for topic in topic_list[i % 4 : i % 4 + i % 3])
        assert rows[case.pk].topic_names == expected


def _queue_queries(advisor_client, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        response = advisor_client.get(reverse("casework:queue"))
    assert response.status_code == 200
    return response


def _seed(member, advisor, n):
    topic_list = list(Topic.objects.all())
    for i in range(n):
        CaseFactory(
            member=member,
            assignee=advisor if i % 2 else None,
            topics=topic_list[i % 3 : i % 3 + 2],
        )
    for _ in range(n // 2):
        NonMemberCaseFactory()


# Session, user, roles with permissions and authenticator, the saved filter with the
# absences the advisor covers, the page with its count and each row's topic links: the same
# number however many cases there are. The topics (filter and rows) and the advisors to
# assign to are kept for a minute (core.kept): the first request of a minute reads them too.
QUEUE_QUERIES = 5
KEPT_LISTS = 2


def test_queue_query_count_is_flat(advisor_client, advisor, member, django_assert_num_queries):
    advisor_client.get(reverse("casework:queue"))  # the first request records the session
    _seed(member, advisor, 10)
    _queue_queries(advisor_client, django_assert_num_queries, QUEUE_QUERIES)
    _seed(member, advisor, 20)
    response = _queue_queries(advisor_client, django_assert_num_queries, QUEUE_QUERIES)
    assert response.context["page"].paginator.count == 45
    kept.forget_all()
    _queue_queries(advisor_client, django_assert_num_queries, QUEUE_QUERIES + KEPT_LISTS)


def test_case_page_query_count_is_flat(advisor_client, advisor, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = CaseFactory(member=member, assignee=advisor, status=Case.Status.OPEN)
    MessageFactory.create_batch(3, case=case, author=advisor)
    url = reverse("casework:case-detail", kwargs={"pk": case.pk})
    advisor_client.get(url)
    with CaptureQueriesContext(connection) as small:
        advisor_client.get(url)
    MessageFactory.create_batch(6, case=case, author=advisor)
    for _ in range(3):
        CaseFactory(member=member, assignee=advisor)
    with CaptureQueriesContext(connection) as large:
        advisor_client.get(url)
    assert len(small.captured_queries) == len(large.captured_queries)


def test_user_text_is_escaped(advisor_client, member):
    case = CaseFactory(member=member, description="<script>alert('x')</script> " * 3)
    html = advisor_client.get(
        reverse("casework:case-detail", kwargs={"pk": case.pk})
    ).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_my_cases_query_count_is_flat(member_client, member, django_assert_num_queries):
    url = reverse("casework:my-case-list")
    member_client.get(url)
    CaseFactory.create_batch(3, member=member)
    with django_assert_num_queries(MY_CASES_QUERIES):
        member_client.get(url)
    CaseFactory.create_batch(6, member=member)
    with django_assert_num_queries(MY_CASES_QUERIES):
        response = member_client.get(url)
    assert len(response.context["cases"]) == 9


# The request's three (session, user, roles) plus the cases and their topics.
MY_CASES_QUERIES = 5


def test_my_cases_come_in_pages_newest_first_at_the_same_cost(
    member_client, member, django_assert_num_queries
):
    url = reverse("casework:my-case-list")
    member_client.get(url)
    start = timezone.now() - timedelta(days=40)
    cases = [
        CaseFactory(member=member, created_at=start + timedelta(days=i))
        for i in range(MY_CASES_PAGE + 5)
    ]
    newest_first = [case.reference for case in reversed(cases)]
    with django_assert_num_queries(MY_CASES_QUERIES):
        first = member_client.get(url)
    with django_assert_num_queries(MY_CASES_QUERIES):
        second = member_client.get(url, {"page": 2})
    assert _my_references(first) == newest_first[:MY_CASES_PAGE]
    assert _my_references(second) == newest_first[MY_CASES_PAGE:]
    assert "Side 1 av 2" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()
    # Another member's cases are never in the count.
    CaseFactory.create_batch(3)
    assert member_client.get(url, {"page": 2}).context["page"].paginator.count == 30


MY_CASES_PAGE = 25


def _my_references(response):
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', response.content.decode())


def test_member_reply_cannot_become_a_note_or_change_the_case(
    member_client, member, assigned_case, other_advisor
):
    member_client.post(
        reverse("casework:my-case-reply", kwargs={"pk": assigned_case.pk}),
        {
            "body": "Mitt svar",
            "kind": "internal_note",
            "status": "closed",
            "assignee": other_advisor.pk,
            "restricted": "on",
        },
    )
    message = assigned_case.messages.get()
    assert (message.kind, message.sender, message.author) == ("reply", "member", member)
    assigned_case.refresh_from_db()
    assert (assigned_case.status, assigned_case.assignee, assigned_case.restricted) == (
        Case.Status.OPEN,
        assigned_case.assignee,
        False,
    )
    assert assigned_case.assignee != other_advisor


# --- Queue paging and search (issue 8) -------------------------------------------------------


def _next_page_url(response):
    html = response.content.decode()
    match = re.search(r'<a class="page-link" href="([^"]+)">Neste</a>', html)
    assert match, "the page links to the next page"
    return reverse("casework:queue") + unescape(match.group(1))


def test_queue_next_page_keeps_the_default_not_resolved_filter(advisor_client, member):
    open_cases = CaseFactory.create_batch(30, member=member)
    for _ in range(5):
        CaseFactory(member=member, status=Case.Status.RESOLVED)
    first = advisor_client.get(reverse("casework:queue"))
    second = advisor_client.get(_next_page_url(first))
    assert second.status_code == 200
    assert second.context["page"].paginator.count == len(open_cases)
    assert {c.status for c in second.context["page"]} == {Case.Status.NEW}
    assert len(second.context["page"]) == 30 - 25


def test_queue_next_page_keeps_the_chosen_filters(advisor_client, member, topics):
    stigma = [CaseFactory(member=member, topics=[topics["stigma"]]) for _ in range(27)]
    CaseFactory.create_batch(3, member=member, topics=[topics["pay_conditions"]])
    CaseFactory(member=member, topics=[topics["stigma"]], status=Case.Status.RESOLVED)
    first = advisor_client.get(
        reverse("casework:queue"), {"topic": topics["stigma"].pk, "status": "all"}
    )
    second = advisor_client.get(_next_page_url(first))
    assert second.context["page"].paginator.count == len(stigma) + 1
    refs = {c.reference for c in first.context["page"]} | {
        c.reference for c in second.context["page"]
    }
    assert refs == set(
        Case.objects.filter(topics=topics["stigma"]).values_list("reference", flat=True)
    )


def test_queue_all_includes_resolved_cases(advisor_client, member):
    resolved = CaseFactory(member=member, status=Case.Status.RESOLVED)
    response = advisor_client.get(reverse("casework:queue"), {"status": "all"})
    assert resolved in list(response.context["page"])
    response = advisor_client.get(reverse("casework:queue"))
    assert resolved not in list(response.context["page"])


def test_exact_reference_goes_straight_to_the_case(advisor_client, member):
    case = CaseFactory(
        member=member, status=Case.Status.CLOSED, outcome="guidance_given", closed_at=timezone.now()
    )
    response = advisor_client.get(
        reverse("casework:queue"), {"reference": f" {case.reference.lower()} ", "status": "all"}
    )
    assert response.status_code == 302
    assert response.url == reverse("casework:case-detail", kwargs={"pk": case.pk})


def test_part_of_a_reference_lists_the_matching_cases(advisor_client, member):
    cases = [CaseFactory(member=member) for _ in range(3)]
    number = cases[1].reference.rsplit("-", 1)[1]
    response = advisor_client.get(reverse("casework:queue"), {"reference": number})
    assert list(response.context["page"]) == [cases[1]]


def _without_tokens(html, reference):
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    return html.replace(reference, "REFERENCE")


def test_hidden_and_unknown_references_get_the_same_not_found(
    advisor_client, colleague_restricted_case, other_member, caplog
):
    hidden = colleague_restricted_case.reference
    unknown = "E-2031-99999"
    url = reverse("casework:queue")
    answers = [
        advisor_client.get(url, {"reference": ref, "status": "all"}) for ref in (hidden, unknown)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert "Ingen sak med saksnummer" in answers[0].content.decode()
    assert _without_tokens(answers[0].content.decode(), hidden) == _without_tokens(
        answers[1].content.decode(), unknown
    )
    denied = [r for r in caplog.records if getattr(r, "event", "") == "access denied"]
    assert [r.object_id for r in denied] == [hidden, unknown]


def test_queue_search_box_is_labelled_and_finds_across_statuses(advisor_client):
    html = advisor_client.get(reverse("casework:queue")).content.decode()
    [search] = re.findall(r'<form[^>]*role="search".*?</form>', html, re.S)
    assert 'name="reference"' in search
    assert re.search(r'<label\s+for="id_reference"', search)
    assert 'name="status" value="all"' in search


# --- Writing to a case (issue 8) -------------------------------------------------------------


def _message_form(html):
    [form] = re.findall(r'<form[^>]*/messages/".*?</form>', html, re.S)
    return form


def test_message_form_has_two_distinct_actions_and_no_default(advisor_client, assigned_case):
    html = advisor_client.get(
        reverse("casework:case-detail", kwargs={"pk": assigned_case.pk})
    ).content.decode()
    form = _message_form(html)
    assert "checked" not in form
    assert 'type="radio"' not in form
    buttons = re.findall(r"<button[^>]*>.*?</button>", form, re.S)
    # Enter in a field clicks the first submit button: it is a disabled one, so Enter does nothing.
    assert "disabled" in buttons[0]
    assert 'name="kind"' not in buttons[0]
    send, note = buttons[1:]
    assert 'value="reply"' in send and "Send til medlemmet" in send
    assert 'value="internal_note"' in note and "Lagre internt notat" in note
    assert 'class="btn btn-primary"' in send and "btn-primary" not in note
    assert 'aria-describedby="send-hint"' in send and 'aria-describedby="note-hint"' in note


def test_message_without_a_chosen_action_is_not_sent(advisor_client, assigned_case, deliver_outbox):
    response = advisor_client.post(
        reverse("casework:case-message", kwargs={"pk": assigned_case.pk}), {"body": "Hei"}
    )
    assert response.status_code == 400
    assert "internt notat" in response.content.decode()
    assert assigned_case.messages.count() == 0
    assert deliver_outbox() == 0


def test_internal_note_button_saves_a_note_and_emails_nobody(
    advisor, member, assigned_case, deliver_outbox
):
    client_for(advisor).post(
        reverse("casework:case-message", kwargs={"pk": assigned_case.pk}),
        {"body": CANARY_NOTE, "kind": "internal_note"},
    )
    assert assigned_case.messages.get().kind == Message.Kind.INTERNAL_NOTE
    assert deliver_outbox() == 0
    page = client_for(member).get(
        reverse("casework:my-case-detail", kwargs={"pk": assigned_case.pk})
    )
    assert CANARY_NOTE not in page.content.decode()


# --- Who opened your case (issue 8) ----------------------------------------------------------


def test_who_opened_your_case_shows_one_line_per_person_per_day(
    member_client, member_case, advisor, other_advisor
):
    advisor.first_name, advisor.last_name = "Rita", "Rådgiver"
    advisor.save()
    url = reverse("casework:case-detail", kwargs={"pk": member_case.pk})

    def opens(user, moment, times=1):
        with time_machine.travel(moment, tick=False):
            client = client_for(user)  # a fresh session: hours pass between the visits
            for _ in range(times):
                assert client.get(url).status_code == 200

    # 23:30 UTC on 1 December is 00:30 on 2 December in Oslo.
    opens(advisor, "2026-12-01T23:30:00+00:00")
    opens(advisor, "2026-12-02T09:00:00+00:00")
    opens(other_advisor, "2026-12-02T10:00:00+00:00")
    opens(advisor, "2026-12-02T14:00:00+00:00")
    opens(advisor, "2026-12-03T08:00:00+00:00", times=2)
    page = member_client.get(reverse("casework:my-case-detail", kwargs={"pk": member_case.pk}))
    html = page.content.decode()
    [table] = re.findall(r"<table.*?</table>", html, re.S)
    rows = [
        [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    ]
    assert rows == [
        ["Rita Rådgiver", "3. desember 2026", "09:00 (2 ganger)"],
        ["Rita Rådgiver", "2. desember 2026", "00:30\u201315:00 (3 ganger)"],
        [other_advisor.get_full_name(), "2. desember 2026", "11:00"],
    ]


# --- Saved queue filter (issue 13) ----------------------------------------------------------


def test_advisor_saves_a_filter_and_the_queue_opens_with_it(advisor, other_advisor, member, topics):
    stigma = CaseFactory(member=member, topics=[topics["stigma"]], priority=4)
    CaseFactory(member=member, topics=[topics["pay_conditions"]])
    client = client_for(advisor)
    url = reverse("casework:queue")
    response = client.post(
        reverse("casework:queue-save-filter"),
        {"topic": topics["stigma"].pk, "status": "all", "reference": "E-2026", "page": "3"},
    )
    assert response.status_code == 302
    opened = client.get(url)
    assert opened.status_code == 302
    assert "reference" not in opened.url and "page" not in opened.url
    assert [c.reference for c in client.get(opened.url).context["page"]] == [stigma.reference]
    # Another advisor's queue is not affected.
    assert client_for(other_advisor).get(url).status_code == 200
    client.post(reverse("casework:queue-save-filter"), {"forget": "1"})
    assert client.get(url).status_code == 200


def test_saved_filter_page_offers_to_save_what_is_shown(advisor_client, topics):
    html = advisor_client.get(
        reverse("casework:queue"), {"topic": topics["stigma"].pk, "overdue": "on"}
    ).content.decode()
    [form] = re.findall(r'<form[^>]*/queue/save-filter/".*?</form>', html, re.S)
    assert f'name="topic" value="{topics["stigma"].pk}"' in form
    assert 'name="overdue"' in form
    assert "csrfmiddlewaretoken" in form


def test_saving_an_unknown_filter_is_refused(advisor_client):
    response = advisor_client.post(reverse("casework:queue-save-filter"), {"status": "bogus"})
    assert response.status_code == 400


# --- What the writes cost (issue 14) ----------------------------------------------------------

# The request's three (session, user, roles) and the topics; then, in one transaction, the
# next reference, the profile's strata, the case, its topics, the audit row and the outbox
# row; and the session, which keeps the confirmation. Plus the transaction's two statements
# (savepoints here, BEGIN and COMMIT in production).
GUIDANCE_POST_QUERIES = 13
# The request's three and the case (not its topics: nothing after the reply shows them); in
# one transaction the case under a row lock (two advisors must not overwrite each other),
# the message, the case's first response, the audit row and the outbox row; the session,
# which keeps the confirmation. A reply cannot take the case away from the advisor, so no
# second look at access. Plus the transaction's two: 10 + 2, issue 14's "at most 12".
REPLY_POST_QUERIES = 12


def test_guidance_request_costs_thirteen_statements(
    member_client, member, topics, django_assert_num_queries
):
    member_client.get(reverse("casework:request-guidance"))
    data = {"topics": [topics["unclear_role"].pk], "description": CANARY_DESCRIPTION}
    with django_assert_num_queries(GUIDANCE_POST_QUERIES):
        response = member_client.post(reverse("casework:request-guidance"), data)
    case = Case.objects.get(member=member)
    assert response["Location"] == reverse("casework:my-case-detail", kwargs={"pk": case.pk})
    # A second request the same year takes the next number, in the same number of statements.
    with django_assert_num_queries(GUIDANCE_POST_QUERIES):
        member_client.post(reverse("casework:request-guidance"), data)
    year = timezone.localdate().year
    assert sorted(Case.objects.values_list("reference", flat=True)) == [
        f"E-{year}-00001",
        f"E-{year}-00002",
    ]


def test_advisor_reply_costs_twelve_statements(
    advisor_client, assigned_case, django_assert_num_queries
):
    url = reverse("casework:case-detail", kwargs={"pk": assigned_case.pk})
    advisor_client.get(url)
    with django_assert_num_queries(REPLY_POST_QUERIES):
        response = advisor_client.post(
            reverse("casework:case-message", kwargs={"pk": assigned_case.pk}),
            {"kind": "reply", "body": "Vi ringer deg i morgen."},
        )
    assert response["Location"] == url
    assert assigned_case.messages.get().body == "Vi ringer deg i morgen."


def test_case_page_lists_the_members_ten_latest_other_cases_at_the_same_cost(
    advisor_client, assigned_case, member, advisor, django_assert_num_queries
):
    url = reverse("casework:case-detail", kwargs={"pk": assigned_case.pk})
    now = timezone.now()
    others = [
        CaseFactory(member=member, assignee=advisor, created_at=now - timezone.timedelta(days=n))
        for n in range(1, 3)
    ]
    advisor_client.get(url)
    with django_assert_num_queries(CASE_PAGE_QUERIES) as few:
        response = advisor_client.get(url)
    assert [other.reference for other in others] == _related_references(response)
    assert "Bare de ti siste vises." not in response.content.decode()

    others += [
        CaseFactory(member=member, assignee=advisor, created_at=now - timezone.timedelta(days=n))
        for n in range(3, 15)
    ]
    with django_assert_num_queries(len(few.captured_queries)):
        response = advisor_client.get(url)
    assert _related_references(response) == [other.reference for other in others[:10]]
    assert "Bare de ti siste vises." in response.content.decode()


def _related_references(response):
    section = response.content.decode().split('id="related-heading"')[1].split("</section>")[0]
    return re.findall(r">(E-\d{4}-\d+)</a>", section)


# The request's three, the case and its topics, the opening's audit row, the member's profile
# and membership (one query), the messages and their files, the other cases (the advisors
# to assign to are kept for a minute: core.kept).
CASE_PAGE_QUERIES = 9
