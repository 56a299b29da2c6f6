"""The forms behind the staff pages: they check the shape of the input; the services
check the rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.text import capfirst

from board.models import (
    Case,
    DiseaseActivity,
    ImagingModality,
    Meeting,
    Modality,
    Recommendation,
    Task,
)
from care.models import Clock
from navigation.models import Appointment, Clinician, Resource, Specialty, VisitType
from navigation.services import VisitRequest
from patients import clinical
from patients.models import Referral
from web.templatetags.web_tags import STATE_WORDS

MAX_SEARCH_DAYS = 60
SPECIALTIES = [(value, capfirst(label)) for value, label in Specialty.choices]


class QueueFilter(forms.Form):
    urgency = forms.ChoiceField(
        required=False, choices=[("", "Any urgency"), *Referral.Urgency.choices]
    )
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *STATE_WORDS.items()])
    # Which clock the deadline, the state and the order follow (care.clocks); none: the
    # first consult's.
    clock = forms.ChoiceField(required=False, choices=[("", "First consult"), *Clock.Kind.choices])


def _sins_choices(points: dict[str, int], notes: dict[str, str]) -> list[tuple[str, str]]:
    return [("", "not assessed")] + [
        (name, f"{notes.get(name, name.replace('_', ' '))}: {value} point{'s' * (value != 1)}")
        for name, value in points.items()
    ]


SINS_NOTES = {
    "sins_location": {
        "junctional": "junctional (occiput-C2, C7-T2, T11-L1, L5-S1)",
        "mobile": "mobile spine (C3-C6, L2-L4)",
        "semi_rigid": "semi-rigid (T3-T10)",
        "rigid": "rigid (S2-S5)",
    },
    "sins_pain": {
        "mechanical": "mechanical pain",
        "occasional": "occasional, non-mechanical pain",
        "none": "pain-free lesion",
    },
    "sins_lesion": {},
    "sins_alignment": {
        "subluxation": "subluxation or translation",
        "deformity": "de novo deformity (kyphosis, scoliosis)",
        "normal": "normal alignment",
    },
    "sins_collapse": {
        "over_50": "over 50% collapse",
        "under_50": "under 50% collapse",
        "none_over_50_involved": "no collapse, over 50% of the body involved",
        "none": "none of the above",
    },
    "sins_posterolateral": {},
}
SINS_LABELS = {
    "sins_location": "Location",
    "sins_pain": "Pain",
    "sins_lesion": "Bone lesion",
    "sins_alignment": "Radiographic spinal alignment",
    "sins_collapse": "Vertebral body collapse",
    "sins_posterolateral": "Posterolateral involvement of spinal elements",
}


class SinsForm(forms.Form):
    """The six SINS parts, with the points of each choice from patients.clinical."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, points in clinical.SINS_COMPONENTS.items():
            self.fields[name] = forms.ChoiceField(
                label=SINS_LABELS[name],
                required=False,
                choices=_sins_choices(points, SINS_NOTES[name]),
            )

    def components(self) -> dict[str, str | None]:
        return {name: self.cleaned_data.get(name) or None for name in clinical.SINS_COMPONENTS}

    def points_so_far(self) -> tuple[int, int]:
        """(points, parts picked): a running sum while the navigator is still picking."""
        picked = {k: v for k, v in self.components().items() if v}
        return sum(clinical.SINS_COMPONENTS[k][v] for k, v in picked.items()), len(picked)


