"""Barriers to care and distress screening, recorded from the referral page."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from care.barriers import barrier_record, barrier_update
from care.distress import distress_record
from care.models import Barrier
from tumorboard.errors import DomainError
from web.access import navigator_page
from web.support import BarrierForm, BarrierResolveForm, DistressForm
from web.views.referral import _referral, page


@navigator_page
@require_POST
def barrier_add(request, pk: int):
    now = timezone.now()
    referral = _referral(request, pk, now)
    form = BarrierForm(request.POST)
    if form.is_valid():
        try:
            barrier_record(patient=referral.patient, by=request.user, now=now, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Barrier recorded.")
            return redirect(f"{reverse('web:referral', args=[referral.pk])}#barriers-h")
    return page(request, referral, now, status=400, barrier_form=form)


@navigator_page
@require_POST
def barrier_resolve(request, pk: int, barrier_pk: int):
    now = timezone.now()
    referral = _referral(request, pk, now)
    barrier = get_object_or_404(Barrier, pk=barrier_pk, patient=referral.patient)
    form = BarrierResolveForm(request.POST)
    error_text = None
    if form.is_valid():
        fields = {"resolved_at": form.cleaned_data["resolved_at"]}
        if form.cleaned_data["action"]:
            fields["action"] = form.cleaned_data["action"]
        try:
            barrier_update(barrier=barrier, by=request.user, now=now, **fields)
        except DomainError as error:
            error_text = error.message
        else:
            messages.success(
                request, f"{barrier.get_kind_display().capitalize()} barrier resolved."
            )
            return redirect(f"{reverse('web:referral', args=[referral.pk])}#barriers-h")
    else:
        error_text = " ".join(e for errors in form.errors.values() for e in errors)
    return page(request, referral, now, status=400, barrier_error=error_text)


@navigator_page
@require_POST
def distress_add(request, pk: int):
    """A Distress Thermometer taken; a score at the threshold or above alerts the
    navigators and the page offers a psychosocial-care visit."""
    now = timezone.now()
    referral = _referral(request, pk, now)
    form = DistressForm(request.POST)
    if form.is_valid():
        try:
            screening = distress_record(
                patient=referral.patient,
                referral=referral,
                by=request.user,
                now=now,
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            note = (
                " At or above the threshold: psychosocial referral asked, visit offered below."
                if screening.referred
                else ""
            )
            messages.success(request, f"Distress {screening.score}/10 recorded.{note}")
            return redirect(f"{reverse('web:referral', args=[referral.pk])}#distress-h")
    return page(request, referral, now, status=400, distress_form=form)


@navigator_page
@require_POST
def oncall_book(request, pk: int):
    """An emergency's consult as an on-call assessment (emergency department or ward) with
    whoever is on call, paged at once."""
    from navigation.services import oncall_assessment_book

    now = timezone.now()
    referral = _referral(request, pk, now)
    try:
        appointment = oncall_assessment_book(
            referral=referral,
            encounter_class=request.POST.get("encounter_class", ""),
            by=request.user,
            now=now,
        )
    except DomainError as error:
        return page(request, referral, now, status=error.status_code, oncall_error=error.message)
    local = appointment.start.astimezone(appointment.location.zone)
    messages.success(
        request,
        f"On-call assessment booked with {appointment.clinician.name}, "
        f"{appointment.get_encounter_class_display()}, {local:%a %d %b at %H:%M}; "
        "they are paged now.",
    )
    return redirect("web:appointment", pk=appointment.pk)
