"""Board series, the meetings they generate, and who attended."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from board import rules
from navigation.models import Clinician, Location, Specialty
from patients.models import validate_time_zone


def default_quorum() -> list[list[str]]:
    return [list(group) for group in rules.DEFAULT_QUORUM]


class Series(models.Model):
    """A recurring board, e.g. every Tuesday 07:00-08:30 clinic time."""

    name = models.CharField(max_length=120, unique=True)
    weekday = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(6)], help_text="0 is Monday, 6 is Sunday."
    )
    start_time = models.TimeField()
    end_time = models.TimeField()
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    video_url = models.URLField(blank=True)
    case_capacity = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    minutes_per_case = models.PositiveSmallIntegerField(
        default=rules.DEFAULT_MINUTES_PER_CASE,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    cutoff_hours = models.PositiveSmallIntegerField(
        default=rules.DEFAULT_CUTOFF_HOURS, validators=[MaxValueValidator(336)]
    )
    # Groups of specialties; a meeting is quorate when each group has someone present.
    quorum = models.JSONField(default=default_quorum)
    members = models.ManyToManyField(Clinician, blank=True, related_name="board_series")
    starts_on = models.DateField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "series"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="board_series_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="board_series_weekday_0_6"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        CANCELLED = "cancelled"

    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField()
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    cutoff_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.CharField(max_length=200, blank=True)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    video_url = models.URLField(blank=True)
    case_capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    minutes_per_case = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    # RFC 5545: one UID for the meeting's life, SEQUENCE raised with every change.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "date"], name="one_meeting_a_day"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="meeting_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series.name} {self.date}"

    @property
    def cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


class Attendance(models.Model):
    """One clinician at one meeting; the specialty is kept as it was that day."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="+")
    specialty = models.CharField(max_length=24, choices=Specialty.choices)
    present = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["specialty", "clinician_id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "clinician"], name="attend_once"),
        ]

    def __str__(self) -> str:
        return f"{self.clinician_id} at meeting {self.meeting_id}"
