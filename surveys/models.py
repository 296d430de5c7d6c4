"""The annual survey.

Anonymity by design (docs/anonymity.md): `Participation` and `Draft` know the member;
`Ballot`, `Response`, `Answer` and `FreeText` do not, and nothing links them.
A submission writes a sealed `Ballot` (encrypted with a key from the environment) beside the
participation. When the edition closes, a job mixes the ballots into responses in random
order in one transaction and deletes them, so a response shares neither a transaction, a row
order nor a time with the participation that came before it. Free-text answers are stored
apart, with no key joining them to their response. `SubmissionToken` holds a keyed hash of
member and edition so the database refuses a second ballot, without storing which was whose.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .sealing import SealedJSONField, SealedTokenField


def localized(obj, field):
    """The nb or en variant of `field`, falling back to Bokmål when English is missing."""
    if translation.get_language() == "en":
        value = getattr(obj, f"{field}_en")
        if value:
            return value
    return getattr(obj, f"{field}_nb")


def default_days_after_open():
    return list(settings.SURVEY_REMINDER_DAYS_AFTER_OPEN)


def default_days_before_close():
    return list(settings.SURVEY_REMINDER_DAYS_BEFORE_CLOSE)


class Unit(models.TextChoices):
    """What a number question counts. A fixed list, so each unit has a proper label and a
    translation: a free-text unit ("år") would show Bokmål in English."""

    PERCENT = "percent", _("per cent")
    YEARS = "years", _("years")
    NOK = "nok", _("Norwegian kroner")
    HOURS = "hours", _("hours")


# The label of the number field, and the short unit shown after it.
UNIT_TEXTS = {
    Unit.PERCENT: (_("Percentage"), "%"),
    Unit.YEARS: (_("Number of years"), _("years")),
    Unit.NOK: (_("Amount in kroner"), _("NOK")),
    Unit.HOURS: (_("Number of hours"), _("hours")),
}


PROFILE_FIELDS = [
    ("employer_type", _("Employer type")),
    ("field", _("Field")),
    ("union_member", _("Union member")),
    ("user_representative", _("User representative")),
    ("contract_type", _("Contract type")),
    ("training_completed", _("Completed a training programme")),
]


class EditionQuerySet(models.QuerySet):
    def accepting_answers(self, now=None):
        now = now or timezone.now()
        return self.filter(status=Edition.Status.OPEN, opens_at__lte=now, closes_at__gt=now)

    def past_closing(self, now=None):
        now = now or timezone.now()
        return self.filter(status=Edition.Status.OPEN, closes_at__lte=now)

    def awaiting_mixing(self):
        """Closed editions with ballots still sealed, or never mixed at all."""
        return (
            self.filter(status=Edition.Status.CLOSED)
            .filter(models.Q(mixed_on__isnull=True) | models.Q(ballots__isnull=False))
            .distinct()
        )

    def with_results(self):
        """Editions whose results may exist: closed, and their ballots mixed into responses."""
        return self.filter(status=Edition.Status.CLOSED, mixed_on__isnull=False)


class Edition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    # Days after opening / before closing on which non-respondents get a reminder.
    reminder_days_after_open = models.JSONField(default=default_days_after_open, blank=True)
    reminder_days_before_close = models.JSONField(default=default_days_before_close, blank=True)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    # The day the closed edition's ballots became responses; results exist only after it.
    mixed_on = models.DateField(_("mixed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("survey edition")
        verbose_name_plural = _("survey editions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "open", "closed"]),
                name="edition_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(opens_at__isnull=False, closes_at__isnull=False),
                name="edition_published_has_dates",
            ),
            models.CheckConstraint(
                condition=models.Q(opens_at__isnull=True)
                | models.Q(closes_at__isnull=True)
                | models.Q(closes_at__gt=models.F("opens_at")),
                name="edition_closes_after_opening",
            ),
        ]

    def __str__(self):
        return str(self.year)

    def accepts_answers(self, now=None):
        """EditionQuerySet.accepting_answers() for this one edition (tested alike)."""
        now = now or timezone.now()
        return (
            self.status == Edition.Status.OPEN
            and self.opens_at is not None
            and self.opens_at <= now
            and self.closes_at is not None
            and self.closes_at > now
        )

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    def is_accepting(self, now=None):
        now = now or timezone.now()
        return (
            self.status == self.Status.OPEN
            and self.opens_at is not None
            and self.opens_at <= now < self.closes_at
        )


class Section(models.Model):
    """One page of the questionnaire."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField()
    title_nb = models.CharField(_("title (Bokmål)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro_nb = models.TextField(_("introduction (Bokmål)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "order"], name="section_order_unique")
        ]

    def __str__(self):
        return self.title_nb

    @property
    def title(self):
        return localized(self, "title")

    @property
    def intro(self):
        return localized(self, "intro")