class PlanForm(forms.Form):
    specialties = forms.MultipleChoiceField(
        choices=SPECIALTIES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one specialty."},
    )
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    max_wait = forms.IntegerField(
        label="Longest total wait (minutes)", min_value=0, max_value=480, initial=90
    )
    earliest_arrival = forms.TimeField(
        label="Earliest arrival", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    latest_departure = forms.TimeField(
        label="Latest departure", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, **kwargs):
        """Besides the fixed fields, a `type_<specialty>` choice of visit type for each
        specialty that has a type besides its default one (its new-patient type, as
        `navigation.services.visit_types` picks it); blank: the default, as before."""
        super().__init__(*args, **kwargs)
        self.types: dict[int, VisitType] = {
            t.pk: t for t in VisitType.objects.order_by("specialty", "name")
        }
        for specialty, label in SPECIALTIES:
            own = [t for t in self.types.values() if t.specialty == specialty]
            default = max((t for t in own if t.new_patient), key=lambda t: t.pk, default=None)
            others = [t for t in own if t != default]
            if not others:
                continue
            blank = f"{_type_label(default)}, the default" if default else "The default visit"
            self.fields[f"type_{specialty}"] = forms.TypedChoiceField(
                label=f"{label} visit",
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", blank)] + [(t.pk, _type_label(t)) for t in others],
            )

    def specialty_rows(self):
        """(the specialty's checkbox, its visit-type choice or None), in order."""
        for choice in self["specialties"]:
            name = f"type_{choice.data['value']}"
            yield choice, self[name] if name in self.fields else None

    def visit_types(self) -> dict[str, VisitType]:
        """The visit types chosen for the specialties ticked (a choice left on a specialty
        not ticked is not searched, so it is ignored)."""
        return {
            specialty: self.types[pk]
            for specialty in self.cleaned_data.get("specialties", [])
            if (pk := self.cleaned_data.get(f"type_{specialty}")) is not None
        }

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if last < first:
                self.add_error("date_to", "The last day comes before the first.")
            elif last - first > timedelta(days=MAX_SEARCH_DAYS):
                self.add_error("date_to", f"Search at most {MAX_SEARCH_DAYS} days at a time.")
        return data

    def window(self):
        arrival, departure = (
            self.cleaned_data["earliest_arrival"],
            self.cleaned_data["latest_departure"],
        )
        return (arrival, departure) if arrival or departure else None


def _type_label(visit_type: VisitType) -> str:
    """ "SRS planning (60 min, a CT simulator)": a visit type as the form offers it."""
    from navigation.services.resources import NEED_LABELS

    needs = "".join(f", {NEED_LABELS.get(n, n)}" for n in visit_type.needs)
    return f"{visit_type.name} ({visit_type.minutes} min{needs})"


def visit_value(visit, visit_type: VisitType | None = None) -> str:
    """One visit of an option as a form value:
    clinician|specialty|start|minutes|resources|visit type (resource ids joined by commas;
    empty when it takes none; the visit type's id, empty for the new-patient type)."""
    minutes = int((visit.end - visit.start).total_seconds() // 60)
    taken = ",".join(str(rid) for rid in visit.resources)
    kind = visit_type.pk if visit_type else ""
    return (
        f"{visit.clinician_id}|{visit.specialty}|{visit.start.isoformat()}|{minutes}|{taken}|{kind}"
    )


class BookForm(forms.Form):
    """The visits of the option the navigator picked, as the search drew them."""

    visit = forms.CharField(required=False)
    search = forms.CharField(required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.raw_visits = data.getlist("visit") if data is not None else []

    def clean(self):
        data = super().clean()
        parsed = []
        try:
            for raw in self.raw_visits:
                clinician_id, specialty, start, minutes, *rest = raw.split("|")
                taken = [int(rid) for rid in (rest[0].split(",") if rest and rest[0] else [])]
                kind = int(rest[1]) if len(rest) > 1 and rest[1] else None
                parsed.append(
                    (
                        int(clinician_id),
                        specialty,
                        datetime.fromisoformat(start),
                        int(minutes),
                        taken,
                        kind,
                    )
                )
        except ValueError:
            raise forms.ValidationError("The option could not be read; search again.") from None
        if not parsed or any(p[2].tzinfo is None for p in parsed):
            raise forms.ValidationError("The option could not be read; search again.")
        clinicians = Clinician.objects.in_bulk([p[0] for p in parsed])
        if len(clinicians) != len({p[0] for p in parsed}):
            raise forms.ValidationError("A clinician of this option no longer exists.")
        resources = Resource.objects.in_bulk([r for p in parsed for r in p[4]])
        if any(r not in resources for p in parsed for r in p[4]):
            raise forms.ValidationError("A room, machine or interpreter of this option is gone.")
        kinds = [p[5] for p in parsed if p[5] is not None]
        types = VisitType.objects.in_bulk(kinds) if kinds else {}
        if any(k not in types for k in kinds):
            raise forms.ValidationError("A visit type of this option is gone; search again.")
        data["visits"] = [
            VisitRequest(
                clinician=clinicians[c],
                start=start,
                minutes=minutes,
                specialty=spec,
                resources=tuple(resources[r] for r in taken) if taken else None,
                visit_type=types[kind] if kind is not None else None,
            )
            for c, spec, start, minutes, taken, kind in parsed
        ]
        return data


class ConsultBookForm(forms.Form):
    clinician = forms.ModelChoiceField(queryset=Clinician.objects.filter(active=True))
    start = forms.DateTimeField()
    minutes = forms.IntegerField(min_value=5, max_value=480)

    def clean_start(self):
        start = self.cleaned_data["start"]
        if start.tzinfo is None:
            raise forms.ValidationError("The slot time could not be read; reload the page.")
        return start

    def visit(self) -> VisitRequest:
        data = self.cleaned_data
        return VisitRequest(
            clinician=data["clinician"], start=data["start"], minutes=data["minutes"]
        )


# --- the tumor board ---------------------------------------------------------------------


def _blank(choices) -> list[tuple[str, str]]:
    return [("", "none"), *choices]


class RecommendationForm(forms.Form):
    """One version of the board's recommendation; the board service checks the rest."""

    modalities = forms.MultipleChoiceField(
        choices=[(v, capfirst(label)) for v, label in Modality.choices],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one modality."},
    )
    intent = forms.ChoiceField(choices=Recommendation.Intent.choices)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    noms_neurologic = forms.CharField(label="Neurologic", required=False, max_length=300)
    noms_oncologic = forms.CharField(label="Oncologic", required=False, max_length=300)
    noms_mechanical = forms.CharField(label="Mechanical", required=False, max_length=300)
    noms_systemic = forms.CharField(label="Systemic", required=False, max_length=300)
    followup_modality = forms.ChoiceField(
        label="Follow-up imaging", required=False, choices=_blank(ImagingModality.choices)
    )
    followup_weeks = forms.IntegerField(
        label="Every (weeks, 6 to 16)", required=False, min_value=1, max_value=52
    )
    disease_activity = forms.ChoiceField(
        label="Or by disease activity", required=False, choices=_blank(DiseaseActivity.choices)
    )
    clinical_trial_referral = forms.BooleanField(label="Refer to a clinical trial", required=False)
    trial_name = forms.CharField(label="Trial", required=False, max_length=200)
    actions = forms.MultipleChoiceField(
        label="Navigator tasks",
        required=False,
        choices=[(v, capfirst(label)) for v, label in Task.Kind.choices if v != "other"],
        widget=forms.CheckboxSelectMultiple,
    )

    @classmethod
    def initial_from(cls, recommendation, noms) -> dict:
        if recommendation is not None:
            fields = {name: getattr(recommendation, name) for name in cls.base_fields}
            fields["actions"] = [a["kind"] for a in recommendation.actions]
            return fields
        axes = ("neurologic", "oncologic", "mechanical", "systemic")
        return {f"noms_{a}": getattr(noms, a)["summary"] for a in axes} if noms else {}

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["actions"] = [{"kind": kind} for kind in data["actions"]]
        return data


class CaseSubmitForm(forms.Form):
    meeting = forms.ModelChoiceField(queryset=Meeting.objects.none(), empty_label=None)
    question = forms.CharField(
        label="Question for the board", widget=forms.Textarea(attrs={"rows": 2})
    )
    imaging_available = forms.BooleanField(label="Imaging available", required=False)
    imaging_reviewed = forms.BooleanField(label="Imaging reviewed", required=False)
    pathology = forms.ChoiceField(choices=Case.Pathology.choices)
    pathology_waiver_reason = forms.CharField(
        label="Reason to waive pathology", required=False, max_length=300
    )

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meetings is not None:
            self.fields["meeting"].queryset = meetings
        self.fields["meeting"].label_from_instance = lambda m: (
            f"{timezone.localtime(m.start):%a %d %b %H:%M}, {m.series.name} "
            f"({m.case_count} case{'s' * (m.case_count != 1)})"
        )


class TreatmentForm(forms.Form):
    """A treatment the board asked for began: at a visit here marked done, or elsewhere on
    a date and time (clinic time). The service checks the rules (care.services)."""

    modality = forms.ChoiceField(label="Treatment")
    appointment = forms.ModelChoiceField(
        label="Visit here (marked done)",
        queryset=Appointment.objects.none(),
        required=False,
        empty_label="None: started elsewhere",
    )
    started_at = forms.DateTimeField(
        label="Started elsewhere (clinic time)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    performer = forms.CharField(label="Where", required=False, max_length=200)

    def __init__(self, *args, recommendation, visits, **kwargs):
        super().__init__(*args, **kwargs)
        self.recommendation = recommendation
        self.fields["modality"].choices = [
            (m, Modality(m).label) for m in recommendation.modalities
        ]
        self.fields["appointment"].queryset = visits
        self.fields["appointment"].label_from_instance = lambda a: (
            f"{timezone.localtime(a.start):%a %d %b %H:%M}, {a.get_specialty_display()}"
        )
