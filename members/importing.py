"""Import of an existing member list (CSV or XLSX): read within fixed limits, preview row by
row, commit all or nothing. New people get an invitation to choose a password (allauth's
reset link, through the outbox), never a password. Existing accounts change only where the
admin ticks their row, and nobody becomes a member without their own consent."""

import codecs
import csv
import itertools
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from xml.parsers import expat

from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from core import links, outbox
from core.audit import record_event

from .models import ContractType, EmployerType, Field, ImportBatch, Membership, Profile
from .services import NEWS_EMAIL, first_period

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# Reading stops at these limits, whatever a file declares about itself: memory and time stay
# bounded by them, not by the file (a 1.7 KB workbook declaring a 1048576 by 16384 sheet once
# took 2.5 GB). A member list has 14 columns and rows of a few hundred characters.
MAX_COLUMNS = 100
MAX_LINE_CHARS = 20_000
CSV_CHUNK_BYTES = 64 * 1024
# An XLSX file is a zip of XML parts. Each part's unpacked size is checked before anything is
# opened: a 10,000-row member list unpacks to about 6 MB, a zip bomb to gigabytes.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_SHEET_BYTES = 25 * 1024 * 1024
# Shared strings and styles are read whole by openpyxl, so they get a smaller bound.
MAX_OTHER_PART_BYTES = 10 * 1024 * 1024
MAX_PARTS = 1000
# openpyxl holds these parts whole; at about 160 bytes per shared-string element and 600 per
# style element, these counts keep each under 60 MB (a 10,000-row list needs ~60,000).
SHARED_STRINGS = "xl/sharedStrings.xml"
MAX_SHARED_STRING_ELEMENTS = 300_000
MAX_PART_ELEMENTS = 50_000
# An email address is at most 254 characters; no cell of a member list needs more.
MAX_CELL_CHARS = 1000
# Deflate packs ordinary spreadsheet XML 5 to 30 times; far more means padding.
MAX_RATIO = 200
RATIO_CHECKED_ABOVE = 1024 * 1024
REQUIRED = (
    "email",
    "county",
    "municipality",
    "employer_type",
    "field",
    "position_percent",
    "contract_type",
    "year_started",
)
OPTIONAL = (
    "first_name",
    "last_name",
    "training_completed",
    "union_member",
    "user_representative",
    "year_joined",
)
COLUMNS = REQUIRED + OPTIONAL
YES = {"yes", "ja", "y", "j", "1", "true", "sann"}
NO = {"no", "nei", "n", "0", "false", "usann"}
XLSX_MAGIC = b"PK\x03\x04"


def _clean_header(value):
    return str(value or "").strip().lower().replace(" ", "_")


def _nul_refused():
    # PostgreSQL cannot store a NUL in text or JSON; once it reached the database, the error
    # (and the server log) quoted every row of the file.
    return ValidationError(
        _(
            "The file contains a NUL character (a zero byte), so it is not a clean text file. "
            "Save it again as “CSV UTF-8” or as an Excel workbook and upload it again."
        )
    )


def _too_many_rows():
    return ValidationError(
        _("The file has more than %(max)s rows; split it up.") % {"max": MAX_ROWS}
    )


def _too_many_columns(number):
    return ValidationError(
        _("Row %(row)s has more than %(max)s columns.") % {"row": number, "max": MAX_COLUMNS}
    )


def read_member_file(uploaded):
    """Rows (dicts of str by column) from an uploaded CSV or XLSX.

    Raises ValidationError with a reason for a file of the wrong type, size or encoding,
    without the needed columns, or beyond the row, column and unpacked-size limits. The
    reasons name rows and limits, never a cell's content.
    """
    name = (uploaded.name or "").lower()
    if uploaded.size > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    if name.endswith(".xlsx"):
        return _rows_from(_xlsx_records(uploaded))
    if name.endswith(".csv"):
        try:
            return _rows_from(_csv_records(uploaded))
        except csv.Error:
            # The csv module's own message quotes nothing, but is no help to an admin either.
            raise ValidationError(
                _(
                    "The file could not be read as CSV: a quoted value may lack its closing "
                    "quote, or be longer than a member list needs."
                )
            ) from None
    raise ValidationError(_("Upload a .csv or .xlsx file."))


