from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """Something a user action must cause later (today: an email), stored with the action.

    The row is written in the same transaction as the action, so a broker or mail outage can
    delay the side effect but never lose it. `dedupe_key` records what was sent: a reminder
    job that runs twice finds the key taken and sends nothing.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EMAIL)
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Only the exception's class: an error message may quote the content.
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "failed"]),
                name="outbox_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Who did what to which object, and when. Never the content: the object is named by
    type and id only. Append-only: the model refuses changes, and on PostgreSQL triggers
    refuse UPDATE, DELETE and TRUNCATE from any client (core/migrations/0005).

    Deleting a user does not touch these rows (DO_NOTHING): the erasure path unlinks them
    through core.audit.unlink_deleted_user, and any other deletion of a user with audit rows
    fails on the foreign key at commit. So who-did-it is never nulled behind our back."""

    actor = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+"
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # The subject whose data was touched (e.g. the member owning a case), so a member can be
    # shown who opened their case, and an erasure can find the rows.
    subject = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class Release(models.Model):
    """A published statistics release (see core.releases): every table of one statistics page,
    as protected and audited at `as_of`. Stored once and never changed, so every page view
    and download of the release shows the same numbers."""

    kind = models.CharField(max_length=40)
    number = models.PositiveIntegerField()
    as_of = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    rule_version = models.CharField(max_length=40)
    threshold = models.PositiveSmallIntegerField()
    # Published cells only (hidden ones are null), with the titles and labels in every language.
    data = models.JSONField()
    # Per table, the hidden cells and the interval the auditor proved for each.
    audit = models.JSONField()

    class Meta:
        verbose_name = _("statistics release")
        verbose_name_plural = _("statistics releases")
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="release_kind_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="release_number_gte_1"),
        ]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("A published release never changes.")
        super().save(*args, **kwargs)

    @property
    def label(self):
        return f"{self.kind}-{self.number}"

    def cells(self):
        from .releases import stored_cells

        if not hasattr(self, "_cells"):
            self._cells = stored_cells(self.data)
        return self._cells

    def table_keys(self):
        return [table["key"] for table in self.data["tables"]]

    def tables(self):
        from .releases import protected_tables

        return protected_tables(self.data)

    def extra_tables(self):
        from .releases import extra_tables

        return extra_tables(self.data)
