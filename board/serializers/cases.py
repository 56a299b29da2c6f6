"""Cases, their history, recommendations and tasks."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from board import rules
from board.models import (
    Case,
    CaseMove,
    DiseaseActivity,
    ImagingModality,
    Meeting,
    Modality,
    Recommendation,
    Task,
)
from board.serializers import named_choices
from navigation.models import Clinician
from patients.models import Patient, Referral
from tumorboard.audit import AuditedSerializer
from tumorboard.serializers import StrictSerializer

CASE_INPUT = [
    "question",
    "presenter",
    "imaging_available",
    "imaging_reviewed",
    "pathology",
    "pathology_waiver_reason",
    "histology",
    "comorbidities",
    "trial_screening",
    "treatment_started_on",
]


class CaseMoveSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseMove
        fields = ["from_meeting", "to_meeting", "reason", "note", "by", "at"]
        read_only_fields = fields


class CaseSerializer(AuditedSerializer, serializers.ModelSerializer):
    """A case on the board: its question, readiness checklist and NOMS picture."""

    status = named_choices(Case.Status.choices, "CaseStatusEnum", read_only=True)
    mrn = serializers.CharField(source="patient.mrn", read_only=True)
    patient_name = serializers.SerializerMethodField()
    meeting_date = serializers.DateField(source="meeting.date", read_only=True)
    urgency = serializers.CharField(read_only=True)
    ready = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField()
    noms = serializers.SerializerMethodField()
    recommendation_version = serializers.IntegerField(read_only=True, allow_null=True)
    recommendation_status = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "patient",
            "mrn",
            "patient_name",
            "referral",
            "meeting",
            "meeting_date",
            "urgency",
            *CASE_INPUT,
            "imaging_reviewed_by",
            "ready",
            "missing",
            "status",
            "note",
            "submitted_at",
            "submitted_by",
            "noms",
            "recommendation_version",
            "recommendation_status",
        ]
        read_only_fields = fields

    def get_patient_name(self, case: Case) -> str:
        return f"{case.patient.first_name} {case.patient.last_name}"

    def get_ready(self, case: Case) -> bool:
        return case.readiness()[0]

    def get_missing(self, case: Case) -> list[str]:
        return list(case.readiness()[1])

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_noms(self, case: Case):
        """Neurologic, oncologic, mechanical and systemic, computed from the referral."""
        noms = case.noms()
        return noms.as_dict() if noms else None


class CaseDetailSerializer(CaseSerializer):
    """A case with its history: submission and every move between meetings."""

    history = CaseMoveSerializer(source="moves", many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "history"]
        read_only_fields = fields


class CaseUpdateSerializer(StrictSerializer):
    question = serializers.CharField(max_length=2000)
    presenter = serializers.PrimaryKeyRelatedField(
        queryset=Clinician.objects.filter(active=True), allow_null=True
    )
    imaging_available = serializers.BooleanField()
    imaging_reviewed = serializers.BooleanField()
    pathology = serializers.ChoiceField(Case.Pathology.choices)
    pathology_waiver_reason = serializers.CharField(max_length=300, allow_blank=True)
    histology = serializers.ChoiceField(Case._meta.get_field("histology").choices, allow_blank=True)
    comorbidities = serializers.CharField(max_length=300, allow_blank=True)
    trial_screening = serializers.BooleanField()
    treatment_started_on = serializers.DateField(allow_null=True)


class CaseCreateSerializer(CaseUpdateSerializer):
    meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all())
    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all(), required=False)
    referral = serializers.PrimaryKeyRelatedField(
        queryset=Referral.objects.all(), required=False, allow_null=True
    )
    accept_late_reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="After the meeting's cutoff, a navigator keeps the case on this meeting by "
        "giving the reason (recorded); without it the case goes to the next meeting open for "
        "cases.",
    )

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if name not in ("meeting", "question"):
                field.required = False
        return fields

    def validate(self, attrs):
        if not attrs.get("patient") and not attrs.get("referral"):
            raise serializers.ValidationError({"patient": "Name the patient or the referral."})
        return attrs


class CaseMoveInputSerializer(StrictSerializer):
    meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all())
    reason = serializers.CharField(max_length=200, required=False, default="")


class RecommendationActionSerializer(StrictSerializer):
    kind = named_choices(Task.Kind.choices, "BoardTaskKindEnum")
    text = serializers.CharField(max_length=200, required=False, default="")
    due_in_days = serializers.IntegerField(min_value=0, max_value=180, required=False)


WEEKS = f"Follow-up imaging is every {rules.MIN_WEEKS} to {rules.MAX_WEEKS} weeks."


class RecommendationInputSerializer(StrictSerializer):
    modalities = serializers.ListField(
        child=serializers.ChoiceField(Modality.choices),
        allow_empty=False,
        error_messages={"empty": "A recommendation names at least one modality."},
    )
    intent = serializers.ChoiceField(Recommendation.Intent.choices)
    rationale = serializers.CharField(max_length=5000)
    noms_neurologic = serializers.CharField(max_length=300, required=False, allow_blank=True)
    noms_oncologic = serializers.CharField(max_length=300, required=False, allow_blank=True)
    noms_mechanical = serializers.CharField(max_length=300, required=False, allow_blank=True)
    noms_systemic = serializers.CharField(max_length=300, required=False, allow_blank=True)
    clinical_trial_referral = serializers.BooleanField(required=False, default=False)
    trial_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    followup_weeks = serializers.IntegerField(
        min_value=rules.MIN_WEEKS,
        max_value=rules.MAX_WEEKS,
        required=False,
        allow_null=True,
        error_messages={"min_value": WEEKS, "max_value": WEEKS},
    )
    followup_modality = named_choices(
        ImagingModality.choices, "ImagingModalityOrBlankEnum", required=False, allow_blank=True
    )
    disease_activity = serializers.ChoiceField(
        DiseaseActivity.choices, required=False, allow_blank=True
    )
    actions = RecommendationActionSerializer(many=True, required=False)
    sign = serializers.BooleanField(
        required=False, default=False, help_text="Sign at once (specialists only)."
    )


class RecommendationUpdateSerializer(RecommendationInputSerializer):
    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class BoardTaskSerializer(AuditedSerializer, serializers.ModelSerializer):
    """A navigator's follow-up task from a signed recommendation."""

    mrn = serializers.CharField(source="patient.mrn", read_only=True)
    kind = named_choices(Task.Kind.choices, "BoardTaskKindEnum", read_only=True)
    status = named_choices(Task.Status.choices, "BoardTaskStatusEnum", read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "patient",
            "mrn",
            "case",
            "recommendation",
            "kind",
            "specialty",
            "text",
            "due_at",
            "status",
            "note",
            "done_at",
            "done_by",
            "created_at",
        ]
        read_only_fields = fields


