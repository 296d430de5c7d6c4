from core import privacy
from members import factories, personal_data
from members.models import Consent, Membership, Profile


def test_registered_erasers_remove_everything_this_app_holds_about_the_person_only(db):
    user = factories.active_member()
    other = factories.active_member()
    for registration in privacy.registrations().values():
        if registration.model.startswith("members.") and registration.eraser is not None:
            registration.eraser(user)
    for model in (Profile, Consent, Membership):
        assert not model.objects.filter(user=user).exists()
        assert model.objects.filter(user=other).exists()
    data = personal_data.personal_data_for(user)
    assert data["profile"] is None and data["membership"] is None and data["consents"] == []
