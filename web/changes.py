"""Forms to change what is booked: move, cancel, set the status, squeeze an emergency in.
They read the input; navigation.services decides."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from navigation import selectors
from navigation.models import Clinician
from navigation.services import VisitRequest

REASON_REQUIRED = "Say why, in a few words: it is kept in the visit's history."


class RescheduleForm(forms.Form):
    """A free time the engine offered: `slot` is clinician-id|start (ISO)."""

    slot = forms.CharField(error_messages={"required": "Pick one of the free times offered."})
    reason = forms.CharField(label="Why (optional)", required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_move_%s")  # the cancel form has a reason too
        super().__init__(*args, **kwargs)

    def clean_slot(self) -> tuple[Clinician, datetime]:
        try:
            clinician_id, start = self.cleaned_data["slot"].split("|")
            moment = datetime.fromisoformat(start)
            clinician = Clinician.objects.get(pk=int(clinician_id), active=True)
        except (ValueError, Clinician.DoesNotExist):
            raise forms.ValidationError("That time could not be read; pick it again.") from None
        if moment.tzinfo is None:
            raise forms.ValidationError("That time could not be read; pick it again.")
        return clinician, moment


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason for cancelling",
        max_length=300,
        error_messages={"required": REASON_REQUIRED},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(REASON_REQUIRED)
        return reason


STATUS_LABELS = {
    "checked_in": "Arrived (check in)",
    "no_show": "Did not come (no-show)",
    "completed": "Seen (completed)",
    "booked": "Back to booked",
}


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=list(STATUS_LABELS.items()))
    reason = forms.CharField(required=False, max_length=300)


class OverrideForm(forms.Form):
    """An emergency booked over booked time: who, when, how long, and why (required)."""

    clinician = forms.ModelChoiceField(
        queryset=Clinician.objects.none(), empty_label=None, label="With"
    )
    start = forms.DateTimeField(
        label="Starts (clinic time)",
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": 300}, format="%Y-%m-%dT%H:%M"
        ),
    )
    minutes = forms.IntegerField(label="Minutes", min_value=5, max_value=240, initial=30)
    override_reason = forms.CharField(
        label="Reason for booking over other visits",
        max_length=300,
        error_messages={"required": REASON_REQUIRED},
    )

    def __init__(self, *args, specialties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = Clinician.objects.filter(
            active=True, specialty__in=list(specialties)
        ).order_by("specialty", "name")
        self.fields["clinician"].label_from_instance = lambda c: (
            f"{c.name} ({c.specialty.replace('_', ' ')})"
        )

    def clean_start(self) -> datetime:
        value = self.cleaned_data["start"]
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return timezone.make_aware(naive, selectors.clinic_zone())

    def clean_override_reason(self) -> str:
        reason = self.cleaned_data["override_reason"].strip()
        if not reason:
            raise forms.ValidationError(REASON_REQUIRED)
        return reason

    def visit(self) -> VisitRequest:
        data = self.cleaned_data
        return VisitRequest(
            clinician=data["clinician"], start=data["start"], minutes=data["minutes"]
        )

    @staticmethod
    def initial_for(now: datetime) -> dict:
        local = now.astimezone(selectors.clinic_zone()) + timedelta(minutes=30)
        local = local.replace(minute=local.minute - local.minute % 5, second=0, microsecond=0)
        return {"start": local.replace(tzinfo=None), "minutes": 30}
