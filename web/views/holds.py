"""Holding a same-day option while on the phone with the patient (PRODUCT.md, "Same-day
plans"): hold it from the options, watch its time run out, confirm it into a booking or
let it go. Each form is handled once (its one-time token); the rules are the services'."""

from __future__ import annotations

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from navigation import services
from navigation.models import Hold
from patients.selectors import referral_list
from tumorboard.errors import DomainError
from web.access import navigator_page
from web.forms import BookForm, PlanForm
from web.once import handle_once
from web.views.referral import _referral, _respond

RESULT = "web/navigator/_book_result.html"


def _redirect(request, response):
    return HttpResponseClientRedirect(response.url) if request.htmx else response


@navigator_page
@require_POST
def hold(request, pk: int):
    """Hold the option picked for `HOLD_MINUTES`, checked like a booking; a clash says
    which visit was taken meanwhile."""
    now = timezone.now()
    referral = _referral(request, pk, now)
    form = BookForm(request.POST)
    search_query = request.POST.get("search", "")
    if not form.is_valid():
        context = {
            "book_error": " ".join(form.non_field_errors()),
            "search_query": search_query,
            "not_done": "Not held",
        }
        return _respond(request, referral, now, RESULT, context, 400)
    searched = PlanForm(QueryDict(search_query))  # hold with the rules it was searched with
    plan = (
        services.PlanRules(searched.cleaned_data["max_wait"], (), searched.window())
        if searched.is_valid()
        else None
    )

    def hold_option() -> str:
        services.itinerary_hold(
            patient=referral.patient,
            visits=form.cleaned_data["visits"],
            referral=referral,
            plan=plan,
            by=request.user,
            now=now,
        )
        return f"{reverse('web:referral', args=[referral.pk])}#holds-h"

    try:
        response = handle_once(request, hold_option)
    except DomainError as error:
        context = {
            "book_error": error.message,
            "search_query": search_query,
            "not_done": "Not held",
        }
        return _respond(request, referral, now, RESULT, context, error.status_code)
    return _redirect(request, response)


def _hold_of(request, pk: int, now) -> Hold:
    """A hold on a referral this navigator may open (any other is a 404)."""
    return get_object_or_404(
        Hold.objects.select_related("referral"),
        pk=pk,
        referral__in=referral_list(user=request.user, now=now),
    )


def _hold_error(request, held: Hold, now, error: DomainError):
    context = {"book_error": error.message, "search_query": "", "not_done": "Not booked"}
    return _respond(request, held.referral, now, RESULT, context, error.status_code)


@navigator_page
@require_POST
def hold_confirm(request, pk: int):
    """The holder books the held option whole; an expired hold, or someone else's, is
    refused with what to do instead."""
    now = timezone.now()
    held = _hold_of(request, pk, now)

    def confirm() -> str:
        itinerary = services.hold_confirm(hold=held, by=request.user, now=now)
        url = reverse("web:referral", args=[held.referral_id])
        return f"{url}?booked={itinerary.pk}#plan-h"

    try:
        response = handle_once(request, confirm)
    except DomainError as error:
        return _hold_error(request, held, now, error)
    return _redirect(request, response)


@navigator_page
@require_POST
def hold_release(request, pk: int):
    """The holder lets the held time go at once."""
    now = timezone.now()
    held = _hold_of(request, pk, now)

    def release() -> str:
        services.hold_release(hold=held, by=request.user, now=now)
        messages.success(request, "Hold released: its time is free for everyone again.")
        return f"{reverse('web:referral', args=[held.referral_id])}#plan-h"

    try:
        response = handle_once(request, release)
    except DomainError as error:
        return _hold_error(request, held, now, error)
    return _redirect(request, response)
