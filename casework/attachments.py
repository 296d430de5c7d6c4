"""Attachments to case messages: what a file is (by its content, never its name), a name
that is safe to hand back, and encrypted storage outside the web root.

The storage holds Fernet ciphertext in chunks (a 4-byte length, then one token), so a
download is decrypted and streamed chunk by chunk rather than held in memory whole. Keys come
from CASEWORK_ATTACHMENT_KEYS (MultiFernet: the first encrypts, every one decrypts).
"""

import re
import secrets
import struct
import unicodedata
import zipfile

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils.translation import gettext as _

from .models import ATTACHMENT_MAX_BYTES, ATTACHMENTS_PER_MESSAGE, Attachment

STORAGE = "casework_attachments"
CHUNK_BYTES = 1024 * 1024
NAME_MAX_LENGTH = 100
EXTENSIONS = {
    Attachment.ContentType.PDF: "pdf",
    Attachment.ContentType.JPEG: "jpg",
    Attachment.ContentType.PNG: "png",
    Attachment.ContentType.DOCX: "docx",
}
# Zip-bomb limits for DOCX: an ordinary letter or contract is far below all three.
DOCX_MAX_ENTRIES = 1000
DOCX_MAX_UNCOMPRESSED = 100 * 1024 * 1024
DOCX_MAX_RATIO = 200


def storage():
    return storages[STORAGE]


def _fernet():
    return MultiFernet([Fernet(key) for key in settings.CASEWORK_ATTACHMENT_KEYS])


# --- What a file is -----------------------------------------------------------------------


def _is_docx(upload):
    """A DOCX is a zip holding [Content_Types].xml and word/document.xml; the sizes its
    directory declares must not explode (nothing is decompressed to find out)."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > DOCX_MAX_ENTRIES:
                return False
            total = 0
            for entry in entries:
                total += entry.file_size
                if entry.flag_bits & 0x1:  # encrypted entry
                    return False
                if entry.compress_size and entry.file_size / entry.compress_size > DOCX_MAX_RATIO:
                    return False
            if total > DOCX_MAX_UNCOMPRESSED:
                return False
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names and "word/document.xml" in names


def detect_type(upload):
    """The allowed content type of `upload` judged by its bytes, or None."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return Attachment.ContentType.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Attachment.ContentType.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return Attachment.ContentType.JPEG
    if head.startswith(b"PK\x03\x04") and _is_docx(upload):
        return Attachment.ContentType.DOCX
    return None


def clean_name(raw, content_type):
    """The name to store and hand back: the last path part only, no control characters or
    leading dots, letters (Norwegian ones too), digits and a few marks; the extension is
    the one of the type found, whatever the name said."""
    name = unicodedata.normalize("NFKC", str(raw or ""))
    name = re.split(r"[/\\]", name)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(ch for ch in stem if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    stem = re.sub(r"[^\w\-. ()]", "_", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" .-_")
    stem = stem[:NAME_MAX_LENGTH].strip(" .") or _("attachment")
    return f"{stem}.{EXTENSIONS[content_type]}"


def check_uploads(files):
    """[(cleaned name, content type, upload)] for the files, or a ValidationError saying
    which file is wrong and why (and nothing is kept)."""
    files = list(files or [])
    if len(files) > ATTACHMENTS_PER_MESSAGE:
        raise ValidationError(
            {
                "attachments": _("You can attach at most %(count)d files to one message.")
                % {"count": ATTACHMENTS_PER_MESSAGE}
            }
        )
    checked = []
    for upload in files:
        shown = clean_name(upload.name, Attachment.ContentType.PDF).rsplit(".", 1)[0]
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise ValidationError(
                {
                    "attachments": _("“%(name)s” is larger than %(max)d MB.")
                    % {"name": shown, "max": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
                }
            )
        if upload.size == 0:
            raise ValidationError({"attachments": _("“%(name)s” is empty.") % {"name": shown}})
        content_type = detect_type(upload)
        if content_type is None:
            raise ValidationError(
                {
                    "attachments": _(
                        "“%(name)s” is not a PDF, JPEG, PNG or Word (DOCX) file. "
                        "Only those can be attached."
                    )
                    % {"name": shown}
                }
            )
        checked.append((clean_name(upload.name, content_type), content_type, upload))
    return checked


# --- Encrypted storage --------------------------------------------------------------------


def _encrypted_chunks(upload, fernet):
    upload.seek(0)
    while chunk := upload.read(CHUNK_BYTES):
        token = fernet.encrypt(chunk)
        yield struct.pack(">I", len(token)) + token


def store(*, message, checked):
    """Encrypt and store the checked uploads and create their rows. Returns the stored
    names, so a caller whose transaction fails can remove the files again (remove_files)."""
    fernet = _fernet()
    written = []
    try:
        for name, content_type, upload in checked:
            stored_name = f"{secrets.token_hex(24)}.bin"
            data = b"".join(_encrypted_chunks(upload, fernet))
            written.append(storage().save(stored_name, ContentFile(data)))
            Attachment.objects.create(
                message=message,
                name=name,
                content_type=content_type,
                size=upload.size,
                stored_name=written[-1],
            )
    except Exception:
        remove_files(written)
        raise
    return written


def open_plaintext(attachment):
    """The decrypted content, chunk by chunk (for a streamed download)."""
    fernet = _fernet()
    with storage().open(attachment.stored_name, "rb") as handle:
        while header := handle.read(4):
            (length,) = struct.unpack(">I", header)
            yield fernet.decrypt(handle.read(length))


def read_plaintext(attachment):
    return b"".join(open_plaintext(attachment))


def remove_files(stored_names):
    for stored_name in stored_names:
        storage().delete(stored_name)


def delete_attachments(attachments):
    """Delete the rows now and the files once that commits (a message's cascade would leave
    the files; removing them before a rollback would leave rows without content)."""
    attachments = list(attachments)
    stored_names = [a.stored_name for a in attachments]
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    transaction.on_commit(lambda: remove_files(stored_names))
    return len(attachments)


def as_upload(data, name):
    """A bytes payload as an uploaded-file-like object (demo data, tests)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
