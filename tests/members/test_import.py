import io
import logging

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.models import AuditEvent
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


# The request's own (session, user, and roles with permissions and authenticator) and three of
# the page's: the batch, the municipality list, and the accounts named in the file (with their
# membership and profile).
PREVIEW_QUERIES = 6


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


def test_existing_member_is_changed_only_for_a_ticked_row(admin_client_mfa, db):
    user = factories.active_member(
        user_kwargs={"email": "ny.person@example.org", "first_name": "Nora"},
        profile={"union_member": True, "employer_type": "nav", "position_percent": 50},
    )
    # The file says "not a union member" and another employer; "NY." finds the same person.
    row = GOOD_ROWS[0].replace("ny.person", "NY.person")
    response = upload(english(admin_client_mfa), csv_file(row))
    preview = admin_client_mfa.get(response.url)
    [result] = preview.context["results"]
    assert result.action == "update"
    html = preview.content.decode()
    assert "union member: Yes → No" in html
    assert "position percentage: 50 → 80" in html
    assert 'name="confirm" value="update:2"' in html and "checked" not in html

    admin_client_mfa.post(response.url)  # nothing ticked
    user.profile.refresh_from_db()
    assert (user.profile.union_member, user.profile.employer_type) == (True, "nav")
    assert not AuditEvent.objects.filter(action="members.import.updated").exists()

    response = upload(admin_client_mfa, csv_file(row))
    admin_client_mfa.post(response.url, {"confirm": ["update:2"]})
    assert get_user_model().objects.filter(email__iexact="ny.person@example.org").count() == 1
    user.profile.refresh_from_db()
    assert user.profile.employer_type == "municipality" and user.profile.position_percent == 80
    assert user.profile.union_member is False
    event = AuditEvent.objects.get(action="members.import.updated")
    assert event.subject == user and event.object_id == str(user.profile.pk)


def test_an_empty_yes_no_cell_keeps_the_members_own_answer(admin_client_mfa, db):
    user = factories.active_member(
        user_kwargs={"email": "ny.person@example.org"}, profile={"user_representative": True}
    )
    response = upload(admin_client_mfa, csv_file(GOOD_ROWS[0]))  # user_representative empty
    admin_client_mfa.post(response.url, {"confirm": ["update:2"]})
    user.profile.refresh_from_db()
    assert user.profile.user_representative is True


def test_a_signed_up_account_is_invited_to_apply_never_made_a_member(
    admin_client_mfa, deliver_outbox
):
    user = factories.UserFactory(email="ny.person@example.org")
    response = upload(english(admin_client_mfa), csv_file(GOOD_ROWS[0]))
    preview = admin_client_mfa.get(response.url)
    assert [r.action for r in preview.context["results"]] == ["invite"]
    assert 'value="invite:2"' in preview.content.decode()

    admin_client_mfa.post(response.url, {"confirm": ["invite:2"]})
    assert not Membership.objects.filter(user=user).exists()
    assert not Profile.objects.filter(user=user).exists()
    assert deliver_outbox() == 1
    [invitation] = mail.outbox
    assert invitation.to == [user.email] and "/members/profile/" in invitation.body
    event = AuditEvent.objects.get(action="members.import.invited")
    assert event.subject == user

    # Signed in, the news link leads to the application, where consent is asked.
    admin_client_mfa.logout()
    admin_client_mfa.force_login(user)
    assert admin_client_mfa.get("/members/profile/").url == reverse("members:apply")


def test_an_unticked_invitation_sends_nothing(admin_client_mfa, deliver_outbox):
    factories.UserFactory(email="ny.person@example.org")
    response = upload(admin_client_mfa, csv_file(GOOD_ROWS[0]))
    admin_client_mfa.post(response.url)
    assert deliver_outbox() == 0
    assert not Membership.objects.exists()


