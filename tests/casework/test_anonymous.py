"""Asking without an account: a reference and a one-time secret, no oracle for guessers, a
throttle after five wrong tries, and nothing about the visitor kept."""

import logging
import re

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse

from casework import services
from casework.models import Case, Message, Topic

from .conftest import client_for

VISITOR_IP = "203.0.113.77"
VISITOR_AGENT = "CanaryBrowser/9.9 (visitor-agent-3c1f)"
DESCRIPTION = "Jeg får lavere lønn enn det som ble lovet, og tør ikke si fra til lederen min."


def _visitor(ip=VISITOR_IP):
    return Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=VISITOR_AGENT)


def _ask(client, **extra):
    pay = Topic.objects.get(code="pay_conditions")
    return client.post(
        reverse("casework:anonymous-inquiry"),
        {"topics": [pay.pk], "description": DESCRIPTION, **extra},
    )


def _reference_and_secret(response):
    html = response.content.decode()
    reference = re.search(r'data-testid="anonymous-reference">([^<]+)<', html).group(1)
    secret = re.search(r'data-testid="anonymous-secret">([^<]+)<', html).group(1)
    return reference, secret


def _check(client, reference, secret):
    return client.post(
        reverse("casework:anonymous-check"), {"reference": reference, "secret": secret}
    )


@pytest.fixture
def asked(db):
    """(reference, secret) of an anonymous inquiry just sent."""
    return _reference_and_secret(_ask(_visitor()))


def test_visitor_asks_reads_the_reply_with_the_secret_and_answers(asked, advisor):
    reference, secret = asked
    case = Case.objects.get(reference=reference)
    assert case.requester_kind == Case.RequesterKind.ANONYMOUS
    assert case.member is None
    services.assign_case(case=case, actor=advisor, assignee=advisor)
    services.post_advisor_message(
        case=case, advisor=advisor, kind="reply", body="Ta kontakt med fagforeningen din."
    )
    services.post_advisor_message(
        case=case, advisor=advisor, kind="internal_note", body="CANARY-NOTE-anon-55"
    )

    visitor = _visitor()
    response = _check(visitor, reference, secret.lower().replace("-", " "))
    assert response.status_code == 302
    page = visitor.get(response["Location"])
    html = page.content.decode()
    assert "Ta kontakt med fagforeningen din." in html
    assert "CANARY-NOTE-anon-55" not in html

    answer = visitor.post(reverse("casework:anonymous-case"), {"body": "Takk, det skal jeg gjøre."})
    assert answer.status_code == 302
    reply = Message.objects.filter(case=case, sender="member").get()
    assert reply.author is None
    assert reply.body == "Takk, det skal jeg gjøre."


def test_the_secret_is_stored_only_as_a_hash(asked):
    reference, secret = asked
    case = Case.objects.get(reference=reference)
    assert case.visitor_secret_hash.startswith("argon2")
    assert secret not in case.visitor_secret_hash
    assert secret.replace("-", "") not in case.visitor_secret_hash


