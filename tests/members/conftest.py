import pytest

from members import factories


@pytest.fixture
def member_with_profile(member):
    """The `member` fixture: an active member with a profile in Bergen."""
    return member


@pytest.fixture
def other_member_with_profile(other_member):
    """The `other_member` fixture, with the profile in Oslo."""
    other_member.profile.municipality = factories._municipality("0301")
    other_member.profile.county = other_member.profile.municipality.county
    other_member.profile.save()
    return other_member


def profile_post(**overrides):
    """A valid application/profile form submission (Bergen, Vestland)."""
    data = {
        "county": "46",
        "municipality": "4601",
        "employer_type": "specialist",
        "field": "mental_health",
        "position_percent": "60",
        "contract_type": "temporary",
        "training_completed": "yes",
        "union_member": "no",
        "user_representative": "yes",
        "year_started": "2020",
    }
    data.update(overrides)
    return data
