from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedCharField, EncryptedTextField
from core.lookups import InConstants

DESCRIPTION_MIN_LENGTH = 20
DESCRIPTION_MAX_LENGTH = 5000
MESSAGE_MAX_LENGTH = 5000
SAFE_CONTACT_MAX_LENGTH = 500


class Topic(models.Model):
    """What an inquiry is about. The code is stable (statistics and exports use it); the
    seven topics are created by a data migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nb = models.CharField(_("name (Bokmål)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.name_en if (get_language() or "nb").startswith("en") else self.name_nb


class CaseQuerySet(models.QuerySet):
    def open(self):
        # The constants in the statement: the queue's partial index needs them there.
        return self.exclude(InConstants(F("status"), [Case.Status.RESOLVED, Case.Status.CLOSED]))

    def awaiting_first_response(self):
        return self.open().filter(first_response_at__isnull=True, anonymised_at__isnull=True)

    def follow_up_passed(self, today):
        return self.open().filter(follow_up_on__lt=today)

    def due_for_anonymisation(self, cutoff):
        return self.filter(
            status=Case.Status.CLOSED, closed_at__lt=cutoff, anonymised_at__isnull=True
        )


def format_reference(year, number):
    """The one spelling of a case reference ("E-2026-00042"): members quote it on the phone
    and advisors search for it, so every writer must agree on the width."""
    return f"E-{year}-{number:05d}"


class Case(models.Model):
    """One inquiry for guidance, from a member through the portal or registered by an
    advisor (also for people who are not members). Texts are encrypted at rest."""

    class RequesterKind(models.TextChoices):
        MEMBER = "member", _("Member")
        MANAGER = "manager", _("Manager")
        UNION_REP = "union_rep", _("Union representative")
        RELATIVE = "relative", _("Relative")
        OTHER = "other", _("Other")
        # Asked through the public form without an account; reads replies with a secret.
        ANONYMOUS = "anonymous", _("Anonymous")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        VISIT = "visit", _("Visit")

    class Status(models.TextChoices):
        # A context, so the case workflow's words are ours, not another app's "Closed".
        NEW = "new", pgettext_lazy("case status", "New")
        OPEN = "open", pgettext_lazy("case status", "Open")
        WAITING = "waiting", pgettext_lazy("case status", "Waiting for member")
        RESOLVED = "resolved", pgettext_lazy("case status", "Resolved")
        CLOSED = "closed", pgettext_lazy("case status", "Closed")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    class Outcome(models.TextChoices):
        GUIDANCE_GIVEN = "guidance_given", _("Guidance given")
        REFERRED = "referred", _("Referred elsewhere (union, lawyer, health service)")
        RESOLVED_AT_WORK = "resolved_at_work", _("Resolved with the employer")
        NO_CONTACT = "no_contact", _("No contact with the requester")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        OTHER = "other", _("Other")

    # Allowed status changes; anything else is refused with a message.
    TRANSITIONS = {
        Status.NEW: (Status.OPEN, Status.CLOSED),
        Status.OPEN: (Status.WAITING, Status.RESOLVED, Status.CLOSED),
        Status.WAITING: (Status.OPEN, Status.RESOLVED, Status.CLOSED),
        Status.RESOLVED: (Status.CLOSED, Status.OPEN),
        Status.CLOSED: (Status.OPEN,),
    }

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        null=True,
        blank=True,
        # An erased account leaves the case to the retention policy, unlinked.
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    requester_kind = models.CharField(
        _("who is asking"),
        max_length=20,
        choices=RequesterKind.choices,
        default=RequesterKind.MEMBER,
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PORTAL
    )
    contact_name = EncryptedCharField(_("contact name"), max_length=200, blank=True, null=True)
    contact_email = EncryptedCharField(_("contact email"), max_length=254, blank=True, null=True)
    contact_phone = EncryptedCharField(_("contact phone"), max_length=40, blank=True, null=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), related_name="cases")
    description = EncryptedTextField(_("description"), blank=True, null=True)
    safe_contact = EncryptedTextField(
        _("how and when it is safe to contact"), blank=True, null=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("Only the assigned advisor can see a restricted case."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned advisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # An anonymous inquiry's one-time secret, as a password hash (never the secret itself).
    visitor_secret_hash = models.CharField(max_length=200, blank=True, editable=False)
    # Coarse strata copied from the profile when the case is created, so statistics need no
    # join to profiles and survive the member's erasure.
    region = models.CharField(_("region"), max_length=40, blank=True)
    employer_type = models.CharField(_("employer type"), max_length=40, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="case_status_created"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status"),
            models.Index(fields=["follow_up_on"], name="case_follow_up"),
            # The queue's default view and its count: the active cases of an advisor (or
            # triage), newest first. Only active cases are in it, so it stays small however
            # many closed cases an advisor has behind them. It carries what the gatekeeper
            # checks besides (restricted, whose case it is), so the count is read from the
            # index alone (an index-only scan: 0.1 ms against 1.3 ms at 20k cases).
            models.Index(
                fields=["assignee", "-created_at"],
                include=["restricted", "member", "id"],
                condition=~Q(status__in=["resolved", "closed"]) & Q(anonymised_at__isnull=True),
                name="case_active_assignee",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "open", "waiting", "resolved", "closed"]),
                name="case_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=1, priority__lte=4), name="case_priority_valid"
            ),
            # Nobody could see a restricted case without an assignee.
            models.CheckConstraint(
                condition=Q(restricted=False) | Q(assignee__isnull=False),
                name="case_restricted_has_assignee",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="case_closed_has_time_and_outcome",
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=True) | Q(requester_kind="member"),
                name="case_member_is_member_requester",
            ),
            # Only an anonymous inquiry is read with a secret, and it has no account.
            models.CheckConstraint(
                condition=Q(visitor_secret_hash="")
                | (Q(requester_kind="anonymous") & Q(member__isnull=True)),
                name="case_secret_only_anonymous",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_anonymised(self):
        return self.anonymised_at is not None

    @property
    def status_badge(self):
        """The Bootstrap colour of the status badge (the label is always shown beside it)."""
        return STATUS_BADGES[self.status]

    @property
    def allowed_statuses(self):
        return self.TRANSITIONS[self.status]

    @property
    def is_anonymous(self):
        return self.requester_kind == self.RequesterKind.ANONYMOUS

    # Django's get_FOO_display() rebuilds a hashable copy of the field's choices on every
    # call (about 25 µs): three per row were a tenth of the queue's time (issue 14).
    def get_status_display(self):
        return _CHOICE_LABELS["status"].get(self.status, self.status)

    def get_priority_display(self):
        return _CHOICE_LABELS["priority"].get(self.priority, self.priority)

    def get_requester_kind_display(self):
        return _CHOICE_LABELS["requester_kind"].get(self.requester_kind, self.requester_kind)

    @staticmethod
    def choice_labels():
        """{"status": {value: label}, "priority": …, "requester_kind": …} in the active
        language, translated once: for a list that shows them on every row."""
        return {
            field: {value: str(label) for value, label in labels.items()}
            for field, labels in _CHOICE_LABELS.items()
        }

    @property
    def requester_display(self):
        if self.is_anonymous:
            return _("Anonymous")
        if self.member_id:
            # The queue's rows bring the name along (casework.selectors._person_name).
            if "member_name" in self.__dict__:
                return self.member_name
            return self.member.get_full_name() or self.member.email
        return self.contact_name or "-"


_CHOICE_LABELS = {
    "status": dict(Case.Status.choices),
    "priority": dict(Case.Priority.choices),
    "requester_kind": dict(Case.RequesterKind.choices),
}

STATUS_BADGES = {
    Case.Status.NEW: "primary",
    Case.Status.OPEN: "info",
    Case.Status.WAITING: "warning",
    Case.Status.RESOLVED: "success",
    Case.Status.CLOSED: "secondary",
}


class CaseCounter(models.Model):
    """The last reference number used in a year (E-2026-00042); locked while incremented."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class Message(models.Model):
    """A reply (seen by the requester) or an internal note (advisors only, never emailed)."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply to the member")
        INTERNAL_NOTE = "internal_note", _("Internal note")

    class Sender(models.TextChoices):
        MEMBER = "member", _("Member")
        ADVISOR = "advisor", _("Advisor")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REPLY)
    sender = models.CharField(_("sender"), max_length=10, choices=Sender.choices)
    body = EncryptedTextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["case", "created_at"], name="message_case_created")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="internal_note") | Q(sender="advisor"),
                name="message_note_by_advisor",
            ),
        ]

    def __str__(self):
        return f"{self.case} {self.kind} #{self.pk}"

    @property
    def is_internal(self):
        return self.kind == self.Kind.INTERNAL_NOTE


ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_PER_MESSAGE = 5


class Attachment(models.Model):
    """A file sent with a message. The content is Fernet ciphertext in the
    `casework_attachments` storage under a random name (casework.attachments); the row keeps
    the cleaned file name (encrypted: names like "payslip-ola-nordmann.pdf" say a lot), the
    type found from the content, and the size."""

    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"
        DOCX = (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "DOCX",
        )

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    name = EncryptedCharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("size"))
    stored_name = models.CharField(max_length=80, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=ATTACHMENT_MAX_BYTES),
                name="attachment_size_limit",
            ),
            models.CheckConstraint(
                condition=Q(
                    content_type__in=[
                        "application/pdf",
                        "image/jpeg",
                        "image/png",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    ]
                ),
                name="attachment_type_allowed",
            ),
        ]

    def __str__(self):
        return f"{self.message_id} #{self.pk}"


class Reminder(models.Model):
    """That an advisor was reminded of a case for a reason; the unique row makes the
    reminder job send each reminder once, however often it runs."""

    class Reason(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("No first response")
        FOLLOW_UP = "follow_up", _("Follow-up date passed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # What the reminder was about: the follow-up date, so a new date is reminded again.
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "advisor", "reason", "due_on"], name="reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.case} {self.reason} {self.due_on}"


def absence_current_q(today, prefix=""):
    """Absences that include `today`; `prefix` names the relation from another model
    ("covering__")."""
    return Q(**{f"{prefix}starts_on__lte": today, f"{prefix}ends_on__gte": today})


class AbsenceQuerySet(models.QuerySet):
    def current(self, today):
        return self.filter(absence_current_q(today))


class Absence(models.Model):
    """An advisor away from `starts_on` to `ends_on` (both included, Norwegian dates): their
    cases that are not restricted show in the cover advisor's queue, and the reminders about
    them go to the cover."""

    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("absent advisor"),
        on_delete=models.CASCADE,
        related_name="absences",
    )
    cover = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("covered by"),
        on_delete=models.CASCADE,
        related_name="covering",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to and including"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        indexes = [models.Index(fields=["cover", "ends_on"], name="absence_cover_ends")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absence_dates_in_order"
            ),
            models.CheckConstraint(
                condition=~Q(cover=models.F("advisor")), name="absence_cover_is_someone_else"
            ),
        ]

    def __str__(self):
        return f"{self.advisor_id} {self.starts_on}..{self.ends_on}"


class CaseTransfer(models.Model):
    """A restricted case moved to another advisor by the lead advisor, with the written
    reason the move needs (nobody else may see a restricted case, so nobody else may move it)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = EncryptedTextField(_("reason"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("transfer of a restricted case")
        verbose_name_plural = _("transfers of restricted cases")

    def __str__(self):
        return f"{self.case} {self.at:%Y-%m-%d}"


class SavedQueueFilter(models.Model):
    """The queue filters an advisor chose as their own start page (a query string that
    QueueFilterForm accepts; never a reference search)."""

    advisor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_queue_filter"
    )
    query = models.CharField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved queue filter")
        verbose_name_plural = _("saved queue filters")

    def __str__(self):
        return self.query
