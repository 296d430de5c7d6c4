"""An inquiry is never lost because Redis or a worker is down (SECURITY.md H1)."""

import time

import pytest
from django.core import mail
from django.urls import reverse

from casework.models import Case
from core.models import OutboxMessage

from .conftest import CANARY_DESCRIPTION


@pytest.mark.usefixtures("dead_broker")
def test_request_is_saved_with_redis_down_and_mailed_later(
    member_client, topics, django_capture_on_commit_callbacks, deliver_outbox
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = member_client.post(
            reverse("casework:request-guidance"),
            {"topics": [topics["stigma"].pk], "description": CANARY_DESCRIPTION},
        )
    assert response.status_code == 302
    assert time.monotonic() - started < 3.0
    assert len(callbacks) == 1  # the confirmation's publish was tried and failed quietly
    case = Case.objects.get()
    assert response["Location"] == reverse("casework:my-case-detail", kwargs={"pk": case.pk})
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING
    assert mail.outbox == []
    assert deliver_outbox() == 1
    assert CANARY_DESCRIPTION not in mail.outbox[0].body


@pytest.mark.parametrize(
    "description", ["\x00" * 30, "💥" * 6000, "<img src=x onerror=alert(1)>" * 3, "a" * 1_000_000]
)
def test_hostile_input_gets_a_message_never_a_500(member_client, topics, description):
    response = member_client.post(
        reverse("casework:request-guidance"),
        {"topics": [topics["stigma"].pk], "description": description, "safe_contact": "\x00"},
    )
    assert response.status_code in (302, 400)
    assert "<img src=x" not in response.content.decode()