def test_the_invitation_is_queued_without_a_request_and_lets_the_person_choose_a_password(
    admin_user, client, deliver_outbox
):
    from members import importing

    batch = importing.create_import_batch(
        actor=admin_user, rows=importing.read_member_file(csv_file(GOOD_ROWS[0]))
    )
    importing.commit_import(batch=batch, actor=admin_user)
    assert deliver_outbox() == 1
    [invitation] = mail.outbox
    link = next(w for w in invitation.body.split() if "/accounts/password/reset/key/" in w)
    assert link.startswith(settings.SITE_URL)
    form = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    assert form.status_code == 200 and "form" in form.context
    password = "et-langt-nytt-passord-2026"
    client.post(form.redirect_chain[-1][0], {"password1": password, "password2": password})
    user = get_user_model().objects.get(email="ny.person@example.org")
    assert user.check_password(password)
    assert user.emailaddress_set.get().verified
    created = AuditEvent.objects.get(action="members.import.created")
    assert created.subject == user


def test_preview_query_count_does_not_grow_with_the_rows(
    admin_client_mfa, django_assert_num_queries
):
    def preview_of(count):
        for i in range(count):
            factories.active_member(user_kwargs={"email": f"finnes{count}.{i}@example.org"})
        existing, new = GOOD_ROWS[0].split(",", 1)[1], GOOD_ROWS[1].split(",", 1)[1]
        rows = [f"finnes{count}.{i}@example.org,{existing}" for i in range(count)]
        rows += [f"ny{count}.{i}@example.org,{new}" for i in range(count)]
        return upload(admin_client_mfa, csv_file(*rows)).url

    small, large = preview_of(3), preview_of(9)
    with django_assert_num_queries(PREVIEW_QUERIES):
        assert len(admin_client_mfa.get(small).context["results"]) == 6
    with django_assert_num_queries(PREVIEW_QUERIES):
        assert len(admin_client_mfa.get(large).context["results"]) == 18


def test_a_csv_read_in_chunks_keeps_every_row_and_character(db):
    from members import importing

    # Windows line ends, letters of two bytes and a line separator inside a value, over
    # several of the reader's 64 KB chunks.
    rows = [
        f"p{i}@example.org,Åse\u2028Øydis,Bø,46,4601,nav,both,50,permanent,,,,2020,"
        for i in range(3000)
    ]
    content = "\r\n".join([HEADER, *rows]).encode()
    assert len(content) > 3 * importing.CSV_CHUNK_BYTES
    read = importing.read_member_file(SimpleUploadedFile("members.csv", content))
    assert len(read) == 3000
    assert {row["first_name"] for row in read} == {"Åse\u2028Øydis"}
    assert read[-1]["email"] == "p2999@example.org"


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
        (SimpleUploadedFile("members.csv", b"PK\x03\x04\x14\x00\x00"), b"not a CSV text file"),
        (SimpleUploadedFile("members.xlsx", b"PK\x03\x04garbage"), b"could not be read"),
        (SimpleUploadedFile("members.csv", b"email,county\nx@example.org,46\n"), b"lacks"),
        (
            # An unclosed quote runs to the end of the file: 200,000 characters in one value.
            csv_file('"x@example.org' + "\nmer tekst i samme verdi" * 9000),
            b"could not be read as CSV",
        ),
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


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_a_nul_byte_past_the_first_4_kb_is_refused_and_no_row_reaches_a_log(admin_client_mfa, db):
    canary = "Kanarifugl-7Qx"
    rows = [
        f"person{i}@example.org,{canary},Rad,46,4601,municipality,both,80,permanent,,,,2019,"
        for i in range(80)
    ]
    rows.append(f"siste@example.org,{canary},Null\x00,46,4601,nav,both,50,permanent,,,,2020,")
    content = "\n".join([HEADER, *rows]).encode()
    assert content.index(b"\x00") > 4096
    capture = _Capture()
    loggers = [logging.getLogger(name) for name in ("", "django", "django.request", "erfaring")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(capture)
        logger.setLevel(logging.DEBUG)
    admin_client_mfa.raise_request_exception = False
    try:
        response = upload(
            english(admin_client_mfa), SimpleUploadedFile("members.csv", content, "text/csv")
        )
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(capture)
            logger.setLevel(level)
    assert response.status_code == 200
    assert b"contains a NUL character" in response.content
    assert canary.encode() not in response.content
    assert not any(canary in line or "person1@example.org" in line for line in capture.lines)
    assert not ImportBatch.objects.exists()
