"""The patient's private page, reached by the short expiring link in texts and emails:
the visit plan, where to go and when, add-to-calendar, confirm and ask to reschedule.
No password: the link is the key, so it shows no diagnosis and expires."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from notifications.api import appointment_invite
from notifications.models import Alert, PatientLink
from notifications.outbox import alert_navigators
from tumorboard.audit import touch
from web.patient_requests import patient_request_create


def _link(code: str) -> PatientLink | None:
    link = PatientLink.objects.select_related("patient").filter(code=code).first()
    if link is None:
        raise Http404
    return link if link.expires_at > timezone.now() else None


def _expired(request):
    return render(request, "patient/expired.html", {"phone": settings.CENTER_PHONE}, status=410)


def _upcoming(patient):
    from navigation.models import Appointment

    now = timezone.now()
    return (
        Appointment.objects.filter(patient=patient, end__gt=now, start__lt=now + timedelta(days=60))
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("location")
        .order_by("start")
    )


@require_http_methods(["GET"])
def plan(request, code: str):
    link = _link(code)
    if link is None:
        return _expired(request)
    patient = link.patient
    touch(request, patient.pk)
    zone = ZoneInfo(patient.time_zone)
    days = defaultdict(list)
    for visit in _upcoming(patient):
        days[visit.start.astimezone(zone).date()].append(
            {
                "id": visit.pk,
                "start": visit.start.astimezone(zone),
                "end": visit.end.astimezone(zone),
                "place": visit.location,
                "confirmed": visit.patient_confirmed_at is not None,
            }
        )
    return render(
        request,
        "patient/plan.html",
        {
            "patient": patient,
            "code": code,
            "days": sorted(days.items()),
            "center": settings.CENTER_NAME,
            "phone": settings.CENTER_PHONE,
            "done": request.GET.get("done"),
        },
    )


@require_http_methods(["GET"])
def visit_ics(request, code: str, visit_id: int):
    link = _link(code)
    if link is None:
        return _expired(request)
    visit = _upcoming(link.patient).filter(pk=visit_id).select_related("patient").first()
    if visit is None:
        raise Http404
    return appointment_invite(visit, request)


@require_POST
def confirm(request, code: str):
    link = _link(code)
    if link is None:
        return _expired(request)
    _upcoming(link.patient).filter(patient_confirmed_at__isnull=True).update(
        patient_confirmed_at=timezone.now()
    )
    return HttpResponseRedirect(f"/p/{code}?done=confirmed")


@require_POST
def reschedule(request, code: str):
    link = _link(code)
    if link is None:
        return _expired(request)
    patient = link.patient
    alert_navigators(
        kind=Alert.Kind.PATIENT_REPLY,
        patient=patient,
        text=f"Patient {patient.mrn} asked on their visit page to reschedule.",
        dedupe_key=f"page-reschedule:{patient.pk}:{timezone.now():%Y%m%d%H%M}",
    )
    patient_request_create(patient=patient, source="page", now=timezone.now())
    return HttpResponseRedirect(f"/p/{code}?done=reschedule")
