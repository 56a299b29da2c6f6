"""Alerts for navigators: emergencies, deadlines at risk, no slot, freed slots, patient
replies; each acknowledged once, by whoever saw it first."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from notifications.models import Alert
from web.access import navigator_page

PAGE = 200


@navigator_page
def alerts(request):
    show_all = request.GET.get("show") == "all"
    found = Alert.objects.select_related("referral__patient", "patient", "acknowledged_by")
    if not show_all:
        found = found.filter(acknowledged_at__isnull=True)
    context = {"alerts": found[:PAGE], "show_all": show_all}
    return render(request, "web/navigator/alerts.html", context)


@navigator_page
@require_POST
def acknowledge(request, pk: int):
    # A conditional update: two navigators acknowledging at once keep the first.
    Alert.objects.filter(pk=pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=request.user
    )
    alert = get_object_or_404(Alert.objects.select_related("referral__patient", "patient"), pk=pk)
    if request.htmx:
        return render(request, "web/navigator/_alert.html", {"alert": alert})
    return redirect("web:alerts")
