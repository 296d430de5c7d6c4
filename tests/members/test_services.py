from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from core.models import AuditEvent, OutboxMessage
from members import factories, services
from members.models import Consent, Membership, Profile

OSLO = ZoneInfo("Europe/Oslo")


def at(year, month, day, hour=12):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=OSLO), tick=False)


def data(**overrides):
    from members.models import Municipality

    bergen = Municipality.objects.select_related("county").get(code="4601")
    values = {
        "county": bergen.county,
        "municipality": bergen,
        "employer_type": "nav",
        "field": "substance_use",
        "position_percent": 50,
        "contract_type": "permanent",
        "training_completed": None,
        "union_member": True,
        "user_representative": False,
        "year_started": 2018,
    }
    values.update(overrides)
    return values


def test_application_stores_profile_consent_version_and_time_and_waits(person):
    with at(2026, 3, 2):
        membership = services.submit_application(user=person, data=data(), consent=True)
    assert membership.status == Membership.Status.PENDING
    consent = Consent.objects.get(user=person)
    assert consent.version == "2026-1"
    assert consent.given_at == datetime(2026, 3, 2, 12, tzinfo=OSLO)
    assert Profile.objects.get(user=person).employer_type == "nav"


def test_application_without_consent_stores_nothing(person):
    with pytest.raises(ValidationError):
        services.submit_application(user=person, data=data(), consent=False)
    assert not Profile.objects.filter(user=person).exists()
    assert not Membership.objects.filter(user=person).exists()
    assert not Consent.objects.exists()


def test_municipality_in_another_county_is_refused_and_nothing_stored(person):
    from members.models import County

    with pytest.raises(ValidationError) as error:
        services.submit_application(
            user=person, data=data(county=County.objects.get(code="03")), consent=True
        )
    assert "municipality" in error.value.message_dict
    assert not Profile.objects.exists() and not Membership.objects.exists()


def test_approval_starts_a_calendar_year_period_and_tells_the_applicant_without_content(
    admin_user, deliver_outbox
):
    applicant = factories.applicant(email="applicant@example.org")
    membership = applicant.membership
    with at(2026, 3, 2):
        services.approve_membership(membership=membership, actor=admin_user)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert (membership.period_start, membership.period_end) == (
        date(2026, 3, 2),
        date(2026, 12, 31),
    )
    assert membership.member_since == date(2026, 3, 2)
    assert deliver_outbox() == 1
    [email] = mail.outbox
    assert email.to == ["applicant@example.org"]
    text = (email.subject + email.body).lower()
    assert "http://127.0.0.1:8000/members/profile/" in email.body
    for word in ("approved", "godkjent", "membership", "medlemskap", "bergen", "nav"):
        assert word not in text
    assert AuditEvent.objects.filter(action="membership.approved", subject=applicant).count() == 1


def test_period_length_is_configurable(settings, admin_user):
    settings.MEMBERSHIP_PERIOD_MONTHS = 12
    membership = factories.applicant().membership
    with at(2026, 3, 2):
        services.approve_membership(membership=membership, actor=admin_user)
    membership.refresh_from_db()
    assert membership.period_end == date(2027, 3, 1)


def test_rejection_needs_a_reason_and_keeps_it_for_the_applicant(admin_user, deliver_outbox):
    membership = factories.applicant().membership
    with pytest.raises(ValidationError):
        services.reject_membership(membership=membership, actor=admin_user, reason="  ")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING
    services.reject_membership(membership=membership, actor=admin_user, reason="Not a peer worker")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REJECTED
    assert membership.rejection_reason == "Not a peer worker"
    assert deliver_outbox() == 1
    assert "Not a peer worker" not in mail.outbox[0].body


def test_an_approved_membership_cannot_be_approved_again(admin_user):
    user = factories.active_member()
    with pytest.raises(ValidationError):
        services.approve_membership(membership=user.membership, actor=admin_user)


def _member_ending(end, **kwargs):
    return factories.active_member(
        period_start=end.replace(month=1, day=1), period_end=end, **kwargs
    ).membership


