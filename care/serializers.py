"""Input and output shapes of the care API."""

from __future__ import annotations

from rest_framework import serializers

from board.models import Modality, Recommendation
from board.serializers import named_choices
from care import distress_list
from care.models import Barrier, Clock, DistressScreening, Treatment
from navigation.models import Appointment
from patients.models import Referral
from tumorboard.audit import AuditedSerializer
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
    status = named_choices([(v, v) for v in STATUSES], "ClockStatusEnum")


class ClockSerializer(serializers.ModelSerializer):
    status = named_choices([(v, v) for v in STATUSES], "ClockStatusEnum", read_only=True)

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


class BarrierSerializer(AuditedSerializer, StrictModelSerializer):
    """A barrier to care: its kind, who found it and when, what was done, when resolved
    (aware datetimes; a resolution before the finding is refused naming `resolved_at`)."""

    class Meta:
        model = Barrier
        fields = [
            "id",
            "patient",
            "kind",
            "description",
            "language",
            "found_at",
            "found_by",
            "action",
            "resolved_at",
            "resolved_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "patient",
            "found_by",
            "resolved_by",
            "created_at",
            "updated_at",
        ]


SCORE_RANGE = "The distress score is a whole number from 0 (no distress) to 10 (extreme)."


class DistressScreeningSerializer(AuditedSerializer, StrictModelSerializer):
    """One NCCN Distress Thermometer: `score` 0-10 and the `problems` ticked (codes of the
    NCCN problem list, by category: practical, family, emotional, spiritual, physical).
    `referred` says the score reached DISTRESS_THRESHOLD (default 4): the navigators were
    alerted to refer the patient to psychosocial care."""

    score = serializers.IntegerField(
        min_value=0,
        max_value=10,
        error_messages={"min_value": SCORE_RANGE, "max_value": SCORE_RANGE},
    )
    problems = serializers.ListField(
        child=serializers.ChoiceField(distress_list.CHOICES), required=False, max_length=40
    )
    referral = serializers.PrimaryKeyRelatedField(
        queryset=Referral.objects.all(), required=False, allow_null=True
    )
    occasion = serializers.ChoiceField(DistressScreening.Occasion.choices, required=False)

    class Meta:
        model = DistressScreening
        fields = [
            "id",
            "patient",
            "referral",
            "occasion",
            "score",
            "problems",
            "notes",
            "screened_at",
            "screened_by",
            "referred",
            "created_at",
        ]
        read_only_fields = ["patient", "screened_by", "referred", "created_at"]

    def validate_referral(self, value):
        patient_pk = self.context.get("patient_pk")
        if value is not None and patient_pk is not None and value.patient_id != int(patient_pk):
            raise serializers.ValidationError("The referral is another patient's.")
        return value


class OfferedVisitSerializer(serializers.Serializer):
    """A free psychosocial-care visit, bookable as is through `/api/v1/itineraries/`."""

    day = serializers.DateField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    clinician = serializers.IntegerField()
    location = serializers.IntegerField()
    specialty = serializers.CharField()


class DistressResultSerializer(DistressScreeningSerializer):
    offered_visits = OfferedVisitSerializer(many=True, read_only=True)

    class Meta(DistressScreeningSerializer.Meta):
        fields = [*DistressScreeningSerializer.Meta.fields, "offered_visits"]
