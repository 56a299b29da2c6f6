"""What the pages themselves need to remember: which form was already handled (so a
double click books nothing twice) and the patients' requests waiting for a navigator."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FormSubmission(models.Model):
    """One handled form, by the one-time token the page gave it; the unique token makes a
    second submission of the same form wait for the first and then find its result."""

    token = models.CharField(max_length=64, unique=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"Form {self.token[:8]}"


class PatientRequest(models.Model):
    """A patient asked (by SMS R or on their page) to reschedule: a task on the referral
    until a navigator handles it."""

    class Source(models.TextChoices):
        SMS = "sms", "text message"
        PAGE = "page", "visit page"

    class Status(models.TextChoices):
        OPEN = "open"
        DONE = "done"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="requests"
    )
    referral = models.ForeignKey(
        "patients.Referral",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="patient_requests",
    )
    appointment = models.ForeignKey(
        "navigation.Appointment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    text = models.CharField(max_length=300)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Request {self.pk}: {self.status}"