def test_nightly_job_moves_active_to_grace_to_lapsed_and_is_idempotent():
    ends_2026 = _member_ending(date(2026, 12, 31))
    ends_2027 = _member_ending(date(2027, 12, 31))
    pending = factories.applicant().membership

    with at(2026, 12, 31, hour=23):
        assert services.update_membership_statuses() == 0
    with at(2027, 1, 1, hour=0):
        assert services.update_membership_statuses() == 1
        events = AuditEvent.objects.count()
        assert services.update_membership_statuses() == 0
        assert AuditEvent.objects.count() == events
    ends_2026.refresh_from_db()
    assert ends_2026.status == Membership.Status.GRACE
    with at(2027, 1, 30):  # the 30th day after the end: still grace
        services.update_membership_statuses()
    ends_2026.refresh_from_db()
    assert ends_2026.status == Membership.Status.GRACE
    with at(2027, 1, 31):
        assert services.update_membership_statuses() == 1
        assert services.update_membership_statuses() == 0
    for membership, status in (
        (ends_2026, Membership.Status.LAPSED),
        (ends_2027, Membership.Status.ACTIVE),
        (pending, Membership.Status.PENDING),
    ):
        membership.refresh_from_db()
        assert membership.status == status


def test_nightly_job_that_missed_the_grace_period_lapses_directly():
    membership = _member_ending(date(2026, 12, 31))
    with at(2027, 6, 1):
        services.update_membership_statuses()
    membership.refresh_from_db()
    assert membership.status == Membership.Status.LAPSED


def _run_reminders_daily(start, end):
    """Run the nightly job and the reminders every day from start to end (inclusive);
    return {day: number queued}."""
    sent = {}
    day = start
    while day <= end:
        with at(day.year, day.month, day.day, hour=8):
            services.update_membership_statuses()
            count = services.send_renewal_reminders()
        if count:
            sent[day] = count
        day += timedelta(days=1)
    return sent


def test_reminders_go_30_and_7_days_before_and_14_days_after_the_end_once_each(deliver_outbox):
    membership = _member_ending(date(2026, 12, 31), user_kwargs={"email": "renew@example.org"})
    sent = _run_reminders_daily(date(2026, 11, 20), date(2027, 2, 10))
    assert sent == {date(2026, 12, 1): 1, date(2026, 12, 24): 1, date(2027, 1, 14): 1}
    keys = set(OutboxMessage.objects.values_list("dedupe_key", flat=True))
    assert keys == {
        f"members:renewal:{membership.pk}:2026-12-31:{offset}" for offset in (-30, -7, 14)
    }
    with at(2027, 2, 11):
        assert deliver_outbox() == 3
    assert {tuple(m.to) for m in mail.outbox} == {("renew@example.org",)}
    # Running a day again sends nothing twice.
    with at(2026, 12, 24, hour=20):
        assert services.send_renewal_reminders() == 0


def test_reminders_stop_once_renewed():
    membership = _member_ending(date(2026, 12, 31))
    _run_reminders_daily(date(2026, 11, 30), date(2026, 12, 2))
    with at(2026, 12, 5):
        services.renew_membership(user=membership.user)
    sent = _run_reminders_daily(date(2026, 12, 3), date(2027, 1, 31))
    assert sent == {}
    assert OutboxMessage.objects.count() == 1


def test_reminders_skip_pending_rejected_cancelled_and_lapsed_people():
    _member_ending(date(2026, 12, 31), status=Membership.Status.LAPSED)
    factories.applicant()
    cancelled = _member_ending(date(2026, 12, 31))
    services.withdraw_consent(user=cancelled.user)
    sent = _run_reminders_daily(date(2026, 11, 25), date(2027, 1, 20))
    assert sent == {}


def test_a_job_that_missed_days_sends_only_the_latest_due_reminder():
    _member_ending(date(2026, 12, 31))
    with at(2026, 12, 26):  # -30 was due on 1 December, -7 on the 24th
        assert services.send_renewal_reminders() == 1
    assert OutboxMessage.objects.get().dedupe_key.endswith(":-7")


