import pytest
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from core.models import OutboxMessage
from members import factories
from surveys.tasks import build_report

pytestmark = pytest.mark.slow


@override_settings(DEBUG=True)
def test_seed_demo_builds_a_working_demo_once(
    client, db, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(build_report, "delay", queued.append)
    with django_capture_on_commit_callbacks() as published:
        call_command("seed_demo")
    # For the worker, only the three closed editions' reports (too slow to build while
    # seeding). The notifications queued while seeding were dropped: publishing their ids
    # would have flooded its console with tasks that send nothing.
    assert len(published) == 3
    for callback in published:
        callback()
    assert sorted(queued) == [2020, 2021, 2022]

    users = get_user_model().objects
    member = users.get(email="medlem@erfaring.example")
    advisor = users.get(email="radgiver@erfaring.example")
    admin = users.get(email="admin@erfaring.example")
    assert not is_mfa_enabled(member)
    assert is_mfa_enabled(advisor)
    assert is_mfa_enabled(admin)
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists()

    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": factories.DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200

    count = users.count()
    call_command("seed_demo", "--if-empty")
    assert users.count() == count


def test_seed_demo_refuses_to_run_in_production(db):
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_demo")
