import dataclasses

from members import factories, selectors
from members.models import EmployerType, Membership
from members.regions import REGION_BY_COUNTY, Region


def test_strata_are_short_stable_codes(db):
    user = factories.active_member(
        profile={"employer_type": "nav", "union_member": True, "user_representative": None}
    )
    assert selectors.breakdown_strata_for(user) == {
        "region": "vest",
        "county": "46",
        "employer_type": "nav",
        "field": "both",
        "union_member": "yes",
        "user_representative": "",
        "contract_type": "permanent",
        "training_completed": "yes",
    }


def test_strata_are_empty_without_a_profile(person):
    strata = selectors.breakdown_strata_for(person)
    assert set(strata) == set(selectors.STRATA_KEYS) and set(strata.values()) == {""}


def test_every_2024_county_has_a_region(db):
    from members.models import County

    assert set(County.objects.values_list("code", flat=True)) == set(REGION_BY_COUNTY)
    assert set(REGION_BY_COUNTY.values()) == set(Region)


def test_active_member_users_are_active_and_grace_only(db):
    active = factories.active_member()
    grace = factories.active_member(status=Membership.Status.GRACE)
    factories.active_member(status=Membership.Status.LAPSED)
    factories.applicant()
    factories.UserFactory()
    assert set(selectors.active_member_users()) == {active, grace}


def test_member_summary_holds_no_salary_or_survey_data(db):
    user = factories.active_member(user_kwargs={"first_name": "Kari", "last_name": "Nordmann"})
    summary = selectors.member_summary_for(user)
    assert summary.name == "Kari Nordmann"
    assert summary.county == "Vestland" and summary.membership_status == "active"
    assert {f.name for f in dataclasses.fields(summary)} == {
        "name",
        "county",
        "employer_type",
        "field",
        "membership_status",
        "membership_status_label",
    }


def test_member_summary_of_someone_who_never_applied(person):
    summary = selectors.member_summary_for(person)
    assert summary.membership_status == "" and summary.county == ""


def test_each_member_summary_is_that_members_own(person):
    # Read with SQL compiled once for a stand-in id (core.compiled): each call its own.
    west = factories.active_member(profile={"employer_type": "nav"})
    other = factories.active_member(
        status=Membership.Status.GRACE, profile={"employer_type": "specialist"}
    )
    summaries = [selectors.member_summary_for(user) for user in (west, other, person, west)]
    assert [(s.county, s.employer_type, s.membership_status) for s in summaries] == [
        ("Vestland", "NAV", "active"),
        ("Vestland", EmployerType.SPECIALIST.label, "grace"),
        ("", "", ""),
        ("Vestland", "NAV", "active"),
    ]
