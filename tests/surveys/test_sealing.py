"""Sealing with the keys from the environment: no time, no length, rotation, bad keys."""

import base64

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from surveys.sealing import PAD_BYTES, InvalidToken, check_ballot_keys, seal, unseal


def test_a_sealed_value_opens_again_and_carries_no_time():
    token = seal({"comments": "Fint å bli spurt."})
    assert unseal(token) == {"comments": "Fint å bli spurt."}
    # Fernet's clear-text timestamp (bytes 1-8) is zero: sealing time cannot be matched.
    assert base64.urlsafe_b64decode(token)[1:9] == bytes(8)


def test_the_length_does_not_tell_how_much_was_written():
    short, long = seal({"comments": ""}), seal({"comments": "x" * 3000})
    assert len(short) == len(long)
    assert len(seal({"comments": "x" * PAD_BYTES})) > len(short)


def test_a_new_key_seals_and_the_old_one_still_opens():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(SURVEY_BALLOT_KEYS=[old]):
        token = seal({"a": 1})
    with override_settings(SURVEY_BALLOT_KEYS=[new, old]):
        assert unseal(token) == {"a": 1}
        assert Fernet(new).decrypt(seal({"a": 1}).encode())
    with override_settings(SURVEY_BALLOT_KEYS=[new]), pytest.raises(InvalidToken):
        unseal(token)


def test_deploy_check_refuses_a_value_that_is_not_a_fernet_key():
    with override_settings(SURVEY_BALLOT_KEYS=["collectstatic-only"]):
        assert [error.id for error in check_ballot_keys(None)] == ["surveys.E001"]
    assert check_ballot_keys(None) == []


def test_key_rotation_reseals_waiting_ballots_under_the_new_key_without_a_time(edition, settings):
    import io

    from django.core.management import call_command

    from surveys.models import Ballot

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SURVEY_BALLOT_KEYS = [old]
    ballot = Ballot.objects.create(edition=edition, sealed=seal({"answers": {"q": 1}}))

    settings.SURVEY_BALLOT_KEYS = [new, old]
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    settings.SURVEY_BALLOT_KEYS = [new]

    assert "surveys.Ballot.sealed: 1 rows read, 1 re-encrypted" in out.getvalue()
    token = Ballot.objects.get(pk=ballot.pk).sealed
    assert unseal(token) == {"answers": {"q": 1}}
    assert base64.urlsafe_b64decode(token)[1:9] == bytes(8)
