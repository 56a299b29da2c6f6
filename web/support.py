"""Barriers to care and distress screening on the referral page: the forms and what the
page shows (issue 19)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone

from navigation import selectors
from patients.barriers import travel_burden
from patients.models import Barrier, Referral

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _clinic_time(value: datetime | None) -> datetime | None:
    """A datetime-local typed on the page, read in the clinic's zone."""
    if value is None:
        return None
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return timezone.make_aware(naive, selectors.clinic_zone())


class BarrierForm(forms.Form):
    kind = forms.ChoiceField(choices=Barrier.Kind.choices, label="Barrier")
    description = forms.CharField(max_length=300, required=False, label="What is it")
    found_at = forms.DateTimeField(label="Found (clinic time)", widget=LOCAL)
    action = forms.CharField(max_length=1000, required=False, label="What was done")

    def clean_found_at(self):
        return _clinic_time(self.cleaned_data["found_at"])


class BarrierResolveForm(forms.Form):
    resolved_at = forms.DateTimeField(label="Resolved (clinic time)", widget=LOCAL)
    action = forms.CharField(max_length=1000, required=False, label="What was done")

    def clean_resolved_at(self):
        return _clinic_time(self.cleaned_data["resolved_at"])


def support_context(referral: Referral, now: datetime, **forms_given) -> dict:
    """The referral page's barriers panel: the patient's barriers (open first), the
    travel burden, and whether the referral's visits already span several days."""
    patient = referral.patient
    barriers = sorted(patient.barriers.select_related("found_by"), key=lambda b: not b.is_open)
    local = now.astimezone(selectors.clinic_zone()).replace(second=0, microsecond=0, tzinfo=None)
    visit_days = {
        a.start.astimezone(a.location.zone).date()
        for a in referral.appointments.exclude(status__in=["cancelled", "no_show"]).select_related(
            "location"
        )
    }
    return {
        "barriers": barriers,
        "travel_burden": travel_burden(patient=patient),
        "visit_day_count": len(visit_days),
        "barrier_form": forms_given.get("barrier_form") or BarrierForm(initial={"found_at": local}),
        "resolve_initial": local,
    }
