from members import factories, personal_data
from members.models import Consent, Membership, Profile


def test_erasure_removes_everything_this_app_holds_about_the_person_only(db):
    user = factories.active_member()
    other = factories.active_member()
    personal_data.erase_personal_data_for(user)
    for model in (Profile, Consent, Membership):
        assert not model.objects.filter(user=user).exists()
        assert model.objects.filter(user=other).exists()
    data = personal_data.personal_data_for(user)
    assert data["profile"] is None and data["membership"] is None and data["consents"] == []