class BoardTaskDoneSerializer(StrictSerializer):
    note = serializers.CharField(max_length=300, required=False, default="")


class RecommendationSerializer(serializers.ModelSerializer):
    status = named_choices(
        Recommendation.Status.choices, "RecommendationStatusEnum", read_only=True
    )
    followup_modality = named_choices(
        ImagingModality.choices, "ImagingModalityOrBlankEnum", read_only=True, allow_blank=True
    )
    signed_by_name = serializers.CharField(source="signed_by.name", default=None, read_only=True)
    tasks = BoardTaskSerializer(many=True, read_only=True)

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "case",
            "version",
            "status",
            "modalities",
            "intent",
            "rationale",
            "noms",
            "noms_neurologic",
            "noms_oncologic",
            "noms_mechanical",
            "noms_systemic",
            "clinical_trial_referral",
            "trial_name",
            "followup_weeks",
            "followup_modality",
            "disease_activity",
            "actions",
            "signed_by",
            "signed_by_name",
            "signed_at",
            "created_by",
            "created_at",
            "tasks",
        ]
        read_only_fields = fields


class RecommendationVersionSerializer(serializers.ModelSerializer):
    status = named_choices(
        Recommendation.Status.choices, "RecommendationStatusEnum", read_only=True
    )

    class Meta:
        model = Recommendation
        fields = ["id", "version", "status", "signed_by", "signed_at", "created_at"]
        read_only_fields = fields


class RecommendationWithVersionsSerializer(RecommendationSerializer):
    versions = serializers.SerializerMethodField()

    class Meta(RecommendationSerializer.Meta):
        fields = [*RecommendationSerializer.Meta.fields, "versions"]
        read_only_fields = fields

    @extend_schema_field(RecommendationVersionSerializer(many=True))
    def get_versions(self, rec):
        """Every version of the case's recommendation, newest first; none is ever lost."""
        return RecommendationVersionSerializer(self.context.get("versions", [rec]), many=True).data
