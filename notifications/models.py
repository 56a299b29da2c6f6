"""The outbox: every message is a row first, written in the same transaction as the change
that caused it; workers send the rows. And in-app alerts for navigators."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Message(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms"
        EMAIL = "email"
        HL7 = "hl7", "HL7 v2 (MLLP)"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        CANCELLED = "cancelled"

    channel = models.CharField(max_length=8, choices=Channel.choices)
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    to = models.CharField(max_length=254, help_text="E.164 phone or email address.")
    template = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    send_after = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    provider_status = models.CharField(
        max_length=24, blank=True, help_text="Delivery status reported by the provider."
    )
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["send_after", "id"]
        indexes = [
            models.Index(
                fields=["send_after"],
                condition=models.Q(status="pending"),
                name="pending_messages_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.template} #{self.pk} ({self.status})"


class PatientLink(models.Model):
    """A private, expiring link to a patient's visit plan, short enough for one SMS."""

    code = models.CharField(max_length=16, unique=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="links")
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"link for patient {self.patient_id}"


class Alert(models.Model):
    """Something a navigator must see: an emergency, a deadline at risk, a freed slot."""

    class Kind(models.TextChoices):
        EMERGENCY = "emergency"
        AT_RISK = "at_risk", "deadline at risk"
        BREACHED = "breached", "deadline breached"
        NO_SLOT = "no_slot", "no slot before the deadline"
        FREED_SLOT = "freed_slot", "a slot was freed"
        OVERRIDE = "override", "booked over another visit"
        TIME_OFF = "time_off", "booked in time off"
        PATIENT_REPLY = "patient_reply", "patient reply"
        BOARD = "board", "tumor board"
        IMAGING = "imaging", "surveillance imaging"
        CLOCK = "clock", "care clock"
        DELIVERY = "delivery", "message not delivered"
        PSYCHOSOCIAL = "psychosocial", "psychosocial referral (distress)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.CharField(max_length=500)
    referral = models.ForeignKey(
        "patients.Referral", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the alert's cause went away on its own (notifications.alerts).
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["kind"],
                condition=models.Q(resolved_at__isnull=True),
                name="alert_unresolved_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:60]}"


class SmsOptOut(models.Model):
    """A phone number that said STOP (or whose carrier told us it did: Twilio error 21610).

    Consent to texts belongs to the number (PRODUCT.md, "Rules settled": messages): while
    a row exists nothing but a reply to the number's own text is sent to it, whoever uses
    it; START from the number deletes it."""

    class Source(models.TextChoices):
        KEYWORD = "keyword", "replied with an opt-out word"
        PROVIDER = "provider", "the provider reported an opt-out (Twilio 21610)"

    phone = models.CharField(max_length=32, unique=True, help_text="E.164 phone number.")
    source = models.CharField(max_length=16, choices=Source.choices)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"opt-out ({self.source})"
