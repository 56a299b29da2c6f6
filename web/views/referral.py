"""A referral: its clinical picture and SINS, triage, consult options, and planning and
booking a same-day visit."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from board.models import Task
from board.services import meetings as meeting_services
from board.services.cases import case_submit
from board.services.recommendations import task_complete
from care.selectors import referral_clocks, signed_recommendations
from care.services import treatment_record
from navigation import rules, selectors, services
from navigation.models import Appointment, Clinician, Itinerary, Location, Resource
from patients import clinical
from patients.selectors import referral_list, referrals_of_specialist
from patients.services import referral_update
from tumorboard.errors import DomainError
from tumorboard.roles import has_role
from web.access import NAVIGATOR_ROLES, navigator_page, staff_page
from web.changes import OverrideForm
from web.forms import (
    BookForm,
    CaseSubmitForm,
    ConsultBookForm,
    PlanForm,
    SinsForm,
    TreatmentForm,
    visit_value,
)
from web.models import PatientRequest
from web.once import handle_once
from web.patient_requests import patient_request_close, referral_requests
from web.planning import blocker, late_options, plan_relaxations
from web.support import support_context
from web.timeline import option_timeline
from web.views.board import board_context, open_meetings

CONSULT_ROWS = 6


def _referral(request, pk: int, now):
    return get_object_or_404(referral_list(user=request.user, now=now), pk=pk)


def _plan_form(referral, now) -> PlanForm:
    today = now.astimezone(selectors.clinic_zone()).date()
    return PlanForm(
        initial={
            "specialties": rules.suggested_specialties(referral.clinical_picture()),
            "date_from": today,
            "date_to": today + timedelta(days=13),
            "max_wait": 90,
        }
    )


def _sins_form(referral) -> SinsForm:
    return SinsForm(initial={name: getattr(referral, name) for name in clinical.SINS_COMPONENTS})


def _consult(referral, now) -> dict:
    if referral.consult_at is not None:
        return {}
    options = services.consult_options(referral=referral, now=now, limit=CONSULT_ROWS)
    clinicians = Clinician.objects.in_bulk({s.clinician_id for s in options.slots})
    places = Location.objects.in_bulk({s.location_id for s in options.slots})
    return {
        "options": options,
        "slots": [
            {
                "slot": slot,
                "clinician": clinicians[slot.clinician_id],
                "place": places.get(slot.location_id),
                "minutes": int((slot.end - slot.start).total_seconds() // 60),
            }
            for slot in options.slots
        ],
    }


def _visits(referral):
    return (
        Appointment.objects.filter(referral=referral)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("clinician", "location", "visit_type")
        .prefetch_related("resource_bookings__resource")
    )


def _oncall(referral, now):
    """For an emergency without a consult: the first on-call assessment to offer."""
    if referral.urgency != "emergency" or referral.consult_at is not None:
        return None
    return services.oncall_assessment(referral=referral, now=now)


def _override_form(referral, data=None) -> OverrideForm | None:
    """Only an emergency may be squeezed in over booked time."""
    if referral.urgency != "emergency":
        return None
    specialties = rules.consult_specialties(urgency=referral.urgency, sites=referral.sites)
    return OverrideForm(
        data, specialties=specialties, initial=OverrideForm.initial_for(timezone.now())
    )


def _booked(request, referral) -> dict:
    """After a same-day booking (`?booked=` its itinerary): what was booked, for the plan
    area of the freshly rendered page."""
    try:
        itinerary_id = int(request.GET.get("booked", ""))
    except ValueError:
        return {}
    itinerary = Itinerary.objects.filter(referral=referral, pk=itinerary_id).first()
    if itinerary is None:
        return {}
    booked = itinerary.appointments.select_related("clinician", "location").order_by("start")
    return {"itinerary": itinerary, "booked": booked, "fragment": "web/navigator/_book_result.html"}


def _treatment_form(referral, data=None) -> TreatmentForm | None:
    """Record a treatment of the latest signed recommendation (none: no form)."""
    recommendation = signed_recommendations(referral).last()
    if recommendation is None:
        return None
    visits = Appointment.objects.filter(
        patient=referral.patient, status=Appointment.Status.COMPLETED, treatment__isnull=True
    ).order_by("-start")
    return TreatmentForm(data, recommendation=recommendation, visits=visits)


# A failed post's form or error on the referral page: its section's anchor and name.
FAILED_FORMS = {
    "distress_form": ("distress", "Distress Thermometer"),
    "barrier_form": ("barriers", "barrier"),
    "barrier_error": ("barriers", "barrier resolution"),
    "board_form": ("board", "tumor board"),
    "override_form": ("override", "emergency booking"),
    "treatment_form": ("treatment", "treatment"),
    "consult_error": ("consult", "consult booking"),
    "oncall_error": ("oncall", "on-call assessment"),
}


def _failed(extra: dict) -> dict | None:
    """The notice at the top of a page re-drawn after a failed post: which form, what was
    wrong (field label and message) and the anchor of its section; None if nothing failed."""
    for key, (anchor, name) in FAILED_FORMS.items():
        found = extra.get(key)
        if not found:
            continue
        if isinstance(found, str):
            problems = [found]
        elif found.errors:
            problems = [
                f"{found.fields[field].label}: {' '.join(errors)}"
                if field in found.fields
                else " ".join(errors)
                for field, errors in found.errors.items()
            ]
        else:
            continue
        return {"anchor": anchor, "name": name, "problems": problems}
    return None


def page(request, referral, now, *, status=200, board_form=None, **extra):
    """The whole referral page, with whatever a form post adds to it. A failed post
    (status 400) gets a notice at the top saying what was wrong, with a link to its form."""
    failed = _failed({"board_form": board_form, **extra}) if status >= 400 else None
    extra.setdefault("override_form", _override_form(referral))
    extra.setdefault("treatment_form", _treatment_form(referral))
    context = {
        "referral": referral,
        "now": now,
        "state": referral.sla_status_at(now),
        "sins": referral.sins(),
        "tokuhashi": referral.tokuhashi(),
        "clocks": referral_clocks(referral, now=now),
        "sins_form": _sins_form(referral),
        "plan_form": _plan_form(referral, now),
        "consult": _consult(referral, now),
        "oncall": _oncall(referral, now),
        "visits": _visits(referral),
        "holds": selectors.referral_holds(referral=referral, now=now),
        "suggested": rules.suggested_specialties(referral.clinical_picture()),
        "show_sins": referral.sites != "brain",
        "requests": referral_requests(referral=referral),
        "board_tasks": Task.objects.filter(case__referral=referral).select_related("done_by"),
        **board_context(referral, now, board_form),
        **support_context(referral, now),
        **extra,
        "form_failed": failed,
    }
    return render(request, "web/navigator/referral.html", context, status=status)


@staff_page
@require_GET
def referral(request, pk: int):
    now = timezone.now()
    if not has_role(request.user, *NAVIGATOR_ROLES):
        return read_only(request, pk, now)
    referral = _referral(request, pk, now)
    return page(request, referral, now, **_booked(request, referral))


def read_only(request, pk: int, now):
    """A specialist reads the referral of a patient on their schedule or their board's
    agenda: the triage, the clinical picture and the visits, no booking control (every
    write here stays navigator-only). Any other referral is a 404."""
    referral = get_object_or_404(referrals_of_specialist(user=request.user, now=now), pk=pk)
    context = {
        "referral": referral,
        "now": now,
        "state": referral.sla_status_at(now),
        "sins": referral.sins(),
        "tokuhashi": referral.tokuhashi(),
        "clocks": referral_clocks(referral, now=now),
        "visits": _visits(referral).order_by("start"),
    }
    return render(request, "web/specialist/referral.html", context)


@navigator_page
@require_http_methods(["GET", "POST"])
def sins(request, pk: int):
    """GET scores the picks as they are made; POST saves them and triages again."""
    now = timezone.now()
    referral = _referral(request, pk, now)
    form = SinsForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return render(request, "web/navigator/_sins_result.html", {"form": form}, status=400)
    if request.method == "GET":
        points, parts = form.points_so_far()
        score = clinical.sins_from(form.components())
        return render(
            request,
            "web/navigator/_sins_result.html",
            {"score": score, "points": points, "parts": parts},
        )
    before = referral.urgency
    referral = referral_update(referral=referral, now=now, **form.components())
    messages.success(
        request,
        f"SINS saved. Triage: {referral.get_urgency_display()} "
        f"({'changed' if referral.urgency != before else 'unchanged'}), "
        f"{referral.urgency_reason}.",
    )
    return redirect("web:referral", pk=referral.pk)


@navigator_page
@require_POST
def consult_book(request, pk: int):
    now = timezone.now()
    referral = _referral(request, pk, now)
    form = ConsultBookForm(request.POST)
    if not form.is_valid():
        return page(
            request,
            referral,
            now,
            status=400,
            consult_error="The slot could not be read; pick it again.",
        )

    def book_consult() -> str:
        appointment = services.appointment_book(
            patient=referral.patient,
            visit=form.visit(),
            referral=referral,
            is_consult=True,
            by=request.user,
            now=now,
        )
        local = timezone.localtime(appointment.start)
        messages.success(
            request,
            f"Consult booked with {appointment.clinician.name} on {local:%a %d %b at %H:%M}.",
        )
        return reverse("web:referral", args=[referral.pk])

    try:
        return handle_once(request, book_consult)
    except DomainError as error:
        return page(request, referral, now, status=error.status_code, consult_error=error.message)


def _respond(request, referral, now, template: str, context: dict, status: int = 200):
    """htmx gets the fragment; a plain form post gets the whole page with it inside."""
    if request.htmx:
        return render(request, template, {"referral": referral, **context}, status=status)
    return page(request, referral, now, status=status, fragment=template, **context)


@navigator_page
@require_GET
def plan(request, pk: int):
    """Ranked same-day options for the specialties asked, each drawn as its day."""
    now = timezone.now()
    referral = _referral(request, pk, now)
    form = PlanForm(request.GET)
    template = "web/navigator/_plan_results.html"
    if not form.is_valid():
        return _respond(request, referral, now, template, {"plan_errors": form.errors}, 400)
    data = form.cleaned_data
    search = services.ItinerarySearch(
        specialties=tuple(data["specialties"]),
        first=data["date_from"],
        last=data["date_to"],
        max_total_wait=data["max_wait"],
        window=form.window(),
        visit_types=form.visit_types() or None,
    )
    try:
        result = services.itinerary_search(patient=referral.patient, search=search, now=now)
    except DomainError as error:
        return _respond(request, referral, now, template, {"plan_message": error.message}, 400)
    chosen = search.visit_types or {}
    visits = [v for option in result.options for v in option.visits]
    clinicians = Clinician.objects.in_bulk({v.clinician_id for v in visits})
    places = Location.objects.in_bulk({v.location_id for v in visits})
    taken = Resource.objects.in_bulk({r for v in visits for r in v.resources})
    buffers = selectors.travel_buffers()
    timelines = []
    for option in result.options:
        timeline = option_timeline(
            option,
            clinicians=clinicians,
            places=places,
            buffers=buffers,
            zone=selectors.clinic_zone(),
            resources=taken,
            kinds={s: t.name for s, t in chosen.items()},
        )
        timeline.values.extend(visit_value(v, chosen.get(v.specialty)) for v in option.visits)
        timelines.append(timeline)
    context = {
        "result": result,
        "timelines": timelines,
        "search_query": request.GET.urlencode(),
        "late": late_options(referral=referral, options=result.options),
        "extra_trips": {i for i, o in enumerate(result.options) if result.extra_trip(o)},
    }
    if not result.options:
        context["blocker"] = blocker(search=search, result=result)
        context["relaxations"] = plan_relaxations(
            patient=referral.patient,
            search=search,
            now=now,
            fewer_days=bool(result.travel_burden),
        )
    return _respond(request, referral, now, template, context)


@navigator_page
@require_POST
def book(request, pk: int):
    """Book the option picked, all or nothing, once; a clash says which visit was taken."""
    now = timezone.now()
    referral = _referral(request, pk, now)
    form = BookForm(request.POST)
    template = "web/navigator/_book_result.html"
    search_query = request.POST.get("search", "")
    if not form.is_valid():
        context = {"book_error": " ".join(form.non_field_errors()), "search_query": search_query}
        return _respond(request, referral, now, template, context, 400)
    searched = PlanForm(QueryDict(search_query))  # book with the rules it was searched with
    plan = (
        services.PlanRules(searched.cleaned_data["max_wait"], (), searched.window())
        if searched.is_valid()
        else None
    )

    def book_option() -> str:
        itinerary = services.itinerary_book(
            patient=referral.patient,
            visits=form.cleaned_data["visits"],
            referral=referral,
            plan=plan,
            by=request.user,
            now=now,
        )
        # The whole page again: the triage badge, the consult area and the plan all
        # follow from what was just booked.
        return f"{reverse('web:referral', args=[referral.pk])}?booked={itinerary.pk}#plan-h"

    try:
        response = handle_once(request, book_option)
    except DomainError as error:
        context = {"book_error": error.message, "search_query": search_query}
        return _respond(request, referral, now, template, context, error.status_code)
    if request.htmx:
        return HttpResponseClientRedirect(response.url)
    return response


@navigator_page
@require_POST
def board_submit(request, pk: int):
    """Put the referral's case on a meeting with its question for the board."""
    now = timezone.now()
    referral = _referral(request, pk, now)
    form = CaseSubmitForm(request.POST, meetings=open_meetings(now))
    if form.is_valid():
        try:
            placed = case_submit(referral=referral, by=request.user, now=now, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            label = meeting_services.meeting_label(placed.meeting)
            note = f" {placed.note}" if placed.note else ""
            messages.success(request, f"Put on the tumor board of {label}.{note}")
            return redirect("web:referral", pk=referral.pk)
    return page(request, referral, now, status=400, board_form=form)


@navigator_page
@require_POST
def override(request, pk: int):
    """Squeeze an emergency in over booked time, with a reason kept in the audit trail."""
    now = timezone.now()
    referral = _referral(request, pk, now)
    form = _override_form(referral, request.POST)
    if form is None:
        messages.error(request, "Only an emergency referral can be booked over other visits.")
        return redirect("web:referral", pk=referral.pk)
    if form.is_valid():
        visit = form.visit()
        consult = referral.consult_at is None

        def squeeze() -> str:
            appointment = services.appointment_book(
                patient=referral.patient,
                visit=visit,
                referral=referral,
                is_consult=consult,
                override_reason=form.cleaned_data["override_reason"],
                by=request.user,
                now=now,
            )
            local = timezone.localtime(appointment.start)
            messages.success(
                request,
                f"Booked over other visits with {appointment.clinician.name} on "
                f"{local:%a %d %b at %H:%M}; the override is recorded.",
            )
            return reverse("web:appointment", args=[appointment.pk])

        try:
            return handle_once(request, squeeze)
        except DomainError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
    return page(request, referral, now, status=400, override_form=form)


@navigator_page
@require_POST
def request_done(request, pk: int):
    """A patient's request handled: closed, with what was done."""
    patient_request = get_object_or_404(PatientRequest, pk=pk)
    note = request.POST.get("note", "").strip()[:300]
    patient_request_close(
        patient_request=patient_request, by=request.user, note=note, now=timezone.now()
    )
    messages.success(request, "The patient's request is marked done.")
    if patient_request.referral_id:
        return redirect("web:referral", pk=patient_request.referral_id)
    return redirect("web:patients")


@navigator_page
@require_POST
def task_done(request, pk: int):
    """A task the board's recommendation created, done by a navigator."""
    task = get_object_or_404(Task.objects.select_related("case"), pk=pk)
    note = request.POST.get("note", "").strip()[:300]
    try:
        task_complete(task=task, by=request.user, now=timezone.now(), note=note)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Task done: {task.text}.")
    if task.case.referral_id:
        return redirect("web:referral", pk=task.case.referral_id)
    return redirect("web:case", pk=task.case_id)


@navigator_page
@require_POST
def treatment(request, pk: int):
    """Record that a treatment the board asked for began (care.services.treatment_record):
    its clocks stop or start as of when it began, however late it is recorded."""
    now = timezone.now()
    referral = _referral(request, pk, now)
    form = _treatment_form(referral, request.POST)
    if form is None:
        messages.error(request, "The board has not signed a recommendation for this referral.")
        return redirect("web:referral", pk=referral.pk)
    if form.is_valid():
        try:
            recorded = treatment_record(
                recommendation=form.recommendation, by=request.user, now=now, **form.cleaned_data
            )
        except DomainError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
        else:
            messages.success(request, f"Recorded: {recorded.get_modality_display()}.")
            return redirect("web:referral", pk=referral.pk)
    return page(request, referral, now, status=400, treatment_form=form)
