"""The day view: clinicians as columns, the day in rows; booked visits, free time, time
off, and overrides marked."""

from __future__ import annotations

from datetime import date, timedelta

from django.shortcuts import render
from django.utils import timezone

from navigation import selectors
from navigation.models import Appointment, Clinician, Specialty, TimeOff
from web.access import navigator_page
from web.forms import SPECIALTIES
from web.timeline import day_grid


def _day(request) -> date:
    try:
        return date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.now().astimezone(selectors.clinic_zone()).date()


@navigator_page
def day(request):
    the_day = _day(request)
    specialty = request.GET.get("specialty", "")
    clinicians = Clinician.objects.filter(active=True).select_related("home_location")
    if specialty in Specialty.values:
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
    }
    return render(request, "web/navigator/day.html", context)
