"""SMART Backend Services clients, their access tokens and the assertion ids already
used; and the proposals `$find` makes, referenceable by `$hold` and `$book` for a while."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def _client_id() -> str:
    return secrets.token_urlsafe(16)


class SmartClient(models.Model):
    """A system registered to call the FHIR API with `private_key_jwt`: its public keys
    (a JWKS), the scopes it may be granted, and the user whose role it acts in (roles
    apply as for a person; the scopes narrow them)."""

    client_id = models.CharField(max_length=64, unique=True, default=_client_id)
    name = models.CharField(max_length=120)
    jwks = models.JSONField(help_text="The client's public keys, a JWK Set {'keys': [...]}.")
    scopes = models.CharField(
        max_length=500,
        help_text="Scopes it may be granted, space-separated, e.g. system/Appointment.rs "
        "system/Patient.c (SMART v2) or system/*.read (v1).",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class SmartToken(models.Model):
    """An access token given out: only its SHA-256 is kept."""

    digest = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(SmartClient, on_delete=models.CASCADE, related_name="tokens")
    scopes = models.CharField(max_length=500)
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"token of {self.client_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class UsedAssertion(models.Model):
    """A client assertion's `jti`, kept until the assertion would have expired: a second
    use is a replay."""

    client = models.ForeignKey(SmartClient, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "jti"], name="jti_once")]

    def __str__(self) -> str:
        return f"jti {self.jti}"


class Proposal(models.Model):
    """A proposed Appointment from `$find`: the visits it would book, kept for
    PROPOSAL_MINUTES so that `$hold` and `$book` can take it by reference."""

    id = models.CharField(primary_key=True, max_length=32)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey(
        "patients.Referral", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    resource = models.JSONField(help_text="The proposed Appointment as returned.")
    visits = models.JSONField(help_text="[{clinician, start (ISO, UTC), minutes, location}]")
    expires_at = models.DateTimeField(db_index=True)
    booked = models.JSONField(default=list, help_text="Ids of the Appointments it became.")
    hold = models.ForeignKey(
        "navigation.Hold",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The hold `$hold` placed on its visits; `$book` confirms it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"proposal {self.id}"


class ProposalBooking(models.Model):
    """Which proposal an Appointment was booked from: its identifier says so ever after."""

    appointment = models.OneToOneField(
        "navigation.Appointment", on_delete=models.CASCADE, related_name="+"
    )
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="bookings")

    def __str__(self) -> str:
        return f"appointment {self.appointment_id} from {self.proposal_id}"
