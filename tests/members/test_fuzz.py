"""Hostile input to the member forms: never a 500, and a refused form changes nothing."""

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.models import Profile

from .conftest import profile_post

FIELDS = list(profile_post())
hostile = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", "\x00", "-1", "0", "101", "1e9", "9" * 40, "<script>x</script>", "ØÆÅ"]),
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=st.dictionaries(st.sampled_from(FIELDS), hostile, max_size=4))
def test_profile_form_survives_hostile_input(client, member_with_profile, values):
    client.force_login(member_with_profile)
    before = Profile.objects.values().get(user=member_with_profile)
    response = client.post(reverse("members:profile-edit"), profile_post(**values))
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Profile.objects.values().get(user=member_with_profile) == before
        assert b"<script>x</script>" not in response.content
