"""Alerts for navigators: emergencies, deadlines at risk, no slot, freed slots, patient
replies; the most severe first, each acknowledged once (one by one or several at once),
and resolved on their own when their cause goes away (notifications.alerts)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from notifications.alerts import alerts_acknowledge, alerts_list
from notifications.models import Alert
from web.access import navigator_page

PAGE = 200


@navigator_page
def alerts(request):
    show_all = request.GET.get("show") == "all"
    found = list(alerts_list(show_all=show_all)[:PAGE])
    context = {
        "alerts": found,
        "show_all": show_all,
        "open_count": sum(1 for a in found if not a.handled),
    }
    return render(request, "web/navigator/alerts.html", context)


@navigator_page
@require_POST
def acknowledge(request, pk: int):
    alerts_acknowledge(ids=[pk], by=request.user, now=timezone.now())
    alert = get_object_or_404(Alert.objects.select_related("referral__patient", "patient"), pk=pk)
    if request.htmx:
        return render(request, "web/navigator/_alert.html", {"alert": alert})
    return redirect("web:alerts")


@navigator_page
@require_POST
def acknowledge_many(request):
    """The ticked alerts, or every open one with `all`."""
    if request.POST.get("all"):
        ids = None
    else:
        ids = [int(v) for v in request.POST.getlist("alert") if v.isdigit()]
    if ids == []:
        messages.warning(request, "Tick the alerts to acknowledge first.")
        return redirect("web:alerts")
    done = alerts_acknowledge(ids=ids, by=request.user, now=timezone.now())
    messages.success(request, f"{done} alert{'' if done == 1 else 's'} acknowledged.")
    return redirect("web:alerts")
