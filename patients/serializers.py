from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from patients import clinical
from patients.models import Contact, Patient, Referral, validate_time_zone
from tumorboard.audit import AuditedSerializer
from tumorboard.serializers import StrictModelSerializer

EARLIEST_BIRTH_DATE = date(1900, 1, 1)
PHONE_ERROR = "Enter a valid phone number in international format, e.g. +16175550123."


class PatientSerializer(AuditedSerializer, StrictModelSerializer):
    phone = PhoneNumberField(
        required=False, allow_blank=True, error_messages={"invalid": PHONE_ERROR}
    )
    time_zone = serializers.CharField(required=False, validators=[validate_time_zone])
    mrn = serializers.CharField(max_length=32)
    interpreter_note = serializers.SerializerMethodField(
        help_text="Empty, or that no active interpreter covers the patient's interpreter "
        "language yet (searches and bookings are refused until one does)."
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "mrn",
            "first_name",
            "last_name",
            "birth_date",
            "phone",
            "email",
            "time_zone",
            "preferred_language",
            "interpreter_language",
            "interpreter_note",
            "sms_consent",
            "sms_consent_at",
            "sms_express_consent",
            "status",
            "home_distance_miles",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["sms_consent_at", "created_at", "updated_at"]

    def get_interpreter_note(self, patient) -> str:
        if not patient.interpreter_language:
            return ""
        from navigation.models import Resource
        from navigation.services.resources import interpreters_for, language_name

        root = self.root  # the active interpreters, read once for a whole list
        active = getattr(root, "_active_interpreters", None)
        if active is None:
            active = list(Resource.objects.filter(active=True, kind=Resource.Kind.INTERPRETER))
            root._active_interpreters = active  # type: ignore[attr-defined]
        if interpreters_for(patient.interpreter_language, active):
            return ""
        return (
            f"No interpreter covers {language_name(patient.interpreter_language)} yet; "
            "add one (Resources) before booking."
        )

    def validate_birth_date(self, value):
        """Not before 1900 (a typo, e.g. 0001-01-01) and not after today in the patient's
        zone."""
        if value < EARLIEST_BIRTH_DATE:
            raise serializers.ValidationError(
                f"The birth date cannot be before {EARLIEST_BIRTH_DATE:%d %B %Y}."
            )
        zone = self.initial_data.get("time_zone") or getattr(self.instance, "time_zone", None)
        try:
            today = timezone.localdate(timezone=ZoneInfo(zone)) if zone else None
        except (ValueError, TypeError, ZoneInfoNotFoundError):
            today = None
        if value > (today or timezone.localdate()):
            raise serializers.ValidationError("The birth date cannot be in the future.")
        return value

    def validate_interpreter_language(self, value):
        """A BCP-47 code (checked by the model's validator). Stored even when no active
        interpreter covers it yet: the need is the patient's, and a search or booking then
        refuses with `no_interpreter` naming `interpreter_language` until one is added."""
        return value or None

    def validate(self, attrs):
        """Consent to texts needs a number to text (on create, or a change that ends with
        consent and no phone)."""
        phone = attrs.get("phone", getattr(self.instance, "phone", ""))
        consent = attrs.get("sms_consent", getattr(self.instance, "sms_consent", False))
        if consent and not phone:
            raise serializers.ValidationError(
                {"phone": "Consent to text reminders needs a phone number to text."}
            )
        return super().validate(attrs)


class ScoreSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    category = serializers.CharField()


RANGE_MESSAGES = {
    "pain_score": "Pain is scored from 0 (none) to 10 (worst).",
    "ecog": "ECOG is a grade from 0 to 4.",
    "karnofsky": "Karnofsky is a score from 0 to 100.",
}


class ReferralSerializer(AuditedSerializer, StrictModelSerializer):
    """A referral with its computed triage. `now` comes from the view's context."""

    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all())
    sla_status = serializers.SerializerMethodField()
    time_left_seconds = serializers.SerializerMethodField()
    sins = serializers.SerializerMethodField()
    tokuhashi = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "patient",
            "referring_oncologist",
            "referring_practice",
            "referring_email",
            "received_at",
            "primary_cancer",
            "sites",
            "symptoms",
            "pain_score",
            "neuro_status",
            "weakness",
            "sensory_level",
            "bladder_bowel_dysfunction",
            "suspected_mescc",
            "brain_symptomatic",
            "mass_effect",
            "hydrocephalus",
            "uncontrolled_seizures",
            *clinical.SINS_COMPONENTS,
            "bilsky_grade",
            "ecog",
            "karnofsky",
            "extraspinal_bone_mets",
            "vertebral_mets",
            "visceral_mets",
            "frankel_grade",
            "imaging_notes",
            "pathology_notes",
            "status",
            "urgency",
            "urgency_reason",
            "consult_due_at",
            "consult_at",
            "no_slot_before_due",
            "sla_status",
            "time_left_seconds",
            "sins_score",
            "sins",
            "tokuhashi",
            "created_at",
        ]
        read_only_fields = [
            "urgency",
            "urgency_reason",
            "consult_due_at",
            "consult_at",
            "no_slot_before_due",
            "sins_score",
            "created_at",
        ]
        extra_kwargs = {
            name: {"error_messages": {"max_value": message, "min_value": message}}
            for name, message in RANGE_MESSAGES.items()
        } | {"received_at": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if isinstance(field, serializers.ChoiceField):
                options = ", ".join(str(choice) for choice in field.choices)
                field.error_messages["invalid_choice"] = f"“{{input}}” is not one of: {options}."
        return fields

    def _now(self):
        return self.context.get("now") or timezone.now()

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[clinical.ON_TRACK, clinical.AT_RISK, clinical.MET, clinical.BREACHED]
        )
    )
    def get_sla_status(self, referral: Referral) -> str:
        return referral.sla_status_at(self._now())

    def get_time_left_seconds(self, referral: Referral) -> int:
        """Seconds until the consult deadline; negative once it has passed."""
        return int((referral.consult_due_at - self._now()).total_seconds())

    @extend_schema_field(ScoreSerializer(allow_null=True))
    def get_sins(self, referral: Referral):
        score = referral.sins()
        return {"value": score.value, "category": score.category} if score else None

    @extend_schema_field(ScoreSerializer(allow_null=True))
    def get_tokuhashi(self, referral: Referral):
        """The revised Tokuhashi score; `category` is the expected-survival band."""
        score = referral.tokuhashi()
        return {"value": score.value, "category": score.category} if score else None


class ContactSerializer(AuditedSerializer, StrictModelSerializer):
    """A patient's caregiver or health-care proxy, with their own consent to texts."""

    phone = PhoneNumberField(
        required=False, allow_blank=True, error_messages={"invalid": PHONE_ERROR}
    )
    time_zone = serializers.CharField(required=False, validators=[validate_time_zone])

    class Meta:
        model = Contact
        fields = [
            "id",
            "patient",
            "name",
            "relationship",
            "phone",
            "email",
            "time_zone",
            "preferred_language",
            "sms_consent",
            "sms_consent_at",
            "gets_texts",
            "gets_invites",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["patient", "sms_consent_at", "created_at", "updated_at"]