class Question(models.Model):
    class Type(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTI = "multi", _("Multiple choice")
        YES_NO = "yes_no", _("Yes / no")
        LIKERT = "likert", _("Likert matrix")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        TEXT = "text", _("Free text")

    CHOICE_TYPES = (Type.SINGLE, Type.MULTI, Type.YES_NO, Type.LIKERT)
    NUMBER_TYPES = (Type.INTEGER, Type.DECIMAL)

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField()
    # The concept asked, the same in every edition that asks it: trends join on this.
    key = models.SlugField(_("key"), max_length=60)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    text_nb = models.CharField(_("question (Bokmål)"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    help_nb = models.CharField(_("help text (Bokmål)"), max_length=500, blank=True)
    help_en = models.CharField(_("help text (English)"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    min_value = models.DecimalField(
        _("minimum"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True, choices=Unit.choices)
    # Numbers only: offer "prefer not to say" (salary).
    allow_decline = models.BooleanField(_("offer “prefer not to say”"), default=False)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    # Shown only when the question `show_if_key` (on an earlier page) was answered with one
    # of `show_if_codes`.
    show_if_key = models.SlugField(_("show if question"), max_length=60, blank=True)
    show_if_codes = models.JSONField(_("show if answer codes"), default=list, blank=True)
    # Answered from the member's profile (a breakdown variable), never asked: members are not
    # asked twice, and the answer keeps its key for the trend across editions.
    profile_field = models.CharField(
        _("taken from profile"), max_length=30, blank=True, choices=PROFILE_FIELDS
    )

    class Meta:
        ordering = ["section__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "key"], name="question_key_unique"),
            models.UniqueConstraint(fields=["section", "order"], name="question_order_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    type__in=["single", "multi", "yes_no", "likert", "integer", "decimal", "text"]
                ),
                name="question_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True)
                | models.Q(max_value__isnull=True)
                | models.Q(max_value__gte=models.F("min_value")),
                name="question_range_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(type="text") | models.Q(max_length__isnull=False),
                name="question_text_has_max_length",
            ),
            models.CheckConstraint(
                condition=models.Q(unit__in=["", *Unit.values]), name="question_unit_valid"
            ),
        ]

    def __str__(self):
        return self.key

    @property
    def text(self):
        return localized(self, "text")

    @property
    def help(self):
        return localized(self, "help")

    @property
    def number_label(self):
        return UNIT_TEXTS[self.unit][0] if self.unit else _("Number")

    @property
    def unit_symbol(self):
        return UNIT_TEXTS[self.unit][1] if self.unit else ""

    @property
    def marked_required(self):
        """Shown as "required": a number that offers "prefer not to say" is not, since
        declining is an answer (salary is voluntary to give)."""
        return self.required and not self.allow_decline


class Choice(models.Model):
    """An answer option; for a Likert matrix, a point on its shared scale."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField()
    code = models.SlugField(_("code"), max_length=40)
    label_nb = models.CharField(_("label (Bokmål)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="choice_code_unique"),
        ]

    def __str__(self):
        return self.code

    @property
    def label(self):
        return localized(self, "label")


class LikertItem(models.Model):
    """One row of a Likert matrix; every item is answered on the question's scale."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField()
    code = models.SlugField(_("code"), max_length=40)
    text_nb = models.CharField(_("statement (Bokmål)"), max_length=300)
    text_en = models.CharField(_("statement (English)"), max_length=300, blank=True)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="likert_item_code_unique"),
        ]

    def __str__(self):
        return self.code

    @property
    def text(self):
        return localized(self, "text")


class Participation(models.Model):
    """That a member was invited to, reminded about, started and submitted an edition.
    Knows the member; knows nothing of the answers."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_participations"
    )
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="participations")
    invited_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The day only: a time could be matched against anything else written when they submitted.
    submitted_on = models.DateField(null=True, blank=True)
    consent_version = models.CharField(max_length=20, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    legal_basis = models.CharField(max_length=60, blank=True)
    # The member withdrew before submitting: the draft is gone and no more reminders.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "edition"], name="participation_unique"),
            models.CheckConstraint(
                condition=models.Q(consent_version="") | models.Q(consented_at__isnull=False),
                name="participation_consent_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.edition} #{self.pk}"


class Draft(models.Model):
    """A member's answers so far, sealed at rest (a dead row or a backup holds ciphertext).
    Deleted when they submit or the edition closes."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_drafts"
    )
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="drafts")
    answers = SealedJSONField(default=dict)
    # A preview by a survey admin: its submission is a test response, never counted.
    is_preview = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "edition", "is_preview"], name="draft_unique"
            ),
        ]

    def __str__(self):
        return f"{self.edition} draft #{self.pk}"


