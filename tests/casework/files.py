"""Small real files of each kind, and a few that only pretend, for the attachment tests."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

CANARY_FILE = b"CANARY-PAYSLIP-5d1e"


def pdf(extra=b""):
    return b"%PDF-1.4\n1 0 obj <<>> endobj\n" + CANARY_FILE + extra + b"\n%%EOF\n"


def png():
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 32 + CANARY_FILE


def jpeg():
    return b"\xff\xd8\xff\xe0" + b"\x00" * 32 + CANARY_FILE


def docx(*, names=("[Content_Types].xml", "word/document.xml"), body=b"<w:document/>"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, body)
    return buffer.getvalue()


def exe():
    # A Windows program: "MZ" header and the DOS stub text.
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"This program cannot be run in DOS mode." + b"\x00" * 64


def upload(data, name):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")
