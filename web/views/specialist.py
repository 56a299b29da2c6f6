"""A specialist's own pages: the week's clinic visits and the private calendar feed."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from board.selectors import meeting_list
from navigation import selectors, services
from navigation.models import Appointment, Clinician
from web.access import specialist_page


def _monday(request) -> date:
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.now().astimezone(selectors.clinic_zone()).date()
    return day - timedelta(days=day.weekday())


@specialist_page
def my_week(request):
    monday = _monday(request)
    zone = selectors.clinic_zone()
    start = datetime.combine(monday, time(0), zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), zone)
    visits = (
        selectors.appointment_list(user=request.user)
        .filter(clinician__user=request.user, start__gte=start, start__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
    )
    days = defaultdict(list)
    for visit in visits:
        days[visit.start.astimezone(zone).date()].append(visit)
    week = [
        (monday + timedelta(days=n), days.get(monday + timedelta(days=n), [])) for n in range(7)
    ]
    clinician = Clinician.objects.filter(user=request.user).first()
    boards = meeting_list().filter(start__gte=start, start__lt=end).order_by("start")
    boards = boards.filter(series__members=clinician) if clinician else boards.none()
    context = {
        "boards": boards,
        "week": week,
        "monday": monday,
        "previous": monday - timedelta(weeks=1),
        "next": monday + timedelta(weeks=1),
        "count": sum(len(v) for v in days.values()),
        "clinician": clinician,
    }
    return render(request, "web/specialist/my_week.html", context)


@specialist_page
@require_http_methods(["GET", "POST"])
def my_calendar(request):
    """The private feed URL; POST rotates it, so the old URL stops working at once."""
    clinician = Clinician.objects.filter(user=request.user).first()
    if request.method == "POST" and clinician is not None:
        services.clinician_feed_rotate(clinician=clinician)
        messages.success(request, "A new feed link is ready; the old one no longer works.")
        return redirect("web:my_calendar")
    url = (
        request.build_absolute_uri(f"/calendar/{clinician.calendar_token}.ics")
        if clinician
        else None
    )
    return render(
        request, "web/specialist/calendar.html", {"clinician": clinician, "feed_url": url}
    )