def _without_token(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_a_wrong_secret_gets_the_same_answer_as_an_unknown_reference(asked):
    reference, secret = asked
    wrong_secret = _check(_visitor("198.51.100.1"), reference, "AAAAA-BBBBB-CCCCC-DDDDD")
    unknown = _check(_visitor("198.51.100.2"), "E-2026-99999", secret)

    assert wrong_secret.status_code == unknown.status_code == 400
    assert _without_token(wrong_secret).replace(reference, "E-2026-99999") == _without_token(
        unknown
    )


def test_five_wrong_tries_for_a_reference_block_it_even_from_other_addresses(asked):
    reference, secret = asked
    for n in range(5):
        assert _check(_visitor(f"198.51.100.{n}"), reference, "WRONG").status_code == 400

    blocked = _check(_visitor("198.51.100.99"), reference, secret)

    assert blocked.status_code == 429
    assert "anonymous-case" not in blocked.get("Location", "")


def test_five_wrong_tries_from_one_client_block_it_for_every_reference(asked):
    reference, secret = asked
    guesser = _visitor("198.51.100.7")
    for n in range(5):
        assert _check(guesser, f"E-2026-{90000 + n}", "WRONG").status_code == 400

    assert _check(guesser, reference, secret).status_code == 429
    # Another visitor with the right secret is not held back by the guesser.
    assert _check(_visitor("198.51.100.8"), reference, secret).status_code == 302


def test_without_the_secret_the_case_page_sends_you_to_the_check(asked):
    response = _visitor().get(reverse("casework:anonymous-case"))
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:anonymous-check")


def test_leaving_ends_the_access_on_this_device(asked):
    reference, secret = asked
    visitor = _visitor()
    _check(visitor, reference, secret)
    visitor.post(reverse("casework:anonymous-case"), {"leave": "1"})
    assert visitor.get(reverse("casework:anonymous-case")).status_code == 302


def _everything_stored():
    """Every value in every table of ours and Django's, the cache and decoded sessions."""
    texts = []
    for model in apps.get_models():
        for row in model.objects.all():
            for field in model._meta.concrete_fields:
                texts.append(str(getattr(row, field.attname)))
    for session in Session.objects.all():
        texts.append(str(session.get_decoded()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM erfaring_cache")
        texts.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(texts)


def test_nothing_about_the_visitor_is_stored_or_logged(db, advisor, caplog):
    visitor = _visitor()
    with caplog.at_level(logging.DEBUG):
        reference, secret = _reference_and_secret(_ask(visitor))
        _check(visitor, reference, "WRONG")
        _check(visitor, reference, secret)
        visitor.post(reverse("casework:anonymous-case"), {"body": "Et svar fra meg."})

    stored = _everything_stored()
    logged = "\n".join(
        record.getMessage() + " " + str(record.__dict__) for record in caplog.records
    )
    for trace in (VISITOR_IP, VISITOR_AGENT, "CanaryBrowser", secret):
        assert trace not in stored
        assert trace not in logged
    case = Case.objects.get(reference=reference)
    assert not case.contact_email


def test_an_email_is_kept_only_when_given(db):
    reference, _secret = _reference_and_secret(
        _ask(_visitor(), contact_email="jeg@example.org", safe_contact="Bare e-post.")
    )
    assert Case.objects.get(reference=reference).contact_email == "jeg@example.org"


def test_the_advisor_sees_the_inquiry_as_anonymous(asked, advisor):
    reference, _secret = asked
    case = Case.objects.get(reference=reference)
    html = client_for(advisor).get(reverse("casework:case-detail", kwargs={"pk": case.pk}))
    assert html.status_code == 200
    assert "Anonym" in html.content.decode()
    assert case.requester_display in ("Anonym", "Anonymous")


def test_many_inquiries_from_one_client_are_throttled(db):
    visitor = _visitor("198.51.100.50")
    for _n in range(5):
        assert _ask(visitor).status_code == 200
    assert _ask(visitor).status_code == 429
    assert Case.objects.count() == 5


def test_the_home_page_links_anonymous_visitors_to_the_form(client, db):
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("casework:anonymous-inquiry") in html
    assert reverse("casework:anonymous-check") in html


def test_an_unknown_reference_takes_as_long_as_a_wrong_secret(asked):
    """Both do the same password-hash work, so timing tells a guesser nothing about which
    references exist (medians, with a wide margin for a busy machine)."""
    import statistics
    import time

    reference, _secret = asked

    def median_seconds(ref):
        times = []
        for _n in range(7):
            started = time.perf_counter()
            assert services.find_anonymous_case(reference=ref, secret="WRONG-SECRET") is None
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    services.find_anonymous_case(reference="E-2026-99999", secret="warm-up")
    known, unknown = median_seconds(reference), median_seconds("E-2026-99999")
    assert 1 / 3 < unknown / known < 3


def test_the_visitor_downloads_the_advisors_file_but_never_a_notes(asked, advisor):
    from casework.models import Attachment

    from . import files

    reference, secret = asked
    case = Case.objects.get(reference=reference)
    services.post_advisor_message(
        case=case,
        advisor=advisor,
        kind="reply",
        body="Her er en mal for brevet.",
        files=[files.upload(files.pdf(), "mal.pdf")],
    )
    services.post_advisor_message(
        case=case,
        advisor=advisor,
        kind="internal_note",
        body="Notat.",
        files=[files.upload(files.png(), "notat.png")],
    )
    reply_file = Attachment.objects.get(message__kind="reply")
    note_file = Attachment.objects.get(message__kind="internal_note")

    def url(attachment):
        return reverse("casework:anonymous-attachment", kwargs={"attachment_pk": attachment.pk})

    stranger = _visitor("198.51.100.200")
    assert stranger.get(url(reply_file)).status_code == 404
    visitor = _visitor()
    _check(visitor, reference, secret)
    assert "mal.pdf" in visitor.get(reverse("casework:anonymous-case")).content.decode()
    download = visitor.get(url(reply_file))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == files.pdf()
    assert download["Content-Disposition"].startswith("attachment;")
    assert visitor.get(url(note_file)).status_code == 404


def test_an_advisor_cannot_register_an_inquiry_as_anonymous(advisor, topics):
    response = client_for(advisor).post(
        reverse("casework:register-inquiry"),
        {
            "requester_kind": "anonymous",
            "channel": "phone",
            "topics": [topics["other"].pk],
            "description": DESCRIPTION,
            "contact_name": "Noen",
            "contact_phone": "+47 400 00 000",
            "priority": 2,
        },
    )
    assert response.status_code == 400
    assert not Case.objects.exists()
