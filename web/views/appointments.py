"""One booked visit: who, when, where, its history, and what a navigator may do with it
now (reschedule to a free time the engine offers, cancel with a reason, arrived,
no-show and undo). Every change is one navigation service call, once per form."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from navigation import selectors, services
from navigation.models import Appointment, Clinician
from tumorboard.audit import touch
from tumorboard.errors import DomainError
from web.access import navigator_page
from web.changes import STATUS_LABELS, CancelForm, RescheduleForm, StatusForm
from web.once import handle_once


def _appointment(request, pk: int) -> Appointment:
    queryset = selectors.appointment_list(user=request.user).select_related("referral")
    return get_object_or_404(queryset, pk=pk)


def free_times(*, appointment: Appointment, now) -> list[dict]:
    """Other free times for this visit (`services.reschedule_times`: the clinician and a
    room, machine or interpreter of each kind it needs free then), as
    [{clinician, start, end, value}]; `end` keeps the visit's own minutes."""
    minutes = int((appointment.end - appointment.start).total_seconds() // 60)
    visits = services.reschedule_times(appointment=appointment, now=now)
    clinicians = Clinician.objects.in_bulk({v.clinician_id for v in visits})
    return [
        {
            "clinician": clinicians[v.clinician_id],
            "start": v.start,
            "end": v.start + timedelta(minutes=minutes),
            "value": f"{v.clinician_id}|{v.start.isoformat()}",
        }
        for v in visits
    ]


def actions_for(status: str) -> list[tuple[str, str]]:
    """The status moves the service allows from `status`, as (value, label)."""
    return [
        (target, STATUS_LABELS[target])
        for target, sources in services.STATUS_MOVES.items()
        if status in sources and target in STATUS_LABELS
    ]


def _page(request, appointment, now, *, status=200, **forms):
    booked = appointment.status == Appointment.Status.BOOKED
    context = {
        "a": appointment,
        "now": now,
        "changes": appointment.changes.select_related("by"),
        "free": free_times(appointment=appointment, now=now) if booked else [],
        "reschedule_form": forms.get("reschedule_form") or RescheduleForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "status_error": forms.get("status_error"),
        "actions": actions_for(appointment.status),
    }
    touch(request, appointment.patient_id)
    return render(request, "web/navigator/appointment.html", context, status=status)


@navigator_page
@require_GET
def appointment(request, pk: int):
    return _page(request, _appointment(request, pk), timezone.now())


def _done(request, appointment: Appointment, text: str) -> str:
    messages.success(request, text)
    return reverse("web:appointment", args=[appointment.pk])


@navigator_page
@require_POST
def reschedule(request, pk: int):
    now = timezone.now()
    appointment = _appointment(request, pk)
    form = RescheduleForm(request.POST)
    if form.is_valid():
        clinician, start = form.cleaned_data["slot"]

        def move() -> str:
            moved = services.appointment_reschedule(
                appointment=appointment,
                start=start,
                clinician=clinician,
                reason=form.cleaned_data["reason"],
                by=request.user,
                now=now,
            )
            local = timezone.localtime(moved.start)
            return _done(
                request, moved, f"Moved to {local:%a %d %b at %H:%M} with {clinician.name}."
            )

        try:
            return handle_once(request, move)
        except DomainError as error:
            form.add_error("slot", error.message)
    return _page(request, appointment, now, status=400, reschedule_form=form)


@navigator_page
@require_POST
def cancel(request, pk: int):
    now = timezone.now()
    appointment = _appointment(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():

        def do() -> str:
            services.appointment_cancel(
                appointment=appointment,
                reason=form.cleaned_data["reason"],
                by=request.user,
                now=now,
            )
            return _done(request, appointment, "The visit is cancelled; the patient is told.")

        try:
            return handle_once(request, do)
        except DomainError as error:
            form.add_error("reason", error.message)
    return _page(request, appointment, now, status=400, cancel_form=form)


@navigator_page
@require_POST
def set_status(request, pk: int):
    now = timezone.now()
    appointment = _appointment(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _page(request, appointment, now, status=400, status_error="Pick what happened.")
    status = form.cleaned_data["status"]

    def do() -> str:
        services.appointment_set_status(
            appointment=appointment,
            status=status,
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
        return _done(request, appointment, f"Marked: {STATUS_LABELS[status].lower()}.")

    try:
        return handle_once(request, do)
    except DomainError as error:
        return _page(request, appointment, now, status=400, status_error=error.message)