def test_renewal_extends_by_a_period_from_the_old_end_date():
    membership = _member_ending(date(2026, 12, 31))
    # Too early: outside the renewal window.
    with at(2026, 9, 1), pytest.raises(ValidationError):
        services.renew_membership(user=membership.user)
    with at(2026, 12, 1):
        services.renew_membership(user=membership.user)
    membership.refresh_from_db()
    assert (membership.period_start, membership.period_end) == (
        date(2027, 1, 1),
        date(2027, 12, 31),
    )
    assert membership.status == Membership.Status.ACTIVE


def test_renewal_in_grace_makes_the_membership_active_again():
    membership = _member_ending(date(2026, 12, 31))
    with at(2027, 1, 10):
        services.update_membership_statuses()
        services.renew_membership(user=membership.user)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert membership.period_end == date(2027, 12, 31)


def test_lapsed_membership_cannot_be_renewed_but_can_apply_again():
    membership = _member_ending(date(2025, 12, 31), status=Membership.Status.LAPSED)
    with at(2026, 12, 1), pytest.raises(ValidationError):
        services.renew_membership(user=membership.user)
    assert services.can_apply(membership)


def test_imported_member_without_consent_must_consent_to_renew():
    membership = _member_ending(date(2026, 12, 31))
    Consent.objects.filter(user=membership.user).delete()
    with at(2026, 12, 1):
        with pytest.raises(ValidationError):
            services.renew_membership(user=membership.user)
        services.renew_membership(user=membership.user, consent=True)
    assert Consent.objects.filter(user=membership.user, withdrawn_at__isnull=True).exists()


def test_withdrawing_consent_deletes_the_profile_and_cancels_the_membership():
    user = factories.active_member()
    services.withdraw_consent(user=user)
    assert not Profile.objects.filter(user=user).exists()
    user.membership.refresh_from_db()
    assert user.membership.status == Membership.Status.CANCELLED
    consent = Consent.objects.get(user=user)
    assert consent.withdrawn_at is not None
    assert AuditEvent.objects.filter(action="consent.withdrawn", subject=user).count() == 1


def test_profiles_of_lapsed_and_rejected_people_are_purged_after_the_retention_period(
    admin_user,
):
    lapsed = _member_ending(date(2025, 12, 31))
    renewed = _member_ending(date(2026, 12, 31))
    rejected = factories.applicant().membership
    with at(2026, 1, 10):
        services.reject_membership(membership=rejected, actor=admin_user, reason="No")
    with at(2026, 2, 1):
        services.update_membership_statuses()
    with at(2027, 1, 9):
        assert services.purge_expired_profiles() == 0
    with at(2027, 1, 11):
        assert services.purge_expired_profiles() == 1  # the rejected applicant
    with at(2027, 1, 31):
        assert services.purge_expired_profiles() == 1  # the lapsed member
        assert services.purge_expired_profiles() == 0
    assert list(Profile.objects.values_list("user_id", flat=True)) == [renewed.user_id]
    assert Membership.objects.get(pk=lapsed.pk).status == Membership.Status.LAPSED


def test_renewal_reminders_say_renew_and_by_when(deliver_outbox):
    _member_ending(date(2026, 12, 31), user_kwargs={"email": "renew@example.org"})
    with at(2026, 12, 1, hour=8):
        assert services.send_renewal_reminders() == 1
    with at(2027, 1, 14, hour=8):
        services.update_membership_statuses()
        assert services.send_renewal_reminders() == 1
    with at(2027, 1, 15):
        assert deliver_outbox() == 2
    before, after = mail.outbox
    assert before.subject == "Erfaring: forny innen 31. desember 2026"
    assert "varer til 31. desember 2026" in before.body
    assert after.subject == "Erfaring: forny innen 30. januar 2027"
    assert "gikk ut 31. desember 2026" in after.body
    for email in (before, after):
        assert "http://127.0.0.1:8000/members/renew/" in email.body