class SubmissionToken(models.Model):
    """HMAC-SHA256(SURVEY_RESPONSE_KEY, member id + edition id): "this member has submitted".

    Deliberately not linked to the response, and without a timestamp, so even someone holding
    the key learns only what the participation record already says."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)

    def __str__(self):
        return self.digest[:8]


class Ballot(models.Model):
    """A submitted questionnaire waiting, sealed, for its edition to be mixed.

    `sealed` holds {"answers": ..., "strata": ...} as a padded Fernet token without a
    timestamp (surveys.sealing). No member, no time; the row is deleted when it is mixed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="ballots")
    sealed = SealedTokenField()

    def __str__(self):
        return f"{self.edition} ballot"


class ResponseQuerySet(models.QuerySet):
    def counted(self):
        return self.filter(is_test=False)


class Response(models.Model):
    """One submitted questionnaire, with no link to who submitted it and no time but its
    edition's. Written only by mixing, in random order."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="responses")
    # Breakdown categories from the profile at submission, generalised at mixing so that
    # every combination occurs at least k times in the edition ("" = not broken down).
    region = models.CharField(max_length=20, blank=True)
    employer_type = models.CharField(max_length=20, blank=True)
    field = models.CharField(max_length=20, blank=True)
    union_member = models.CharField(max_length=10, blank=True)
    user_representative = models.CharField(max_length=10, blank=True)
    contract_type = models.CharField(max_length=20, blank=True)
    training_completed = models.CharField(max_length=10, blank=True)
    # Submitted from an admin's preview; excluded from every count.
    is_test = models.BooleanField(default=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["edition", "is_test"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(training_completed__in=["", "yes", "no"]),
                name="response_training_completed_valid",
            ),
        ]

    def __str__(self):
        return f"{self.edition} response"


class Answer(models.Model):
    """One value of a response: a choice code (one row per code for multiple choice and per
    item for a Likert matrix), a number or a declined number. Free text is in FreeText."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question_key = models.SlugField(max_length=60)
    item_code = models.SlugField(max_length=40, blank=True)
    code = models.SlugField(max_length=40, blank=True)
    number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    declined = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["question_key", "code"])]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question_key", "item_code", "code"],
                name="answer_value_unique",
            ),
        ]

    def __str__(self):
        return self.question_key


class FreeText(models.Model):
    """A free-text answer, stored apart: nothing joins it to its response, so what someone
    wrote cannot be tied to their salary or their categories. Shuffled at mixing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="free_texts")
    question_key = models.SlugField(max_length=60)
    text = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["edition", "question_key"])]

    def __str__(self):
        return self.question_key


class PublicationQuerySet(models.QuerySet):
    def live(self):
        return self.filter(unpublished_at__isnull=True)


class Publication(models.Model):
    """An edition's report as shown to the members: frozen at publishing. It names the exact
    releases it reads (the report, the response rate and the other years' reports for the
    trends), so a later rebuild changes nothing members see until the admin publishes again.
    Unpublishing keeps the row (and the audit trail) and hides it."""

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="publications")
    release = models.ForeignKey("core.Release", on_delete=models.PROTECT, related_name="+")
    rate_release = models.ForeignKey(
        "core.Release", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The report release of every year the trends read: {"2021": release pk, ...}.
    trend_releases = models.JSONField(default=dict)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    unpublished_at = models.DateTimeField(null=True, blank=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["-edition__year", "-published_at"]
        constraints = [
            # At most one live publication per edition: members never see two versions.
            models.UniqueConstraint(
                fields=["edition"],
                condition=models.Q(unpublished_at__isnull=True),
                name="publication_one_live_per_edition",
            ),
        ]

    def __str__(self):
        return f"{self.edition} #{self.pk}"
