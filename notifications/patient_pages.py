"""The patient's private page, reached by the short expiring link in texts and emails:
the visit plan (who, what, where, when, and the walk between buildings), add-to-calendar,
confirm and ask to reschedule, in the patient's preferred language.

The link may be read by someone else holding the phone, so the plan shows only once the
birth date is confirmed on the page (remembered in the session for that link); tries are
throttled per link, and a wrong answer says nothing about the patient or the plan. It
shows no diagnosis, and the link expires."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils import dateformat, timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from notifications import invites
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


VERIFY_TRIES = 5  # birth-date answers per link per VERIFY_WINDOW
VERIFY_WINDOW = timedelta(minutes=15)
SESSION_KEY = "patient_links"


def _expired(request):
    return render(request, "patient/expired.html", {"phone": settings.CENTER_PHONE}, status=410)


def _verified(request, code: str) -> bool:
    """The birth date was confirmed on this link in this browser, or the patient logged in
    with their own password (who holds the link is then known)."""
    if code in request.session.get(SESSION_KEY, []):
        return True
    user = request.user
    return (
        user.is_authenticated and PatientLink.objects.filter(code=code, patient__user=user).exists()
    )


def _upcoming(patient):
    from navigation.models import Appointment

    now = timezone.now()
    return (
        Appointment.objects.filter(patient=patient, end__gt=now, start__lt=now + timedelta(days=60))
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("location", "clinician")
        .order_by("start")
    )


def _walks(visits) -> dict[int, str]:
    """For each visit that follows another the same day in another building: how to walk
    there ("Walk 15 min to Tower, 1 Main St."), from the travel buffers navigators keep."""
    from navigation.models import TravelBuffer

    minutes = {
        (b.from_location_id, b.to_location_id): b.minutes for b in TravelBuffer.objects.all()
    }
    walks = {}
    for before, after in zip(visits, visits[1:], strict=False):
        if before.location_id == after.location_id:
            continue
        place = ", ".join(p for p in (after.location.name, after.location.address) if p)
        walk = minutes.get((before.location_id, after.location_id))
        walks[after.pk] = (
            _("Walk %(minutes)s min from %(from)s to %(to)s.")
            % {"minutes": walk, "from": before.location.name, "to": place}
            if walk
            else _("Then go from %(from)s to %(to)s.") % {"from": before.location.name, "to": place}
        )
    return walks


@require_http_methods(["GET"])
def plan(request, code: str):
    link = _link(code)
    if link is None:
        return _expired(request)
    patient = link.patient
    with translation.override(patient.preferred_language):
        if not _verified(request, code):
            return _verify_form(request, code, status=200)
        touch(request, patient.pk)
        zone = ZoneInfo(patient.time_zone)
        clock = pgettext("page time", "g:i A")
        by_day = defaultdict(list)
        for visit in _upcoming(patient):
            by_day[visit.start.astimezone(zone).date()].append(visit)
        days = []
        for day, visits in sorted(by_day.items()):
            walks = _walks(visits)
            days.append(
                (
                    day,
                    [
                        {
                            "id": v.pk,
                            "start": dateformat.time_format(v.start.astimezone(zone), clock),
                            "end": dateformat.time_format(v.end.astimezone(zone), clock),
                            "place": v.location,
                            "who": v.clinician.name,
                            "what": invites.visit_label(v),
                            "walk": walks.get(v.pk, ""),
                            "confirmed": v.patient_confirmed_at is not None,
                        }
                        for v in visits
                    ],
                )
            )
        return render(
            request,
            "patient/plan.html",
            {
                "patient": patient,
                "code": code,
                "days": days,
                "center": settings.CENTER_NAME,
                "phone": settings.CENTER_PHONE,
                "done": request.GET.get("done"),
            },
        )


def _verify_form(request, code: str, *, status: int, error: str = ""):
    return render(
        request,
        "patient/verify.html",
        {
            "code": code,
            "error": error,
            "center": settings.CENTER_NAME,
            "phone": settings.CENTER_PHONE,
        },
        status=status,
    )


@require_POST
def verify(request, code: str):
    """The birth-date check: a match opens the plan for this link in this browser session;
    a wrong or missing answer gets the same message whatever was wrong (400); after
    VERIFY_TRIES tries in VERIFY_WINDOW the link refuses more for a while (429)."""
    link = _link(code)
    if link is None:
        return _expired(request)
    patient = link.patient
    with translation.override(patient.preferred_language):
        raw = (request.POST.get("birth_date") or "").strip()[:10]
        if not raw:  # no answer is not a guess: it costs no try
            return _verify_form(request, code, status=400, error=_("Please enter the birth date."))
        key = f"patient-verify:{code}"
        cache.add(key, 0, timeout=int(VERIFY_WINDOW.total_seconds()))
        if cache.incr(key) > VERIFY_TRIES:
            return _verify_form(
                request,
                code,
                status=429,
                error=_("Too many tries. Please wait 15 minutes or call us."),
            )
        try:
            answer = parse_date(raw)
        except ValueError:  # a well-formed date that does not exist (February 30th)
            answer = None
        if answer is None or answer != patient.birth_date:
            return _verify_form(
                request,
                code,
                status=400,
                error=_("That does not match our records. Please check the date and try again."),
            )
        cache.delete(key)
        request.session.cycle_key()
        request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), code]
        return HttpResponseRedirect(f"/p/{code}")


@require_http_methods(["GET"])
def visit_ics(request, code: str, visit_id: int):
    link = _link(code)
    if link is None:
        return _expired(request)
    if not _verified(request, code):
        return HttpResponseRedirect(f"/p/{code}")
    visit = _upcoming(link.patient).filter(pk=visit_id).select_related("patient").first()
    if visit is None:
        raise Http404
    return appointment_invite(visit, request)


@require_POST
def confirm(request, code: str):
    link = _link(code)
    if link is None:
        return _expired(request)
    if not _verified(request, code):
        return HttpResponseRedirect(f"/p/{code}")
    _upcoming(link.patient).filter(patient_confirmed_at__isnull=True).update(
        patient_confirmed_at=timezone.now()
    )
    return HttpResponseRedirect(f"/p/{code}?done=confirmed")


@require_POST
def reschedule(request, code: str):
    link = _link(code)
    if link is None:
        return _expired(request)
    if not _verified(request, code):
        return HttpResponseRedirect(f"/p/{code}")
    patient = link.patient
    alert_navigators(
        kind=Alert.Kind.PATIENT_REPLY,
        patient=patient,
        text=f"Patient {patient.mrn} asked on their visit page to reschedule.",
        dedupe_key=f"page-reschedule:{patient.pk}:{timezone.now():%Y%m%d%H%M}",
    )
    patient_request_create(patient=patient, source="page", now=timezone.now())
    return HttpResponseRedirect(f"/p/{code}?done=reschedule")