@pytest.mark.parametrize(
    ("approved", "end"),
    [
        (date(2026, 11, 1), date(2026, 12, 31)),
        (date(2026, 11, 2), date(2027, 12, 31)),  # the last 60 days of the year
        (date(2026, 12, 31), date(2027, 12, 31)),
    ],
)
def test_approval_late_in_the_year_is_a_membership_through_the_next_year(admin_user, approved, end):
    membership = factories.applicant().membership
    with at(approved.year, approved.month, approved.day):
        services.approve_membership(membership=membership, actor=admin_user)
    membership.refresh_from_db()
    assert (membership.period_start, membership.period_end) == (approved, end)


def test_late_approval_rule_can_be_switched_off(admin_user, settings):
    settings.MEMBERSHIP_LATE_APPROVAL_DAYS = 0
    membership = factories.applicant().membership
    with at(2026, 12, 20):
        services.approve_membership(membership=membership, actor=admin_user)
    membership.refresh_from_db()
    assert membership.period_end == date(2026, 12, 31)


def test_application_sends_a_receipt_naming_no_details(person, deliver_outbox):
    with at(2026, 3, 2):
        services.submit_application(user=person, data=data(), consent=True)
    assert deliver_outbox() == 1
    [email] = mail.outbox
    assert email.to == [person.email]
    assert email.subject == "Vi har mottatt søknaden din"
    for word in ("bergen", "nav", "rus"):
        assert word not in (email.subject + email.body).lower()


# --- Changing an account's email address ----------------------------------------------------


def test_an_administrator_changing_an_email_address_is_told_to_both_addresses(
    admin_user, rf, deliver_outbox
):
    from allauth.core.context import request_context

    advisor = factories.advisor_user(email="radgiver@example.org")
    advisor = type(advisor).objects.get(pk=advisor.pk)
    request = rf.post("/admin/")
    request.user = admin_user

    with request_context(request):
        advisor.email = "takeover@attacker.example"
        advisor.save()

    deliver_outbox()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "radgiver@example.org",
        "takeover@attacker.example",
    ]
    for message in mail.outbox:
        assert "radgiver@example.org" in message.body
        assert "takeover@attacker.example" in message.body
    event = AuditEvent.objects.get(action="members.email.changed")
    assert (event.actor, event.subject) == (admin_user, advisor)


def test_saving_a_user_without_changing_the_address_sends_nothing(member):
    member = type(member).objects.get(pk=member.pk)
    queued = OutboxMessage.objects.count()
    member.first_name = "Nytt"
    member.save()
    member.email = member.email.upper()  # the same mailbox
    member.save()

    assert OutboxMessage.objects.count() == queued
    assert not AuditEvent.objects.filter(action="members.email.changed").exists()


def test_a_password_set_by_an_administrator_is_told_to_the_person(admin_user, rf, deliver_outbox):
    from allauth.core.context import request_context

    advisor = factories.advisor_user(email="radgiver@example.org")
    advisor = type(advisor).objects.get(pk=advisor.pk)
    request = rf.post("/admin/")
    request.user = admin_user

    with request_context(request):
        advisor.set_password("chosen-by-the-administrator")
        advisor.save()

    deliver_outbox()
    (message,) = mail.outbox
    assert message.to == ["radgiver@example.org"]
    assert "/accounts/password/reset/" in message.body
    event = AuditEvent.objects.get(action="members.password.changed")
    assert (event.actor, event.subject) == (admin_user, advisor)


def test_a_first_password_or_a_rehash_of_the_same_one_tells_nobody(member):
    invited = factories.UserFactory(email="invited@example.org")
    invited.set_unusable_password()
    invited.save()
    member, invited = (type(user).objects.get(pk=user.pk) for user in (member, invited))
    queued = OutboxMessage.objects.count()

    invited.set_password("the-first-password-of-mine")  # accepting an import invitation
    invited.save()
    member.set_password(factories.DEFAULT_PASSWORD)  # Django's rehash on login
    member.save(update_fields=["password"])

    assert OutboxMessage.objects.count() == queued
    assert not AuditEvent.objects.filter(action="members.password.changed").exists()