def _rows_from(records):
    """Dicts by column from the header and the records after it, up to the limits."""
    records = iter(records)
    first = next(records, None)
    if first is None:
        raise ValidationError(_("The file is empty."))
    if len(first) > MAX_COLUMNS:
        raise _too_many_columns(1)
    header = [_clean_header(v) for v in first]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationError(
            _("The file lacks these columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    wanted = [(i, column) for i, column in enumerate(header) if column in COLUMNS]
    rows = []
    for number, values in enumerate(records, start=2):
        if number > MAX_ROWS + 1:
            raise _too_many_rows()
        if len(values) > MAX_COLUMNS:
            raise _too_many_columns(number)
        if any("\x00" in value for value in values):
            raise _nul_refused()
        if not any(value.strip() for value in values):
            continue
        rows.append({column: values[i].strip() for i, column in wanted if i < len(values)})
    return rows


# --- CSV: decoded and parsed as it is read, never whole ---------------------------------------


def _csv_records(uploaded):
    text = _decoded_chunks(uploaded)
    first = next((chunk for chunk in text if chunk), "")
    try:
        dialect = csv.Sniffer().sniff(first[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(_lines(itertools.chain([first], text)), dialect)


def _decoded_chunks(uploaded):
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        for index, chunk in enumerate(uploaded.chunks(CSV_CHUNK_BYTES)):
            if index == 0 and chunk.startswith(XLSX_MAGIC):
                raise ValidationError(_("This file is not a CSV text file."))
            if b"\x00" in chunk:
                raise _nul_refused()
            yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file is not in UTF-8. Save it as “CSV UTF-8” and upload it again.")
        ) from None


def _lines(chunks):
    """Lines (each with its "\n") from text chunks, refusing one longer than MAX_LINE_CHARS,
    so one enormous line (a million commas) never becomes a million-field row. Split at
    "\n" only, as a text file is: str.splitlines would also end a record at a form feed or
    U+2028 inside a value."""
    rest = ""
    for chunk in chunks:
        pieces = (rest + chunk).split("\n")
        rest = pieces.pop()  # may continue in the next chunk
        for piece in pieces:
            yield _bounded(piece + "\n")
        _bounded(rest)
    if rest:
        yield rest


def _bounded(line):
    if len(line) > MAX_LINE_CHARS:
        raise ValidationError(
            _("A line in the file is longer than %(max)s characters.") % {"max": MAX_LINE_CHARS}
        )
    return line


# --- XLSX: sizes checked before opening, then read row by row within the limits --------------


def _xlsx_records(uploaded):
    uploaded.seek(0)
    if uploaded.read(4) != XLSX_MAGIC:
        raise ValidationError(_("This file is not an Excel workbook (.xlsx)."))
    uploaded.seek(0)
    try:
        archive = zipfile.ZipFile(uploaded)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise _damaged() from None
    with archive:
        _check_unpacked_sizes(archive.infolist())
        _check_parts_read_whole(archive)
        workbook = _open_workbook(uploaded)
        try:
            if not workbook.worksheets:
                raise _damaged()
            sheet = workbook.worksheets[0]
            # Where openpyxl found the first sheet (read-only worksheets keep the path).
            _check_sheet_shape(archive, sheet._worksheet_path)
            # The declared dimension may claim a million rows: ignore it; read to our limits.
            sheet.reset_dimensions()
            for values in sheet.iter_rows(
                max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True
            ):
                yield [_xlsx_text(v) for v in values]
        finally:
            workbook.close()


def _damaged():
    return ValidationError(_("The workbook could not be read; is it damaged?"))


def _zip_bomb():
    return ValidationError(
        _(
            "The workbook would unpack to far more than a member list needs (over %(max)s MB), "
            "so it is refused. Save the list alone in a new workbook, or as CSV."
        )
        % {"max": MAX_UNPACKED_BYTES // (1024 * 1024)}
    )


def _too_complex():
    return ValidationError(
        _(
            "The workbook holds far more formatting or text entries than a member list "
            "needs, so it is refused. Save the list alone in a new workbook, or as CSV."
        )
    )


def _check_unpacked_sizes(infos):
    """Refuse a zip bomb from the sizes its directory declares; zipfile's reader stops at the
    declared size, so a part cannot unpack to more than it claims."""
    if len(infos) > MAX_PARTS:
        raise _zip_bomb()
    total = 0
    for info in infos:
        total += info.file_size
        limit = MAX_SHEET_BYTES if _is_worksheet(info.filename) else MAX_OTHER_PART_BYTES
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limit or total > MAX_UNPACKED_BYTES:
            raise _zip_bomb()
        if info.file_size > RATIO_CHECKED_ABOVE and ratio > MAX_RATIO:
            raise _zip_bomb()


def _is_worksheet(name):
    return name.startswith("xl/worksheets/")


def _check_parts_read_whole(archive):
    """openpyxl parses the shared strings, styles and workbook parts whole, at several hundred
    bytes per XML element (2 MB of empty styles took 212 MB): count the elements first."""
    for info in archive.infolist():
        name = info.filename
        if _is_worksheet(name) or not name.endswith((".xml", ".rels")):
            continue  # sheets get their own check; other parts are not read at all
        limit = MAX_SHARED_STRING_ELEMENTS if name == SHARED_STRINGS else MAX_PART_ELEMENTS
        count = itertools.count(1)

        def start(name, attrs, count=count, limit=limit):
            if next(count) > limit:
                raise _Refused(_too_complex())

        _scan(archive, name, start)


class _Refused(Exception):
    def __init__(self, error):
        self.error = error


def _check_sheet_shape(archive, path):
    """Stream the sheet's XML once (expat, constant memory) before openpyxl reads it: openpyxl
    builds each row whole, so a row of a million cells would cost gigabytes however few
    columns we ask for. Refuses a row with more than MAX_COLUMNS cells, a cell of more than
    MAX_CELL_CHARS characters, and a value below row MAX_ROWS + 1 (rows never read)."""
    state = {"row": 0, "cells": 0, "chars": 0}

    def start(name, attrs):
        local = name.rpartition(" ")[2]
        if local == "row":
            number = attrs.get("r", "")
            state["row"] = int(number) if number.isdigit() else state["row"] + 1
            state["cells"] = 0
        elif local == "c":
            state["cells"] += 1
            state["chars"] = 0
            if state["cells"] > MAX_COLUMNS:
                raise _Refused(_too_many_columns(state["row"]))
        elif local in ("v", "is") and state["row"] > MAX_ROWS + 1:
            raise _Refused(_too_many_rows())

    def text(data):
        state["chars"] += len(data)
        if state["chars"] > MAX_CELL_CHARS:
            raise _Refused(
                ValidationError(
                    _("Row %(row)s has a cell longer than %(max)s characters.")
                    % {"row": state["row"], "max": MAX_CELL_CHARS}
                )
            )

    _scan(archive, path, start, text)


def _scan(archive, path, start, text=None):
    """Run expat over one part in chunks, with handlers that raise _Refused. A DTD is refused
    outright: a workbook has none, and entities are how XML expands itself."""

    def doctype(*args):
        raise _Refused(_damaged())

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        with archive.open(path) as stream:
            while chunk := stream.read(CSV_CHUNK_BYTES):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Refused as refused:
        raise refused.error from None
    except (expat.ExpatError, KeyError, zipfile.BadZipFile, OSError, EOFError):
        raise _damaged() from None


def _open_workbook(uploaded):
    from openpyxl import load_workbook

    uploaded.seek(0)
    try:
        return load_workbook(uploaded, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise _damaged() from None


def _xlsx_text(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


@dataclass
class Change:
    """One profile field an import would change on an existing member's record."""

    label: str
    old: str
    new: str


@dataclass
class RowResult:
    number: int  # as in the spreadsheet: the header is row 1
    email: str
    # "create": a new account; "update": an existing member's record, only if confirmed;
    # "invite": an account without a running membership, invited to apply (nothing of the row
    # is stored without their consent), only if confirmed; "skip" and "reject".
    action: str
    errors: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
    changes: list = field(default_factory=list)
    note: str = ""

    @property
    def action_label(self):
        return {
            "create": _("Create"),
            "update": _("Update if confirmed"),
            "invite": _("Invite to apply if confirmed"),
            "skip": _("Skip"),
            "reject": _("Reject"),
        }[self.action]

    @property
    def needs_confirmation(self):
        return self.action in CONFIRMED_ACTIONS

    @property
    def confirmation(self):
        """The value of this row's checkbox: action and row, so a tick given to an update is
        never taken for another action if the account changed since the preview."""
        return f"{self.action}:{self.number}"


CONFIRMED_ACTIONS = ("update", "invite")


def _yes_no(value, errors, label):
    text = value.strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    errors.append(_("%(field)s must be yes or no.") % {"field": label})
    return None


def _choice(value, choices, errors, label):
    if value in choices.values:
        return value
    errors.append(
        _("%(field)s must be one of: %(choices)s.")
        % {"field": label, "choices": ", ".join(choices.values)}
    )
    return None


def _integer(value, errors, label):
    try:
        return int(value)
    except (TypeError, ValueError):
        errors.append(_("%(field)s must be a whole number.") % {"field": label})
        return None


def _check_row(number, row, existing_users, seen, municipalities):
    errors = []
    email = row.get("email", "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors.append(_("The email address is not valid."))
    if email in seen:
        errors.append(_("The email address is also on row %(row)s.") % {"row": seen[email]})
    seen.setdefault(email, number)
    municipality = municipalities.get(row.get("municipality", "").zfill(4))
    county_code = row.get("county", "").zfill(2)
    if municipality is None:
        errors.append(_("Unknown municipality number."))
    elif municipality.county_id != county_code:
        errors.append(_("The municipality is not in the county given."))
    data = {
        "county_id": county_code,
        "municipality_id": municipality.code if municipality else None,
        "employer_type": _choice(
            row.get("employer_type", ""), EmployerType, errors, "employer_type"
        ),
        "field": _choice(row.get("field", ""), Field, errors, "field"),
        "contract_type": _choice(
            row.get("contract_type", ""), ContractType, errors, "contract_type"
        ),
        "position_percent": _integer(row.get("position_percent"), errors, "position_percent"),
        "year_started": _integer(row.get("year_started"), errors, "year_started"),
        "training_completed": _yes_no(
            row.get("training_completed", ""), errors, "training_completed"
        ),
        "union_member": _yes_no(row.get("union_member", ""), errors, "union_member"),
        "user_representative": _yes_no(
            row.get("user_representative", ""), errors, "user_representative"
        ),
    }
    year_joined = row.get("year_joined", "")
    data["year_joined"] = _integer(year_joined, errors, "year_joined") if year_joined else None
    this_year = timezone.localdate().year
    if data["year_joined"] is not None and not 1900 < data["year_joined"] <= this_year:
        errors.append(_("year_joined cannot be in the future."))
    profile = None
    if not errors:
        profile = Profile(**data_for_profile(data))
        # Validating a row costs no query, so the preview's query count does not grow with
        # the file: the municipality was checked against the list above, and the check
        # constraints (one query each) repeat the fields' validators; commit runs them all.
        profile.municipality, profile.county = municipality, municipality.county
        try:
            profile.full_clean(
                exclude=["user", "county", "municipality"], validate_constraints=False
            )
        except ValidationError as exc:
            errors.extend(message for messages in exc.message_dict.values() for message in messages)
    data["first_name"] = row.get("first_name", "")[:150]
    data["last_name"] = row.get("last_name", "")[:150]
    data["email"] = email
    if errors:
        return RowResult(number, email, "reject", errors, data)
    user = existing_users.get(email)
    if user is None:
        return RowResult(number, email, "create", data=data)
    return _existing_account_row(number, email, data, user, profile)


def _existing_account_row(number, email, data, user, new_profile):
    """What the row may do to an account that exists: never anything without the admin's
    tick, and never a membership without the person's own consent."""
    membership = getattr(user, "membership", None)
    if membership is not None and membership.status == Membership.Status.PENDING:
        note = _("Has an application waiting for a decision; decide it first.")
        return RowResult(number, email, "skip", data=data, note=note)
    if membership is None or not membership.is_current:
        note = _(
            "Has an account but no running membership: can be invited to apply, giving "
            "their own consent. Nothing from this row is stored."
        )
        return RowResult(number, email, "invite", data=data, note=note)
    changes = _changes(user, getattr(user, "profile", None), new_profile, data)
    if not changes:
        return RowResult(number, email, "skip", data=data, note=_("Nothing to change."))
    return RowResult(number, email, "update", data=data, changes=changes)


def _display(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _updates_for(data):
    """The profile fields the row gives a value for: an empty optional cell leaves the
    member's own answer alone."""
    return {key: value for key, value in data_for_profile(data).items() if value is not None}


def _changes(user, profile, new_profile, data):
    changes = []
    for name in ("first_name", "last_name"):
        if data[name] and data[name] != getattr(user, name):
            label = user._meta.get_field(name).verbose_name
            changes.append(Change(str(label), _display(getattr(user, name)), data[name]))
    for key in _updates_for(data):
        model_field = Profile._meta.get_field(key.removesuffix("_id"))
        old = _field_display(profile, model_field) if profile is not None else "—"
        new = _field_display(new_profile, model_field)
        if profile is None or getattr(profile, key) != getattr(new_profile, key):
            changes.append(Change(str(model_field.verbose_name), old, new))
    return changes


def _field_display(profile, model_field):
    if model_field.choices:
        return str(getattr(profile, f"get_{model_field.name}_display")())
    return _display(getattr(profile, model_field.name))


def data_for_profile(data):
    return {
        key: data[key]
        for key in (
            "county_id",
            "municipality_id",
            "employer_type",
            "field",
            "contract_type",
            "position_percent",
            "year_started",
            "training_completed",
            "union_member",
            "user_representative",
        )
    }


def preview_import(rows):
    """What committing these rows would do, row by row. Changes nothing."""
    from .models import Municipality

    municipalities = {m.code: m for m in Municipality.objects.select_related("county")}
    emails = {row.get("email", "").strip().lower() for row in rows} - {""}
    # Matched without regard to case, as the database's unique constraint does: an account
    # stored as "Ola@..." is the same person as "ola@..." in the file.
    existing = {
        user.email.lower(): user
        for user in get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .select_related("membership", "profile__county", "profile__municipality")
    }
    seen = {}
    return [
        _check_row(number, row, existing, seen, municipalities)
        for number, row in enumerate(rows, start=2)
    ]


@transaction.atomic
def create_import_batch(*, actor, rows):
    batch = ImportBatch.objects.create(created_by=actor, rows=rows)
    record_event(actor=actor, action="members.import.previewed", target=batch)
    return batch


INVITATION_EMAIL = "members/email/import_invitation"


@dataclass(frozen=True)
class Committed:
    batch: ImportBatch
    created: int
    updated: int
    invited: int


@transaction.atomic
def commit_import(*, batch, actor, confirmed=()):
    """Apply the file: create the new people, and change an existing account only where the
    admin ticked its row in the preview (`confirmed` holds RowResult.confirmation values).

    All or nothing: any rejected row (also one that became invalid since the preview) raises
    ValidationError and rolls everything back. Every change to a person is audited with them
    as its subject.
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.committed_at is not None:
        raise ValidationError(_("This import has already been committed."))
    results = preview_import(batch.rows)
    rejected = [r for r in results if r.action == "reject"]
    if rejected:
        raise ValidationError(
            _("Row %(row)s: %(errors)s")
            % {"row": rejected[0].number, "errors": " ".join(map(str, rejected[0].errors))}
        )
    confirmed = set(confirmed)
    created = updated = invited = 0
    for result in results:
        if result.action == "create":
            _create_member(result.data, actor=actor)
            created += 1
        elif result.confirmation not in confirmed:
            continue
        elif result.action == "update":
            _update_member(result.data, actor=actor)
            updated += 1
        elif result.action == "invite":
            _invite_to_apply(result.data, actor=actor)
            invited += 1
    batch.committed_at = timezone.now()
    batch.created_count, batch.updated_count = created, updated
    batch.rows = []
    batch.save()
    record_event(actor=actor, action="members.import.committed", target=batch)
    return Committed(batch=batch, created=created, updated=updated, invited=invited)


def _create_member(data, *, actor):
    """A new account with the imported profile and a membership that gives no access until
    the person has chosen a password and given their consent (members.services.needs_consent)."""
    user = get_user_model()(
        email=data["email"], first_name=data["first_name"], last_name=data["last_name"]
    )
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    profile = Profile(user=user, **data_for_profile(data))
    profile.full_clean()
    profile.save()
    today = timezone.localdate()
    start, end = first_period(today)
    joined = date(data["year_joined"], 1, 1) if data["year_joined"] else today
    membership = Membership.objects.create(
        user=user,
        status=Membership.Status.ACTIVE,
        applied_at=timezone.now(),
        decided_at=timezone.now(),
        decided_by=actor,
        member_since=min(joined, start),
        period_start=start,
        period_end=end,
    )
    record_event(actor=actor, action="members.import.created", target=membership, subject=user)
    _queue_invitation(user)


def _queue_invitation(user):
    """The invitation to choose a password: allauth's own password-reset link (so choosing a
    password also proves the address; see members.adapters), built from its public settings
    and sent through the outbox, without a request."""
    token = account_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    link = links.absolute_url(
        "account_reset_password_from_key", uidb36=user_pk_to_url_str(user), key=token
    )
    outbox.enqueue_email(
        to=user.email,
        template_prefix=INVITATION_EMAIL,
        context={"link": link, "days": _link_days()},
    )


def _link_days():
    return max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60))


def _update_member(data, *, actor):
    user = get_user_model().objects.select_for_update().get(email__iexact=data["email"])
    names = [name for name in ("first_name", "last_name") if data[name]]
    for name in names:
        setattr(user, name, data[name])
    if names:
        user.save(update_fields=names)
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    for key, value in _updates_for(data).items():
        setattr(profile, key, value)
    profile.full_clean()
    profile.save()
    record_event(actor=actor, action="members.import.updated", target=profile, subject=user)


def _invite_to_apply(data, *, actor):
    """Someone with an account but no running membership: they are told there is news and,
    signed in, land on the application, where they give (or do not give) their consent."""
    user = get_user_model().objects.get(email__iexact=data["email"])
    outbox.enqueue_email(to=user.email, template_prefix=NEWS_EMAIL, context={"user": user})
    record_event(actor=actor, action="members.import.invited", target=user, subject=user)


# Uncommitted previews hold a whole member list; they are kept no longer than this.
PREVIEW_RETENTION = timedelta(hours=24)


@transaction.atomic
def purge_stale_previews(*, now=None):
    """Delete the previews never committed that are older than PREVIEW_RETENTION, with the
    rows they hold. Idempotent. Returns the number deleted."""
    cutoff = (now or timezone.now()) - PREVIEW_RETENTION
    stale = ImportBatch.objects.filter(committed_at__isnull=True, created_at__lt=cutoff)
    purged = 0
    for batch in stale.select_for_update():
        record_event(actor=None, action="members.import.purged", target=batch)
        batch.delete()
        purged += 1
    return purged
