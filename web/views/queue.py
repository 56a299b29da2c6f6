"""The referral queue: open referrals by deadline, emergencies pinned on top, those whose
consult meets its deadline below every live one. Filtered by a care clock (`?clock=`), it
lists the referrals that clock has started, by its deadline, its met ones below."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import render
from django.utils import timezone

from care.models import Clock
from care.selectors import with_clock
from patients import clinical
from patients.models import Referral
from patients.selectors import referral_list
from web.access import navigator_page
from web.forms import QueueFilter
from web.presenters import queue_rows

# Rows a page shows: the most urgent first, so the first page is the day's work.
QUEUE_PAGE = 100
# What a row shows; a referral has many more columns than the queue needs.
QUEUE_FIELDS = (
    "urgency",
    "urgency_reason",
    "received_at",
    "consult_due_at",
    "consult_at",
    "sites",
    "primary_cancer",
    "patient__first_name",
    "patient__last_name",
    "patient__mrn",
)


@navigator_page
def queue(request):
    now = timezone.now()
    form = QueueFilter(request.GET)
    form.is_valid()
    referrals = (
        referral_list(user=request.user, now=now)
        .filter(status=Referral.Status.OPEN)
        .annotate(
            pinned=Case(
                When(urgency=clinical.EMERGENCY, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            # A consult that meets the deadline is done work: below every live referral.
            done=Case(
                When(sla_status=clinical.MET, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("done", "pinned", "consult_due_at", "id")
        .only(*QUEUE_FIELDS)
    )
    if clock := form.cleaned_data.get("clock"):
        # The chosen clock's deadline orders the queue; done work (met) goes below.
        referrals = (
            with_clock(referrals, kind=clock, now=now)
            .annotate(
                clock_done=Case(
                    When(clock_status=clinical.MET, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("clock_done", "pinned", "clock_due_at", "id")
        )
    if urgency := form.cleaned_data.get("urgency"):
        referrals = referrals.filter(urgency=urgency)
    if state := form.cleaned_data.get("state"):
        referrals = referrals.filter(**{"clock_status" if clock else "sla_status": state})
    page = Paginator(referrals, QUEUE_PAGE).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    context = {
        "form": form,
        "rows": queue_rows(page.object_list, now=now, clock=clock),
        "due_label": Clock.Kind(clock).label if clock else "",
        "page": page,
        "filters": filters.urlencode(),
        "query": request.GET.urlencode(),
    }
    if request.htmx:
        return render(request, "web/navigator/_queue_rows.html", context)
    return render(request, "web/navigator/queue.html", context)
