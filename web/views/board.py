"""The tumor board in the browser: meetings, the agenda with its quorum banner and
check-in, and each case with its NOMS panel and the recommendation form."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from board import selectors
from board.models import Meeting, Recommendation
from board.services import meetings as meeting_services
from board.services import recommendations as recs
from navigation.models import Clinician
from tumorboard.errors import DomainError
from tumorboard.roles import SPECIALIST, has_role
from web.access import staff_page
from web.forms import CaseSubmitForm, RecommendationForm

PAST_DAYS = 28


@staff_page
def meetings(request):
    now = timezone.now()
    past = request.GET.get("past") == "1"
    found = selectors.meeting_list()
    if past:
        found = found.filter(end__lt=now, start__gte=now - timedelta(days=PAST_DAYS)).order_by(
            "-start"
        )
    else:
        found = found.filter(end__gte=now).order_by("start")
    context = {"meetings": found[:12], "past": past}
    return render(request, "web/board/meetings.html", context)


def _members(meeting: Meeting, agenda) -> list[dict]:
    present = {a.clinician_id: a for a in agenda.attendance}
    members = list(meeting.series.members.all())
    members += [a.clinician for a in agenda.attendance if a.clinician not in members]
    return [{"clinician": c, "attendance": present.get(c.pk)} for c in members]


def meeting_zone(meeting: Meeting) -> ZoneInfo:
    """The zone the meeting is held in: its location's, else its series'."""
    return ZoneInfo(meeting.location.time_zone if meeting.location else meeting.series.time_zone)


def check_in(meeting: Meeting, now) -> dict:
    """When check-in can be used: from ATTENDANCE_OPENS before the start (the service's
    own rule) until the meeting ends; otherwise when it opens or that it closed, in the
    meeting's zone."""
    opens = meeting.start - meeting_services.ATTENDANCE_OPENS
    local = opens.astimezone(meeting_zone(meeting))
    if meeting.cancelled:
        return {"open": False, "why": ""}
    if now < opens:
        return {
            "open": False,
            "why": f"Check-in opens {local:%a %d %b at %H:%M} ({local:%Z}), "
            "an hour before the meeting.",
        }
    if now > meeting.end:
        return {"open": False, "why": "The meeting has ended: check-in is closed."}
    return {"open": True, "why": ""}


@staff_page
def agenda(request, pk: int):
    meeting = get_object_or_404(Meeting.objects.select_related("series", "location"), pk=pk)
    agenda = selectors.meeting_agenda(meeting=meeting)
    context = {
        "meeting": meeting,
        "agenda": agenda,
        "members": _members(meeting, agenda),
        "me": Clinician.objects.filter(user=request.user).first(),
        "label": meeting_services.meeting_label(meeting),
        "check_in": check_in(meeting, timezone.now()),
    }
    return render(request, "web/board/agenda.html", context)


@staff_page
@require_POST
def attendance(request, pk: int):
    """Check a clinician in (or out): one's own login, or anyone for a navigator."""
    meeting = get_object_or_404(Meeting.objects.select_related("series"), pk=pk)
    clinician = get_object_or_404(Clinician, pk=request.POST.get("clinician") or 0)
    present = request.POST.get("present") != "0"
    try:
        meeting_services.attendance_record(
            meeting=meeting,
            clinician=clinician,
            present=present,
            by=request.user,
            now=timezone.now(),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{clinician.name} is {'checked in' if present else 'marked absent'}."
        )
    return redirect("web:agenda", pk=meeting.pk)


def _case_page(request, case, *, form=None, error=None, status=200, confirm=False):
    versions = selectors.recommendation_versions(case)
    latest = versions[0] if versions else None
    noms = case.noms()
    if form is None:
        form = RecommendationForm(initial=RecommendationForm.initial_from(latest, noms))
    meeting = case.meeting
    context = {
        "confirm_sign": confirm,
        "quorum": selectors.meeting_quorum(meeting, list(meeting.attendance.all())),
        "meeting_started": timezone.now() >= meeting.start,
        "case": case,
        "versions": versions,
        "latest": latest,
        "draft": latest if latest and latest.status == Recommendation.Status.DRAFT else None,
        "noms": noms,
        "ready": case.readiness(),
        "form": form,
        "error": error,
        "can_sign": has_role(request.user, SPECIALIST),
    }
    return render(request, "web/board/case.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def case(request, pk: int):
    """GET shows the case; POST saves the recommendation as a draft, or signs it."""
    found = get_object_or_404(selectors.case_list(), pk=pk)
    if request.method == "GET":
        return _case_page(request, found)
    form = RecommendationForm(request.POST)
    if not form.is_valid():
        return _case_page(request, found, form=form, status=400)
    sign = "sign" in request.POST
    if sign and "confirm" not in request.POST:
        # Signing freezes the version and sends tasks and a letter: ask first, on the page.
        return _case_page(request, found, form=form, confirm=True)
    versions = selectors.recommendation_versions(found)
    draft = versions[0] if versions and versions[0].status == "draft" else None
    now = timezone.now()
    try:
        if draft is not None:
            saved = recs.recommendation_update(
                recommendation=draft, by=request.user, now=now, sign=sign, **form.service_fields()
            )
        else:
            saved = recs.recommendation_create(
                case=found, by=request.user, now=now, sign=sign, **form.service_fields()
            )
    except DomainError as error:
        return _case_page(request, found, form=form, error=error.message, status=error.status_code)
    word = "signed" if saved.status == Recommendation.Status.SIGNED else "saved as a draft"
    messages.success(request, f"Recommendation version {saved.version} {word}.")
    return redirect("web:case", pk=found.pk)


AHEAD = timedelta(weeks=8)


def open_meetings(now):
    """Meetings a case can still be put on: scheduled, not yet started, the next weeks."""
    return (
        selectors.meeting_list()
        .filter(status=Meeting.Status.SCHEDULED, start__gt=now, start__lt=now + AHEAD)
        .order_by("start")
    )


def board_context(referral, now, form=None) -> dict:
    """The referral page's board panel: its cases, and the form to put it on a meeting."""
    return {
        "board_cases": selectors.case_list().filter(referral=referral).order_by("-meeting__start"),
        "board_form": form or CaseSubmitForm(meetings=open_meetings(now)),
    }
