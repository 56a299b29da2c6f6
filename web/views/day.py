"""The day view: clinicians (or rooms, machines, interpreters) as columns, the day in rows;
booked visits, free time, time off, and overrides marked."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from navigation import selectors
from navigation.models import (
    Appointment,
    AppointmentResource,
    Clinician,
    Resource,
    TimeOff,
)
from web.access import navigator_page
from web.forms import SPECIALTIES
from web.timeline import day_grid

# Days the view can show: a typo such as 0026 or 20260 is refused, not drawn.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)


def _day(request) -> tuple[date, str | None]:
    """The day asked (`?day=`, or `?date=` as people also type it) and None, or today in
    clinic time and what was wrong with the one asked."""
    today = timezone.now().astimezone(selectors.clinic_zone()).date()
    asked = request.GET.get("day", request.GET.get("date", "")).strip()
    if not asked:
        return today, None
    try:
        the_day = date.fromisoformat(asked)
    except ValueError:
        the_day = None
    if the_day is None:
        return today, (
            f"“{asked[:40]}” is not a day: write it as YYYY-MM-DD, such as "
            f"{today.isoformat()}. Showing today instead."
        )
    if not FIRST_DAY <= the_day <= LAST_DAY:
        return today, (
            f"{asked} is out of range: the day view shows {FIRST_DAY.year} to "
            f"{LAST_DAY.year}. Showing today instead."
        )
    return the_day, None


def _choice(request, name: str, choices: list[tuple[str, str]], what: str) -> tuple[str, str]:
    """`?name=` when it is one of `choices` (value, label) and None, or "" (all) and what
    was wrong with it, naming the choices."""
    asked = request.GET.get(name, "")
    if asked in {value for value, _ in choices}:
        return asked, ""
    named = ", ".join(value for value, _ in choices if value)
    return "", f"“{asked[:40]}” is not a {what}: use one of {named}. Showing all instead."


RESOURCE_VIEWS = [
    ("", "Clinicians"),
    ("equipment", "Machines"),
    ("room", "Rooms"),
    ("interpreter", "Interpreters"),
]
# Equipment that is a room (FHIR shows it as a Location room): with the rooms, not the
# machines.
ROOM_EQUIPMENT = [Resource.Equipment.PROCEDURE_ROOM]


def _of_kind(kind: str) -> Q:
    """The resources a day view of `kind` shows: procedure rooms with the rooms."""
    if kind == Resource.Kind.ROOM:
        return Q(kind=kind) | Q(equipment__in=ROOM_EQUIPMENT)
    if kind == Resource.Kind.EQUIPMENT:
        return Q(kind=kind) & ~Q(equipment__in=ROOM_EQUIPMENT)
    return Q(kind=kind)


def _resource_day(request, the_day: date, kind: str) -> dict:
    """Rooms (procedure rooms among them), machines or interpreters as columns: their
    sessions' free time (on their own location's wall clock), the visits that take them,
    and their time off."""
    resources = list(
        Resource.objects.filter(_of_kind(kind), active=True).select_related("location")
    )
    start, end = selectors.day_bounds(the_day)
    (calendar,) = selectors.free_days(
        clinicians=[], first=the_day, last=the_day, resources=resources
    )
    home = {r.pk: r.location_id for r in resources}
    rows = AppointmentResource.objects.filter(
        resource__in=resources, live=True, start__lt=end, end__gt=start
    ).values_list("appointment_id", "resource_id")
    taken: dict[int, list[int]] = {}
    for appointment_id, resource_id in rows:
        taken.setdefault(appointment_id, []).append(resource_id)
    booked = selectors.appointment_list(user=request.user).filter(pk__in=list(taken))
    off = TimeOff.objects.filter(resource__in=resources, start__lt=end, end__gt=start)
    return {
        "grid": day_grid(
            day=the_day,
            zone=selectors.clinic_zone(),
            clinicians=resources,
            free={
                r.resource_id: [
                    (f.start, f.end) for f in r.free if f.location_id == home[r.resource_id]
                ]
                for r in calendar.resources
            },
            booked=list(booked),
            off=[(t.resource_id, t.start, t.end, t.reason) for t in off],
            owners=lambda appointment: taken.get(appointment.pk, []),
        )
    }


@navigator_page
def day(request):
    the_day, problem = _day(request)
    kind, wrong_kind = _choice(request, "kind", RESOURCE_VIEWS, "kind of day view")
    specialty, wrong_specialty = _choice(
        request, "specialty", [("", ""), *SPECIALTIES], "specialty"
    )
    problem = " ".join(p for p in (problem, wrong_kind, wrong_specialty) if p) or None
    if kind:
        context = _resource_day(request, the_day, kind)
        context.update(
            day=the_day,
            previous=the_day - timedelta(days=1),
            next=the_day + timedelta(days=1),
            kind=kind,
            kinds=RESOURCE_VIEWS,
            specialties=SPECIALTIES,
            problem=problem,
        )
        return render(request, "web/navigator/day.html", context, status=400 if problem else 200)
    clinicians = Clinician.objects.filter(active=True).select_related("home_location")
    if specialty:
        clinicians = clinicians.filter(specialty=specialty)
    clinicians = list(clinicians)
    start, end = selectors.day_bounds(the_day)
    (calendar,) = selectors.free_days(clinicians=clinicians, first=the_day, last=the_day)
    booked = (
        selectors.appointment_list(user=request.user)
        .filter(clinician__in=clinicians, start__lt=end, end__gt=start)
        .exclude(status=Appointment.Status.CANCELLED)
    )
    off = TimeOff.objects.filter(clinician__in=clinicians, start__lt=end, end__gt=start)
    grid = day_grid(
        day=the_day,
        zone=selectors.clinic_zone(),
        clinicians=clinicians,
        free={c.clinician_id: [(f.start, f.end) for f in c.free] for c in calendar.clinicians},
        booked=list(booked),
        off=[(t.clinician_id, t.start, t.end, t.reason) for t in off],
    )
    context = {
        "grid": grid,
        "day": the_day,
        "previous": the_day - timedelta(days=1),
        "next": the_day + timedelta(days=1),
        "specialty": specialty,
        "specialties": SPECIALTIES,
        "problem": problem,
        "kinds": RESOURCE_VIEWS,
    }
    return render(request, "web/navigator/day.html", context, status=400 if problem else 200)
