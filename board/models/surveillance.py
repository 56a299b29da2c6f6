"""Follow-up imaging every 6-16 weeks: a plan per patient and the scans it books."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from board import rules
from board.models.cases import Case, DiseaseActivity, ImagingModality, Recommendation
from navigation.models import Appointment
from patients.models import Patient


class SurveillancePlan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        ENDED = "ended"

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="surveillance_plans"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recommendation = models.ForeignKey(
        Recommendation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    modality = models.CharField(max_length=16, choices=ImagingModality.choices)
    disease_activity = models.CharField(max_length=24, choices=DiseaseActivity.choices)
    interval_weeks = models.PositiveSmallIntegerField()
    interval_set_by_hand = models.BooleanField(default=False)
    stable_scans = models.PositiveSmallIntegerField(default=0)
    # The last scan (or the plan's start): the next one is due `interval_weeks` after it.
    last_scan_on = models.DateField()
    next_due_on = models.DateField(db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    ended_reason = models.CharField(max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["next_due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=models.Q(status="active"), name="one_active_plan"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    interval_weeks__gte=rules.MIN_WEEKS, interval_weeks__lte=rules.MAX_WEEKS
                ),
                name="plan_interval_6_to_16_weeks",
            ),
        ]

    def __str__(self) -> str:
        return f"Surveillance plan {self.pk} ({self.modality} every {self.interval_weeks} wk)"


class Scan(models.Model):
    """One follow-up imaging visit the plan booked, and what it showed."""

    class Status(models.TextChoices):
        BOOKED = "booked"
        DONE = "done"
        MISSED = "missed"
        CANCELLED = "cancelled"

    class Result(models.TextChoices):
        STABLE = "stable"
        RESPONDING = "responding"
        PROGRESSION = "progression"
        PSEUDOPROGRESSION = "pseudoprogression", "possible pseudoprogression"
        NEW_SYMPTOMS = "new_symptoms", "new symptoms"

    plan = models.ForeignKey(SurveillancePlan, on_delete=models.CASCADE, related_name="scans")
    due_on = models.DateField()
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    result = models.CharField(max_length=24, choices=Result.choices, blank=True)
    scanned_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=models.Q(status="booked"), name="one_booked_scan"
            ),
        ]

    def __str__(self) -> str:
        return f"Scan {self.pk} due {self.due_on}"
