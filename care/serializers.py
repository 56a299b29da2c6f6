"""Input and output shapes of the care API."""

from __future__ import annotations

from rest_framework import serializers

from board.models import Modality, Recommendation
from care.models import Clock, Treatment
from navigation.models import Appointment
from tumorboard.serializers import StrictModelSerializer, StrictSerializer


class TreatmentCreateSerializer(StrictSerializer):
    """A treatment that began: `appointment` (a visit here marked done) or `started_at`
    (an ISO 8601 date-time, started elsewhere), never both."""

    recommendation = serializers.PrimaryKeyRelatedField(queryset=Recommendation.objects.all())
    modality = serializers.ChoiceField(choices=Modality.choices)
    appointment = serializers.PrimaryKeyRelatedField(
        queryset=Appointment.objects.all(), required=False, allow_null=True
    )
    started_at = serializers.DateTimeField(required=False, allow_null=True)
    performer = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Where, if elsewhere."
    )


class TreatmentSerializer(StrictModelSerializer):
    class Meta:
        model = Treatment
        fields = [
            "id",
            "patient",
            "referral",
            "recommendation",
            "modality",
            "started_at",
            "appointment",
            "started_elsewhere",
            "performer",
            "recorded_at",
        ]
        read_only_fields = fields


STATUSES = ["on_track", "at_risk", "met", "breached", "pending"]


class ClockViewSerializer(serializers.Serializer):
    """One clock: when it started, is due and turns at risk (UTC), when it stopped (null:
    running), the target in words, and its status at the time of the request."""

    kind = serializers.ChoiceField(choices=["consult", *Clock.Kind.values])
    label = serializers.CharField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    at_risk_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    target = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUSES)


class ClockSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=STATUSES, read_only=True)

    class Meta:
        model = Clock
        fields = [
            "id",
            "referral",
            "patient",
            "kind",
            "started_at",
            "due_at",
            "at_risk_at",
            "stopped_at",
            "target",
            "status",
        ]
        read_only_fields = fields
