from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(DjangoUserManager):
    """Users are identified by email; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        # Role permissions (see core.roles); attached here because they concern people.
        permissions = [
            ("work_casework", _("Can work the casework queue")),
            ("manage_membership", _("Can manage memberships")),
            ("manage_surveys", _("Can manage survey editions")),
            ("view_statistics", _("Can view and export statistics")),
            ("lead_casework", _("Can see and reassign every case that is not restricted")),
            ("manage_roles", _("Can give and remove staff roles")),
        ]

    def __str__(self):
        return self.email

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        # The address and password hash as stored, so save() notices a change however it
        # is made.
        user._stored_email = user.__dict__.get("email")
        user._stored_password = user.__dict__.get("password")
        return user

    def _email_changed(self, update_fields):
        stored = getattr(self, "_stored_email", None)
        return (
            stored is not None
            and self.email is not None
            and stored.lower() != self.email.lower()
            and (update_fields is None or "email" in update_fields)
        )

    def _password_changed(self, update_fields):
        """A new password (set_password) on an account that had a usable one. Not the first
        password of an invited member, and not the rehash of the same password that Django
        does on login when the hasher's parameters change."""
        stored = getattr(self, "_stored_password", None)
        return (
            self._password is not None
            and stored is not None
            and is_password_usable(stored)
            and (update_fields is None or "password" in update_fields)
            and not check_password(self._password, stored)
        )

    def save(self, *args, **kwargs):
        """A changed sign-in address or password is told to the person (the address change
        at the old and the new address), with an audit row, in the same transaction:
        whoever made it (the person, an administrator in a shell or any admin page), an
        account cannot be moved to another mailbox, or its password reset, unnoticed."""
        update_fields = kwargs.get("update_fields")
        old_email = getattr(self, "_stored_email", None)
        email_changed = self._email_changed(update_fields)
        password_changed = self._password_changed(update_fields)
        if not (email_changed or password_changed):
            super().save(*args, **kwargs)
            return
        from . import services

        with transaction.atomic():
            super().save(*args, **kwargs)
            if email_changed:
                services.notify_email_changed(user=self, old_email=old_email)
            if password_changed:
                services.notify_password_changed(user=self)
        self._stored_email, self._stored_password = self.email, self.password


# --- Membership -----------------------------------------------------------------------------


class County(models.Model):
    """A county (fylke) in the 2024 structure, by Statistics Norway's code ("46")."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Municipality(models.Model):
    """A municipality (kommune) in the 2024 structure, by Statistics Norway's code ("4601")."""

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    # The Norwegian form where the official name is Sámi or Kven ("Karasjok" for "Kárášjohka").
    norwegian_name = models.CharField(_("Norwegian name"), max_length=100, blank=True)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("county")
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self):
        if self.norwegian_name:
            return f"{self.name} ({self.norwegian_name})"
        return self.name


