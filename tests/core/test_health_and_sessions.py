import logging
from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.tasks import record_worker_heartbeat
from members import factories

# The idle timeout is renewed by the once-a-minute session rewrite: keep its real clock.
pytestmark = pytest.mark.session_clock


def test_health_reports_each_part(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"database": "up", "broker": "up", "worker": "unknown"}

    record_worker_heartbeat()
    assert client.get(reverse("health")).json()["worker"] == "up"
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert client.get(reverse("health")).json()["worker"] == "down"


@pytest.mark.usefixtures("dead_broker")
def test_health_stays_ready_when_broker_is_down_and_alerts(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="erfaring.alerts"):
        response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["broker"] == "down"
    assert any("broker" in record.getMessage() for record in caplog.records)


@pytest.mark.usefixtures("dead_broker")
def test_login_works_with_broker_down(client, member):
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def _login(email):
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": email, "password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


def _is_logged_in(client):
    response = client.get(reverse("account_email"))
    return response.status_code == 200


def test_login_gives_a_new_session_key_and_logout_kills_it(member):
    client = Client()
    client.get(reverse("account_login"))
    anonymous_key = client.cookies.get("sessionid")
    client.post(
        reverse("account_login"), {"login": member.email, "password": factories.DEFAULT_PASSWORD}
    )
    key = client.cookies["sessionid"].value
    assert anonymous_key is None or anonymous_key.value != key

    client.post(reverse("account_logout"))
    replay = Client()
    replay.cookies["sessionid"] = key
    assert not _is_logged_in(replay)


def test_idle_session_expires_after_30_minutes(member):
    client = _login(member.email)
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False):
        assert _is_logged_in(client)
    with time_machine.travel(timezone.now() + timedelta(minutes=55), tick=False):
        assert not _is_logged_in(client)


def test_active_session_ends_after_12_hours(member):
    client = _login(member.email)
    now = timezone.now()
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(now + timedelta(minutes=minutes), tick=False):
            assert _is_logged_in(client), minutes
    with time_machine.travel(now + timedelta(hours=12, minutes=5), tick=False):
        assert not _is_logged_in(client)


def test_password_change_ends_the_other_sessions(member):
    laptop = _login(member.email)
    phone = _login(member.email)
    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": factories.DEFAULT_PASSWORD,
            "password1": "a brand new passphrase",
            "password2": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert _is_logged_in(laptop)
    assert not _is_logged_in(phone)


def test_member_can_end_another_session(member):
    laptop = _login(member.email)
    phone = _login(member.email)
    assert UserSession.objects.filter(user=member).count() == 2
    response = laptop.post(reverse("usersessions_list"), {"action": "logout"})
    assert response.status_code in (200, 302)
    assert _is_logged_in(laptop)
    assert not _is_logged_in(phone)
