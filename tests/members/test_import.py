import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from members import factories
from members.models import ImportBatch, Membership, Profile

HEADER = (
    "email,first_name,last_name,county,municipality,employer_type,field,position_percent,"
    "contract_type,training_completed,union_member,user_representative,year_started,year_joined"
)
GOOD_ROWS = [
    "ny.person@example.org,Nora,Ny,46,4601,municipality,both,80,permanent,ja,nei,,2019,2018",
    "to.person@example.org,Tor,To,03,0301,nav,mental_health,100,temporary,no,yes,yes,2021,",
]


def csv_file(*rows, name="members.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, "\n".join([HEADER, *rows]).encode(encoding), "text/csv")


def upload(client, file):
    return client.post(reverse("members:import-upload"), {"file": file})


def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_preview_then_commit_creates_members_and_invites_them_without_a_password(
    admin_client_mfa, deliver_outbox
):
    response = upload(admin_client_mfa, csv_file(*GOOD_ROWS))
    assert response.status_code == 302
    preview = admin_client_mfa.get(response.url)
    assert [r.action for r in preview.context["results"]] == ["create", "create"]
    assert not get_user_model().objects.filter(email="ny.person@example.org").exists()

    committed = admin_client_mfa.post(response.url)
    assert committed.status_code == 302
    user = get_user_model().objects.get(email="ny.person@example.org")
    assert not user.has_usable_password()
    assert user.membership.status == Membership.Status.ACTIVE
    assert user.membership.member_since.year == 2018
    profile = Profile.objects.get(user=user)
    assert (profile.training_completed, profile.union_member, profile.user_representative) == (
        True,
        False,
        None,
    )
    assert deliver_outbox() == 2
    invitation = next(m for m in mail.outbox if m.to == ["ny.person@example.org"])
    assert "/accounts/password/reset/key/" in invitation.body
    assert ImportBatch.objects.get().rows == []


def test_a_bad_row_changes_nothing_and_the_preview_names_the_row(admin_client_mfa, db):
    bad = "feil@example.org,Feil,Rad,46,0301,municipality,both,80,permanent,,,,2019,"
    response = upload(english(admin_client_mfa), csv_file(GOOD_ROWS[0], bad, GOOD_ROWS[1]))
    preview = admin_client_mfa.get(response.url)
    results = preview.context["results"]
    assert [(r.number, r.action) for r in results] == [(2, "create"), (3, "reject"), (4, "create")]
    assert "The municipality is not in the county given." in results[1].errors
    html = preview.content.decode()
    assert "Import all rows" not in html
    # Committing anyway (a forged POST) changes nothing.
    refused = admin_client_mfa.post(response.url)
    assert refused.status_code == 200 and b"Row 3" in refused.content
    assert get_user_model().objects.filter(email__endswith="person@example.org").count() == 0
    assert not Membership.objects.exists() and not Profile.objects.exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x@example.org,,,46,9999,municipality,both,80,permanent,,,,2019,", "Unknown municipality"),
        ("x@example.org,,,46,4601,municipality,both,0,permanent,,,,2019,", "between 1 and 100"),
        ("x@example.org,,,46,4601,municipality,both,80,permanent,,,,2099,", "in the future"),
        ("x@example.org,,,46,4601,army,both,80,permanent,,,,2019,", "employer_type must be"),
        ("x@example.org,,,46,4601,nav,both,80,permanent,kanskje,,,2019,", "yes or no"),
        ("not-an-email,,,46,4601,nav,both,80,permanent,,,,2019,", "email address is not valid"),
    ],
)
def test_row_errors_are_explained(admin_user, row, message):
    from django.utils import translation

    from members import importing

    with translation.override("en"):
        rows = importing.read_member_file(csv_file(row))
        [result] = importing.preview_import(rows)
    assert result.action == "reject"
    assert any(message in str(error) for error in result.errors), result.errors


def test_existing_member_is_updated_not_duplicated(admin_client_mfa, db):
    user = factories.active_member(user_kwargs={"email": "ny.person@example.org"})
    response = upload(admin_client_mfa, csv_file(GOOD_ROWS[0].replace("ny.person", "NY.person")))
    preview = admin_client_mfa.get(response.url)
    assert [r.action for r in preview.context["results"]] == ["update"]
    admin_client_mfa.post(response.url)
    assert get_user_model().objects.filter(email__iexact="ny.person@example.org").count() == 1
    user.profile.refresh_from_db()
    assert user.profile.employer_type == "municipality" and user.profile.position_percent == 80


def test_duplicate_email_in_the_file_is_rejected(admin_user):
    from members import importing

    rows = importing.read_member_file(csv_file(GOOD_ROWS[0], GOOD_ROWS[0]))
    assert [r.action for r in importing.preview_import(rows)] == ["create", "reject"]


def test_xlsx_file_is_read(admin_client_mfa, db):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["xl@example.org", "X", "L", 46, 4601, "nav", "both", 50, "permanent", "", "", ""])
    sheet.cell(row=2, column=13, value=2020)
    content = io.BytesIO()
    workbook.save(content)
    file = SimpleUploadedFile("members.xlsx", content.getvalue())
    response = upload(admin_client_mfa, file)
    preview = admin_client_mfa.get(response.url)
    assert [r.action for r in preview.context["results"]] == ["create"]


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("members.txt", b"email\n"), b"Upload a .csv or .xlsx file."),
        (
            csv_file(
                "Ås@example.org,Åse,Ø,46,4601,nav,both,50,permanent,,,,2020,", encoding="latin-1"
            ),
            b"not in UTF-8",
        ),
        (SimpleUploadedFile("members.xlsx", b"email,county\n"), b"not an Excel workbook"),
        (SimpleUploadedFile("members.xlsx", b"PK\x03\x04garbage"), b"could not be read"),
        (SimpleUploadedFile("members.csv", b"email,county\nx@example.org,46\n"), b"lacks"),
    ],
)
def test_wrong_type_or_encoding_is_refused_with_a_reason(admin_client_mfa, file, message):
    response = upload(english(admin_client_mfa), file)
    assert response.status_code == 200
    assert message in response.content
    assert not ImportBatch.objects.exists()


def test_commit_is_all_or_nothing_when_data_changed_since_the_preview(admin_client_mfa, db):
    response = upload(admin_client_mfa, csv_file(*GOOD_ROWS))
    # A row that no longer passes at commit time (here: forged into the stored batch) must
    # stop the whole import, not just itself.
    batch = ImportBatch.objects.get()
    batch.rows = [*batch.rows, {**batch.rows[0], "email": "broken", "county": "46"}]
    batch.save()
    admin_client_mfa.post(response.url)
    assert get_user_model().objects.filter(email__endswith="person@example.org").count() == 0
