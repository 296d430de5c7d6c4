"""Files on case messages: checked by content, named safely, encrypted at rest, reached
only through the case gatekeeper as a download, and gone with retention and erasure."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import attachments, services
from casework.models import ATTACHMENT_MAX_BYTES, Attachment, Case, Message
from core import privacy
from core.models import AuditEvent

from . import files
from .conftest import client_for


def _reply_as_member(client, case, *uploads, body="Her er arbeidskontrakten min."):
    return client.post(
        reverse("casework:my-case-reply", kwargs={"pk": case.pk}),
        {"body": body, "attachments": list(uploads)},
    )


def _advisor_message(client, case, kind, *uploads, body="Se vedlagte mal for brev."):
    return client.post(
        reverse("casework:case-message", kwargs={"pk": case.pk}),
        {"body": body, "kind": kind, "attachments": list(uploads)},
    )


def _stored_files(folder):
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def _advisor_download_url(case, attachment):
    return reverse(
        "casework:case-attachment", kwargs={"pk": case.pk, "attachment_pk": attachment.pk}
    )


def _member_download_url(case, attachment):
    return reverse(
        "casework:my-case-attachment", kwargs={"pk": case.pk, "attachment_pk": attachment.pk}
    )


def _body(response):
    return b"".join(response.streaming_content)


def test_member_sends_a_pdf_and_the_assigned_advisor_downloads_it(member, advisor, assigned_case):
    response = _reply_as_member(
        client_for(member), assigned_case, files.upload(files.pdf(), "Lønnsslipp mars.pdf")
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == "Lønnsslipp mars.pdf"
    assert attachment.content_type == "application/pdf"

    advisor_client = client_for(advisor)
    page = advisor_client.get(reverse("casework:case-detail", kwargs={"pk": assigned_case.pk}))
    assert "Lønnsslipp mars.pdf" in page.content.decode()
    download = advisor_client.get(_advisor_download_url(assigned_case, attachment))

    assert download.status_code == 200
    assert download.streaming
    assert _body(download) == files.pdf()
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "mars.pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]
    assert AuditEvent.objects.filter(
        action="casework.attachment.downloaded", actor=advisor, object_id=str(attachment.pk)
    ).exists()


def test_advisor_reply_file_reaches_the_member(member, advisor, assigned_case):
    letter = files.docx()
    response = _advisor_message(
        client_for(advisor), assigned_case, "reply", files.upload(letter, "mal.docx")
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    member_client = client_for(member)
    page = member_client.get(reverse("casework:my-case-detail", kwargs={"pk": assigned_case.pk}))
    assert "mal.docx" in page.content.decode()
    download = member_client.get(_member_download_url(assigned_case, attachment))
    assert download.status_code == 200
    assert _body(download) == letter


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (files.exe(), "kontrakt.pdf"),
        (files.docx(names=("word/document.xml",)), "brev.docx"),
        (b"just text, not a picture", "bilde.png"),
    ],
    ids=["exe-renamed-pdf", "zip-without-content-types", "text-renamed-png"],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(
    member, assigned_case, attachment_dir, data, name
):
    response = _reply_as_member(client_for(member), assigned_case, files.upload(data, name))

    assert response.status_code == 400
    # The error names the file, so the person knows which one to change.
    stem = name.rsplit(".", 1)[0]
    assert f"«{stem}»" in response.content.decode()
    assert not Message.objects.filter(case=assigned_case).exists()
    assert not Attachment.objects.exists()
    assert _stored_files(attachment_dir) == []


def test_an_oversized_file_is_refused_and_nothing_is_saved(member, assigned_case, attachment_dir):
    too_big = files.pdf(b"\x00" * (ATTACHMENT_MAX_BYTES))
    good = files.upload(files.png(), "ok.png")

    response = _reply_as_member(
        client_for(member), assigned_case, good, files.upload(too_big, "stor.pdf")
    )

    assert response.status_code == 400
    assert "stor" in response.content.decode()
    assert not Message.objects.filter(case=assigned_case).exists()
    assert _stored_files(attachment_dir) == []


def test_at_most_five_files_per_message(member, assigned_case):
    uploads = [files.upload(files.png(), f"bilde{n}.png") for n in range(6)]
    response = _reply_as_member(client_for(member), assigned_case, *uploads)
    assert response.status_code == 400
    assert not Attachment.objects.exists()

    uploads = [files.upload(files.png(), f"bilde{n}.png") for n in range(5)]
    response = _reply_as_member(client_for(member), assigned_case, *uploads)
    assert response.status_code == 302
    assert Attachment.objects.count() == 5


def test_a_docx_that_would_explode_when_unpacked_is_refused(member, assigned_case):
    bomb = files.docx(body=b"0" * (5 * 1024 * 1024))
    response = _reply_as_member(client_for(member), assigned_case, files.upload(bomb, "brev.docx"))
    assert response.status_code == 400
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("/var/www/static/shell.pdf", "shell.pdf"),
        ("kontrakt\x00.exe", "kontrakt.pdf"),
        ("....pdf", "vedlegg.pdf"),
        ("<script>alert(1)</script>.pdf", "script.pdf"),
        ("report.exe", "report.pdf"),
    ],
)
def test_path_tricks_in_the_name_are_removed(member, assigned_case, attachment_dir, given, kept):
    response = _reply_as_member(client_for(member), assigned_case, files.upload(files.pdf(), given))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name.endswith(kept)
    assert "/" not in attachment.name and "\\" not in attachment.name
    stored = _stored_files(attachment_dir)
    assert len(stored) == 1
    assert stored[0].parent == attachment_dir
    assert stored[0].name == attachment.stored_name


def test_raw_storage_holds_only_ciphertext(member, assigned_case, attachment_dir):
    _reply_as_member(client_for(member), assigned_case, files.upload(files.pdf(), "kontrakt.pdf"))

    (stored,) = _stored_files(attachment_dir)
    raw = stored.read_bytes()
    assert files.CANARY_FILE not in raw
    assert b"%PDF" not in raw
    assert attachments.read_plaintext(Attachment.objects.get()) == files.pdf()


def test_the_attachment_folder_is_not_served(member, assigned_case, client, attachment_dir):
    _reply_as_member(client_for(member), assigned_case, files.upload(files.pdf(), "kontrakt.pdf"))
    attachment = Attachment.objects.get()
    for url in (
        f"/media/casework-attachments/{attachment.stored_name}",
        f"/static/{attachment.stored_name}",
        f"/media/{attachment.stored_name}",
    ):
        assert client.get(url).status_code == 404


@pytest.fixture
def sent_file(member, assigned_case):
    _reply_as_member(client_for(member), assigned_case, files.upload(files.pdf(), "kontrakt.pdf"))
    return Attachment.objects.get()


@pytest.mark.parametrize("who", ["other_member", "other_advisor", "admin_user", "member"])
def test_others_are_refused_the_advisor_download(request, who, assigned_case, sent_file):
    user = request.getfixturevalue(who)
    response = client_for(user).get(_advisor_download_url(assigned_case, sent_file))
    # Not an advisor: refused before the case is looked at; an advisor who may not see it: 404.
    assert response.status_code == (404 if who == "other_advisor" else 403)


@pytest.mark.parametrize("who", ["other_member", "other_advisor", "admin_user"])
def test_others_get_404_for_the_member_download(request, who, assigned_case, sent_file):
    user = request.getfixturevalue(who)
    response = client_for(user).get(_member_download_url(assigned_case, sent_file))
    assert response.status_code == 404


def test_a_file_of_another_case_is_404_even_through_your_own_case(
    member, other_member, assigned_case, sent_file
):
    own = Case.objects.create(reference="E-2026-99999", member=other_member, description="x" * 30)
    response = client_for(other_member).get(_member_download_url(own, sent_file))
    assert response.status_code == 404


def test_files_on_internal_notes_never_reach_the_member(member, advisor, assigned_case):
    _advisor_message(
        client_for(advisor), assigned_case, "internal_note", files.upload(files.pdf(), "notat.pdf")
    )
    attachment = Attachment.objects.get()
    member_client = client_for(member)

    page = member_client.get(reverse("casework:my-case-detail", kwargs={"pk": assigned_case.pk}))
    assert "notat.pdf" not in page.content.decode()
    assert member_client.get(_member_download_url(assigned_case, attachment)).status_code == 404
    assert "notat.pdf" not in privacy.personal_data_json(member)
    # The advisors still have it.
    assert (
        client_for(advisor).get(_advisor_download_url(assigned_case, attachment)).status_code == 200
    )


def test_the_data_download_lists_files_without_their_content(member, assigned_case, sent_file):
    data = json.loads(privacy.personal_data_json(member))
    (case,) = data["sections"]["cases"]
    (message,) = case["messages"]
    assert message["attachments"] == [
        {"name": "kontrakt.pdf", "type": "application/pdf", "bytes": len(files.pdf())}
    ]
    assert files.CANARY_FILE.decode() not in privacy.personal_data_json(member)


def test_retention_removes_the_files(
    member,
    advisor,
    assigned_case,
    sent_file,
    attachment_dir,
    settings,
    django_capture_on_commit_callbacks,
):
    services.change_status(
        case=assigned_case, actor=advisor, status=Case.Status.CLOSED, outcome="guidance_given"
    )
    later = timezone.now() + timedelta(days=settings.CASEWORK_RETENTION_DAYS + 1)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.anonymise_expired_cases(now=later) == 1

    assert not Attachment.objects.exists()
    assert _stored_files(attachment_dir) == []


def test_account_deletion_removes_the_members_files(
    member, assigned_case, sent_file, attachment_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        privacy.delete_account(user=member)

    assert not Attachment.objects.exists()
    assert _stored_files(attachment_dir) == []


def test_a_rotated_key_still_opens_old_files(member, assigned_case, sent_file, settings):
    from cryptography.fernet import Fernet

    settings.CASEWORK_ATTACHMENT_KEYS = [
        Fernet.generate_key().decode(),
        *settings.CASEWORK_ATTACHMENT_KEYS,
    ]
    assert attachments.read_plaintext(sent_file) == files.pdf()


def test_lead_and_cover_reach_files_of_cases_they_may_see_but_not_restricted_ones(
    member, advisor, other_advisor, lead, assigned_case, sent_file
):
    from casework.models import Absence

    url = _advisor_download_url(assigned_case, sent_file)
    # The lead sees every case that is not restricted.
    assert client_for(lead).get(url).status_code == 200
    # The colleague only while covering for the assigned advisor.
    assert client_for(other_advisor).get(url).status_code == 404
    today = timezone.localdate()
    Absence.objects.create(advisor=advisor, cover=other_advisor, starts_on=today, ends_on=today)
    assert client_for(other_advisor).get(url).status_code == 200
    # Restricted: only the assigned advisor, not the lead, not the cover.
    services.update_case(
        case=assigned_case, actor=advisor, priority=2, follow_up_on=None, restricted=True
    )
    assert client_for(lead).get(url).status_code == 404
    assert client_for(other_advisor).get(url).status_code == 404
    assert client_for(advisor).get(url).status_code == 200


def test_a_request_larger_than_five_attachments_is_refused_before_it_is_read(
    member, assigned_case, settings
):
    response = client_for(member).post(
        reverse("casework:my-case-reply", kwargs={"pk": assigned_case.pk}),
        {"body": "Stor forsendelse."},
        CONTENT_LENGTH=str(settings.REQUEST_MAX_BYTES + 1),
    )
    assert response.status_code == 413
    assert not Message.objects.filter(case=assigned_case).exists()


def _page_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_case_pages_query_count_stays_flat_as_files_grow(member, advisor, assigned_case):
    member_client, advisor_client = client_for(member), client_for(advisor)
    pages = (
        (member_client, reverse("casework:my-case-detail", kwargs={"pk": assigned_case.pk})),
        (advisor_client, reverse("casework:case-detail", kwargs={"pk": assigned_case.pk})),
    )
    _reply_as_member(member_client, assigned_case, files.upload(files.pdf(), "en.pdf"))
    for client, url in pages:  # the first visit of a session does its own bookkeeping
        client.get(url)
    before = [_page_queries(client, url) for client, url in pages]
    for n in range(3):
        uploads = [files.upload(files.png(), f"bilde{n}-{m}.png") for m in range(3)]
        _reply_as_member(member_client, assigned_case, *uploads)
    # Each reply leaves "sent" for the next page to show, which writes the session once
    # (it is not saved on every request): show it, as the browser does after the redirect.
    member_client.get(pages[0][1])
    after = [_page_queries(client, url) for client, url in pages]

    assert Attachment.objects.count() == 10
    assert after == before
