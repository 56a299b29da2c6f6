"""Forms to register a patient and take a referral. Django renders them and reads the
typed values; the API's serializers and the patients services check them, so a page and
the API refuse the same input with the same words."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from navigation import selectors
from patients.models import Patient, Referral
from patients.serializers import PHONE_ERROR, PatientSerializer, ReferralSerializer

PATIENT_FIELDS = [
    "mrn",
    "first_name",
    "last_name",
    "birth_date",
    "phone",
    "email",
    "preferred_language",
    "sms_consent",
]
REFERRAL_FIELDS = [
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
    "bilsky_grade",
    "ecog",
    "karnofsky",
    "imaging_notes",
    "pathology_notes",
]
LABELS = {
    "mrn": "MRN",
    "sms_consent": "Agrees to text reminders",
    "received_at": "Received (clinic time)",
    "pain_score": "Pain (0 to 10)",
    "ecog": "ECOG (0 to 4)",
    "karnofsky": "Karnofsky (0 to 100)",
    "suspected_mescc": "Suspected MESCC (spinal cord compression)",
    "bladder_bowel_dysfunction": "Bladder or bowel dysfunction",
}


class SerializerForm(forms.Form):
    """A form whose fields come from the model and whose rules come from the serializer:
    `validated` holds what the service gets."""

    model: type
    serializer_class: type
    field_names: list[str]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(self.model, fields=self.field_names))
        for name, field in self.fields.items():
            field.label = LABELS.get(name, field.label)
        self.validated: dict = {}

    def serializer(self, data: dict):
        return self.serializer_class(data=data)

    def _post_clean(self):
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if value is not None and value != ""
        }
        serializer = self.serializer(data)
        if serializer.is_valid():
            self.validated = dict(serializer.validated_data)
            return
        for name, errors in serializer.errors.items():
            field = name if name in self.fields else None
            if field is None or field not in self.errors:
                self.add_error(field, [str(e) for e in errors])

    def add_domain_error(self, error) -> None:
        """A service's refusal beside the field it names (or at the top)."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class PatientForm(SerializerForm):
    model = Patient
    serializer_class = PatientSerializer
    field_names = PATIENT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["phone"].error_messages["invalid"] = PHONE_ERROR
        self.fields["phone"].widget.attrs.update(
            {"type": "tel", "autocomplete": "off", "placeholder": "+16175550123"}
        )
        self.fields["preferred_language"].widget = forms.Select(
            choices=[("en", "English"), ("es", "Spanish")]
        )


class ReferralForm(SerializerForm):
    model = Referral
    serializer_class = ReferralSerializer
    field_names = REFERRAL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_at"].widget = forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        )
        for name in ("symptoms", "imaging_notes", "pathology_notes"):
            self.fields[name].widget.attrs["rows"] = 2

    def serializer(self, data: dict):
        serializer = ReferralSerializer(data=data)
        serializer.fields.pop("patient")  # the page gives the patient itself
        return serializer

    def clean_received_at(self):
        """The time typed is clinic time, whatever the server's zone."""
        value = self.cleaned_data.get("received_at")
        if value is None:
            return value
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return timezone.make_aware(naive, selectors.clinic_zone())


class PatientSearch(forms.Form):
    q = forms.CharField(
        label="Name, MRN, birth date (YYYY-MM-DD) or phone", required=False, max_length=100
    )