class EmployerType(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    SPECIALIST = "specialist", _("Specialist health service")
    NAV = "nav", _("NAV")
    NGO_PRIVATE = "ngo_private", _("NGO or private")
    OTHER = "other", _("Other")


class Field(models.TextChoices):
    MENTAL_HEALTH = "mental_health", _("Mental health")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    BOTH = "both", _("Both")


class ContractType(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    TEMPORARY = "temporary", _("Temporary")


# Nobody worked as a peer support worker in Norway before this; older years are typos.
EARLIEST_START_YEAR = 1970


class Profile(models.Model):
    """What a member tells us about their work, used for membership and statistics.

    Visible only to the member, to admins, and (as a summary) to advisors handling their case.
    The municipality always lies in the county (checked in clean(); a cross-table rule the
    database cannot express). The yes/no fields are null until the member answers.
    """

    user = models.OneToOneField(
        "members.User", on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="+", verbose_name=_("county")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    employer_type = models.CharField(
        _("employer type"), max_length=20, choices=EmployerType.choices
    )
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    position_percent = models.PositiveSmallIntegerField(
        _("position percentage"),
        validators=[
            MinValueValidator(1, _("The position percentage must be between 1 and 100.")),
            MaxValueValidator(100, _("The position percentage must be between 1 and 100.")),
        ],
    )
    contract_type = models.CharField(
        _("contract type"), max_length=20, choices=ContractType.choices
    )
    training_completed = models.BooleanField(
        _("completed a peer-work training programme"), null=True, blank=True
    )
    union_member = models.BooleanField(_("union member"), null=True, blank=True)
    user_representative = models.BooleanField(
        _("also serves as a user representative"), null=True, blank=True
    )
    year_started = models.PositiveSmallIntegerField(
        _("year started as a peer support worker"),
        validators=[
            MinValueValidator(
                EARLIEST_START_YEAR, _("Give the year you started, %(limit_value)s or later.")
            )
        ],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(position_percent__gte=1, position_percent__lte=100),
                name="profile_position_percent_1_100",
            ),
            models.CheckConstraint(
                condition=models.Q(year_started__gte=EARLIEST_START_YEAR),
                name="profile_year_started_plausible",
            ),
            models.CheckConstraint(
                condition=models.Q(employer_type__in=EmployerType.values),
                name="profile_employer_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(field__in=Field.values), name="profile_field_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(contract_type__in=ContractType.values),
                name="profile_contract_type_valid",
            ),
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} #{self.pk}"

    def clean(self):
        from django.core.exceptions import ValidationError
        from django.utils import timezone

        errors = {}
        if (
            self.municipality_id
            and self.county_id
            and self.municipality.county_id != self.county_id
        ):
            errors["municipality"] = _("Choose a municipality in the county you chose.")
        if self.year_started and self.year_started > timezone.localdate().year:
            errors["year_started"] = _("The year you started cannot be in the future.")
        if errors:
            raise ValidationError(errors)


class Consent(models.Model):
    """Explicit consent to process special-category data (GDPR Art. 9(2)(a)): which text
    version was agreed to, when, and when it was withdrawn. Kept as history."""

    user = models.ForeignKey(
        "members.User", on_delete=models.CASCADE, related_name="consents", verbose_name=_("user")
    )
    version = models.CharField(_("consent text version"), max_length=20)
    given_at = models.DateTimeField(_("given"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_current_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True)
                | models.Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.version} #{self.pk}"


class MembershipQuerySet(models.QuerySet):
    def current(self):
        """Memberships that count: active, or past the end date but within the grace period."""
        return self.filter(status__in=Membership.CURRENT_STATUSES)

    def giving_access(self, today=None):
        """Memberships whose holder has member access (the survey, guidance): the one rule
        behind core.roles.is_member and every list of members who may take part.

        Current, on an active account, with a consent that has not been withdrawn (an
        imported member has none until they give it). The end date is checked too, so
        access ends with the grace period even if the nightly status job has not run.
        """
        today = today or timezone.localdate()
        last_end = today - timedelta(days=settings.MEMBERSHIP_GRACE_DAYS)
        consent = Consent.objects.filter(user=models.OuterRef("user"), withdrawn_at__isnull=True)
        return self.current().filter(
            models.Exists(consent), user__is_active=True, period_end__gte=last_end
        )

    def awaiting_decision(self):
        return self.filter(status=Membership.Status.PENDING)


class Membership(models.Model):
    """One person's membership: its status and the period it runs for.

    pending → active (approved, for a period) → grace (after the end date) → lapsed;
    pending → rejected; any → cancelled (by the member). Renewing extends the period.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Application received")
        ACTIVE = "active", _("Active")
        GRACE = "grace", _("Grace period")
        LAPSED = "lapsed", _("Lapsed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    CURRENT_STATUSES = (Status.ACTIVE, Status.GRACE)
    # Statuses that need a period: they exist only after an approval.
    PERIOD_STATUSES = (Status.ACTIVE, Status.GRACE, Status.LAPSED)

    user = models.OneToOneField(
        "members.User",
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    applied_at = models.DateTimeField(_("applied"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "members.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    # The day the first approval took effect: "year joined" in the statistics.
    member_since = models.DateField(_("member since"), null=True, blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [models.Index(fields=["status", "period_end"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending", "active", "grace", "lapsed", "rejected", "cancelled"]
                ),
                name="membership_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["active", "grace", "lapsed"])
                | models.Q(
                    period_start__isnull=False,
                    period_end__isnull=False,
                    member_since__isnull=False,
                ),
                name="membership_approved_has_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__isnull=True)
                | models.Q(period_start__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="membership_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} #{self.pk} ({self.status})"

    @property
    def is_current(self):
        return self.status in self.CURRENT_STATUSES


class ImportBatch(models.Model):
    """An uploaded member list between its dry-run preview and its commit.

    Holds the parsed rows so the admin commits exactly what they previewed; the rows are
    emptied once committed, so the personal data lives here only for that short while.
    """

    created_by = models.ForeignKey(
        "members.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rows = models.JSONField(_("rows"), default=list)
    committed_at = models.DateTimeField(_("committed"), null=True, blank=True)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")

    def __str__(self):
        return f"{self._meta.verbose_name} #{self.pk}"
