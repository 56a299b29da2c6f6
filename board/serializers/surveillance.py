"""Surveillance plans, their scans, and the accreditation report's query."""

from __future__ import annotations

from rest_framework import serializers

from board import rules
from board.models import DiseaseActivity, ImagingModality, Recommendation, Scan, SurveillancePlan
from board.serializers import named_choices
from patients.models import Patient
from tumorboard.audit import AuditedSerializer
from tumorboard.serializers import StrictSerializer

WEEKS = f"Follow-up imaging is every {rules.MIN_WEEKS} to {rules.MAX_WEEKS} weeks."


class ScanSerializer(serializers.ModelSerializer):
    status = named_choices(Scan.Status.choices, "ScanStatusEnum", read_only=True)
    appointment_start = serializers.DateTimeField(
        source="appointment.start", default=None, read_only=True
    )

    class Meta:
        model = Scan
        fields = [
            "id",
            "due_on",
            "status",
            "result",
            "scanned_on",
            "appointment",
            "appointment_start",
        ]
        read_only_fields = fields


class PlanSerializer(AuditedSerializer, serializers.ModelSerializer):
    """A follow-up imaging plan, its interval, next due date and scans."""

    mrn = serializers.CharField(source="patient.mrn", read_only=True)
    status = named_choices(
        SurveillancePlan.Status.choices, "SurveillancePlanStatusEnum", read_only=True
    )
    modality = named_choices(ImagingModality.choices, "ImagingModalityEnum", read_only=True)
    interval_window = serializers.SerializerMethodField()
    scans = ScanSerializer(many=True, read_only=True)

    class Meta:
        model = SurveillancePlan
        fields = [
            "id",
            "patient",
            "mrn",
            "case",
            "recommendation",
            "modality",
            "disease_activity",
            "interval_weeks",
            "interval_set_by_hand",
            "interval_window",
            "stable_scans",
            "last_scan_on",
            "next_due_on",
            "status",
            "ended_reason",
            "ended_at",
            "scans",
        ]
        read_only_fields = fields

    def get_interval_window(self, plan) -> list[int]:
        """The weeks PRODUCT.md's rule gives for the disease activity, e.g. [8, 12]."""
        return list(rules.INTERVALS[plan.disease_activity])


def _interval_field(**extra):
    return serializers.IntegerField(
        min_value=rules.MIN_WEEKS,
        max_value=rules.MAX_WEEKS,
        required=False,
        error_messages={"min_value": WEEKS, "max_value": WEEKS},
        help_text="Set by hand; left out, it follows from the disease activity.",
        **extra,
    )


class PlanCreateSerializer(StrictSerializer):
    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all(), required=False)
    recommendation = serializers.PrimaryKeyRelatedField(
        queryset=Recommendation.objects.filter(status="signed"), required=False
    )
    modality = named_choices(ImagingModality.choices, "ImagingModalityEnum")
    disease_activity = serializers.ChoiceField(
        DiseaseActivity.choices, required=False, default=rules.NEW_THERAPY
    )
    interval_weeks = _interval_field()
    starts_on = serializers.DateField(required=False, help_text="Defaults to today.")

    def validate(self, attrs):
        rec = attrs.get("recommendation")
        if rec is None and attrs.get("patient") is None:
            raise serializers.ValidationError(
                {"patient": "Name the patient or the recommendation."}
            )
        if rec is not None:
            if attrs.get("patient") and attrs["patient"].pk != rec.case.patient_id:
                raise serializers.ValidationError(
                    {"recommendation": "This recommendation is for another patient."}
                )
            attrs["patient"] = rec.case.patient
        return attrs


class PlanUpdateSerializer(StrictSerializer):
    modality = named_choices(ImagingModality.choices, "ImagingModalityEnum", required=False)
    disease_activity = serializers.ChoiceField(DiseaseActivity.choices, required=False)
    interval_weeks = _interval_field(allow_null=True)


class ScanResultSerializer(StrictSerializer):
    result = serializers.ChoiceField(Scan.Result.choices)
    scanned_on = serializers.DateField(required=False, help_text="Defaults to today.")


class PlanEndSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=200)


class ReportQuerySerializer(StrictSerializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    format = serializers.ChoiceField(["json", "csv"], required=False)

    def validate(self, attrs):
        first, last = attrs.get("date_from"), attrs.get("date_to")
        if first and last and last < first:
            raise serializers.ValidationError({"date_to": "date_to is before date_from."})
        return attrs
