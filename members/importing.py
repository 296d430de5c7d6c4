"""Import of an existing member list (CSV or XLSX): read, preview row by row, commit all or
nothing. Imported people get allauth's set-your-password email, never a password."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from allauth.account.forms import default_token_generator
from allauth.account.internal.flows.password_reset import request_password_reset
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event

from .models import ContractType, EmployerType, Field, ImportBatch, Membership, Profile
from .services import first_period

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
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


def read_member_file(uploaded):
    """Rows (dicts of str by column) from an uploaded CSV or XLSX.

    Raises ValidationError with a reason for a file of the wrong type, size or encoding,
    or without the needed columns.
    """
    name = (uploaded.name or "").lower()
    if uploaded.size > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    content = uploaded.read()
    if name.endswith(".xlsx"):
        if not content.startswith(XLSX_MAGIC):
            raise ValidationError(_("This file is not an Excel workbook (.xlsx)."))
        lines = _xlsx_lines(content)
    elif name.endswith(".csv"):
        if content.startswith(XLSX_MAGIC) or b"\x00" in content[:4096]:
            raise ValidationError(_("This file is not a CSV text file."))
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                _("The file is not in UTF-8. Save it as “CSV UTF-8” and upload it again.")
            ) from None
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        lines = list(csv.reader(io.StringIO(text), dialect))
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    if not lines:
        raise ValidationError(_("The file is empty."))
    header = [_clean_header(v) for v in lines[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationError(
            _("The file lacks these columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    rows = []
    for values in lines[1:]:
        if not any(str(v or "").strip() for v in values):
            continue
        row = {
            column: str(values[i] if values[i] is not None else "").strip()
            for i, column in enumerate(header)
            if column in COLUMNS and i < len(values)
        }
        rows.append(row)
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            _("The file has more than %(max)s rows; split it up.") % {"max": MAX_ROWS}
        )
    return rows


def _xlsx_lines(content):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise ValidationError(_("The workbook could not be read; is it damaged?")) from None
    sheet = workbook.worksheets[0]
    lines = []
    for values in sheet.iter_rows(values_only=True):
        lines.append([_xlsx_text(v) for v in values])
    workbook.close()
    return lines


def _xlsx_text(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


@dataclass
class RowResult:
    number: int  # as in the spreadsheet: the header is row 1
    email: str
    action: str  # "create", "update" or "reject"
    errors: list = field(default_factory=list)
    data: dict = field(default_factory=dict)

    @property
    def action_label(self):
        return {"create": _("Create"), "update": _("Update"), "reject": _("Reject")}[self.action]


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
    if not errors:
        profile = Profile(**data_for_profile(data))
        try:
            profile.full_clean(exclude=["user"])
        except ValidationError as exc:
            errors.extend(message for messages in exc.message_dict.values() for message in messages)
    data["first_name"] = row.get("first_name", "")[:150]
    data["last_name"] = row.get("last_name", "")[:150]
    data["email"] = email
    action = "reject" if errors else ("update" if email in existing_users else "create")
    return RowResult(number, email, action, errors, data)


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

    municipalities = {m.code: m for m in Municipality.objects.all()}
    emails = [row.get("email", "").strip().lower() for row in rows]
    existing = set(
        get_user_model()
        .objects.filter(email__in=[e for e in emails if e])
        .values_list("email", flat=True)
    )
    existing = {email.lower() for email in existing}
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


@transaction.atomic
def commit_import(*, batch, actor, request):
    """Apply every row or none: any rejected row (also one that became invalid since the
    preview) raises ValidationError and rolls everything back."""
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
    User = get_user_model()
    today = timezone.localdate()
    created = updated = 0
    for result in results:
        data = result.data
        user = User.objects.filter(email__iexact=data["email"]).first()
        if user is None:
            user = User(
                email=data["email"], first_name=data["first_name"], last_name=data["last_name"]
            )
            user.set_unusable_password()
            user.save()
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
            invite = True
            created += 1
        else:
            for name in ("first_name", "last_name"):
                if data[name]:
                    setattr(user, name, data[name])
            user.save(update_fields=["first_name", "last_name"])
            invite = False
            updated += 1
        profile = Profile.objects.filter(user=user).first() or Profile(user=user)
        for key, value in data_for_profile(data).items():
            setattr(profile, key, value)
        profile.full_clean()
        profile.save()
        if not Membership.objects.filter(user=user).exists():
            start, end = first_period(today)
            joined = date(data["year_joined"], 1, 1) if data["year_joined"] else today
            Membership.objects.create(
                user=user,
                status=Membership.Status.ACTIVE,
                applied_at=timezone.now(),
                decided_at=timezone.now(),
                decided_by=actor,
                member_since=min(joined, start),
                period_start=start,
                period_end=end,
            )
        if invite:
            # allauth's own password-reset email (through our adapter, so the outbox): the
            # link lets them choose a password and proves the address is theirs.
            request_password_reset(request, user.email, [user], default_token_generator)
    batch.committed_at = timezone.now()
    batch.created_count, batch.updated_count = created, updated
    batch.rows = []
    batch.save()
    record_event(actor=actor, action="members.import.committed", target=batch)
    return batch
