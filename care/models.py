"""Care clocks after the consult and the treatments that stop them.

A clock is derived from what happened (a booked consult, a board case, a signed
recommendation, a treatment, a surveillance plan): `care.clocks` computes it and
`care.services.clocks_refresh` stores its times here only so the queue can filter and
the watch can alert in SQL. Refreshing from the events again moves a clock as if a late
event had been recorded on time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models

from board.models import Modality, Recommendation
from navigation.models import Appointment
from patients import clinical
from patients.models import Patient, Referral

PENDING = "pending"  # its start event is booked but still ahead (a consult next week)


class Treatment(models.Model):
    """A treatment the board asked for, as it began: a visit here marked done, or care
    started elsewhere on a given date (FHIR Procedure.performed[x] is `started_at`)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatments")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="treatments")
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="treatments"
    )
    modality = models.CharField(max_length=32, choices=Modality.choices)
    started_at = models.DateTimeField()
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="treatment"
    )
    started_elsewhere = models.BooleanField(default=False)
    performer = models.CharField(
        max_length=200, blank=True, help_text="Where or by whom, when started elsewhere."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            # A resection (or any modality) is recorded once per recommendation.
            models.UniqueConstraint(
                fields=["recommendation", "modality"], name="one_treatment_per_modality"
            ),
            models.CheckConstraint(
                condition=models.Q(appointment__isnull=False, started_elsewhere=False)
                | models.Q(appointment__isnull=True, started_elsewhere=True),
                name="treatment_here_or_elsewhere",
            ),
        ]

    def __str__(self) -> str:
        return f"Treatment {self.pk} ({self.modality})"


class ClockQuerySet(models.QuerySet["Clock"]):
    def with_status(self, now: datetime) -> Any:  # annotated rows the type checker cannot see
        """Annotate `status` in SQL, the same rule as care.clocks.clock_status."""
        stopped = models.Q(stopped_at__isnull=False)
        return self.annotate(
            status=models.Case(
                models.When(
                    stopped & models.Q(stopped_at__lte=models.F("due_at")),
                    then=models.Value(clinical.MET),
                ),
                models.When(stopped, then=models.Value(clinical.BREACHED)),
                models.When(started_at__gt=now, then=models.Value(PENDING)),
                models.When(due_at__lte=now, then=models.Value(clinical.BREACHED)),
                models.When(at_risk_at__lt=now, then=models.Value(clinical.AT_RISK)),
                default=models.Value(clinical.ON_TRACK),
                output_field=models.CharField(),
            )
        )


class Clock(models.Model):
    """One care clock of a referral, as last derived from its events."""

    class Kind(models.TextChoices):
        BOARD = "board", "board discussion"
        TREATMENT = "treatment", "treatment start"
        POSTOP_SRS = "postop_srs", "post-operative radiosurgery"
        IMAGING = "imaging", "next imaging"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="clocks")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    at_risk_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Why the target is what it is, in plain words ("the next meeting open for cases").
    target = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClockQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "kind"], name="one_clock_per_kind"),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(stopped_at__isnull=True), name="clock_running"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} clock of referral {self.referral_id}"


from care.support_models import Barrier, DistressScreening  # noqa: E402, F401
