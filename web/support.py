"""Barriers to care and distress screening on the referral page: the forms and what the
page shows (issue 19)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.conf import settings
from django.utils import timezone

from care import distress, distress_list
from care.barriers import travel_burden
from care.models import Barrier, DistressScreening
from navigation import selectors
from patients.models import Referral
from web.forms import visit_value

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
    language = forms.CharField(
        max_length=35,
        required=False,
        label="Interpreter language (a language barrier: es, ht, pt-BR…)",
    )
    found_at = forms.DateTimeField(label="Found (clinic time)", widget=LOCAL)
    action = forms.CharField(max_length=1000, required=False, label="What was done")

    def clean_found_at(self):
        return _clinic_time(self.cleaned_data["found_at"])


class BarrierResolveForm(forms.Form):
    resolved_at = forms.DateTimeField(label="Resolved (clinic time)", widget=LOCAL)
    action = forms.CharField(max_length=1000, required=False, label="What was done")

    def clean_resolved_at(self):
        return _clinic_time(self.cleaned_data["resolved_at"])


class DistressForm(forms.Form):
    """The NCCN Distress Thermometer as the patient marked it."""

    score = forms.IntegerField(
        label="Distress (0 none to 10 extreme)",
        min_value=0,
        max_value=10,
        widget=forms.NumberInput(attrs={"min": 0, "max": 10}),
        error_messages={
            "min_value": "The distress score is 0 to 10.",
            "max_value": "The distress score is 0 to 10.",
        },
    )
    problems = forms.MultipleChoiceField(
        label="Problems in the past week (NCCN problem list)",
        choices=[
            (category.capitalize(), list(items))
            for category, items in distress_list.PROBLEMS.items()
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    occasion = forms.ChoiceField(choices=DistressScreening.Occasion.choices, label="When")
    screened_at = forms.DateTimeField(label="Taken (clinic time)", widget=LOCAL)
    notes = forms.CharField(max_length=300, required=False, label="Notes")

    def clean_screened_at(self):
        return _clinic_time(self.cleaned_data["screened_at"])


def _offer(referral: Referral, now: datetime) -> list[dict]:
    """The psychosocial visits offered while a distress referral is open, drawn with the
    plan booking's form values."""
    today = now.astimezone(selectors.clinic_zone()).date()
    options = distress.psychosocial_offer(patient=referral.patient, today=today, now=now)
    from navigation.models import Clinician

    clinicians = Clinician.objects.in_bulk({v.clinician_id for o in options for v in o.visits})
    return [
        {
            "visit": visit,
            "clinician": clinicians[visit.clinician_id],
            "value": visit_value(visit),
        }
        for option in options
        for visit in option.visits
    ]


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
    screenings = list(patient.distress_screenings.select_related("screened_by")[:5])
    waiting = distress.open_referral(patient=patient)
    due = distress.distress_due(patient=patient, now=now)
    occasion = (
        DistressScreening.Occasion.FOLLOW_UP
        if screenings
        else DistressScreening.Occasion.FIRST_CONSULT
    )
    return {
        "screenings": screenings,
        "distress_threshold": settings.DISTRESS_THRESHOLD,
        "distress_due": due,
        "distress_waiting": waiting,
        "psychosocial_offer": _offer(referral, now) if waiting else [],
        "distress_form": forms_given.get("distress_form")
        or DistressForm(initial={"screened_at": local, "occasion": occasion}),
        "barriers": barriers,
        "travel_burden": travel_burden(patient=patient),
        "visit_day_count": len(visit_days),
        "barrier_form": forms_given.get("barrier_form") or BarrierForm(initial={"found_at": local}),
        "resolve_initial": local,
    }
