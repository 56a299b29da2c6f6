"""The navigators' dashboard: how the 72-hour promise and the clinics are doing."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from simulator.models import SimulationRun
from web import metrics, plots
from web.access import navigator_page


@navigator_page
def dashboard(request):
    now = timezone.now()
    within = metrics.consults_within_72h(now=now)
    waits = metrics.referral_to_consult(now=now)
    no_shows = metrics.no_shows(now=now)
    meetings = metrics.board_cases_per_meeting(now=now)
    context = {
        "weeks": metrics.WEEKS,
        "within": within,
        "within_chart": plots.share_chart(
            weeks=within,
            title="New consults within 72 hours, week by week",
            description="Share of referrals received each week whose first consult started "
            "within 72 hours of receipt. A dash means no referral was decided that week.",
            good_when_high=True,
        ),
        "waits": waits,
        "waits_chart": plots.count_chart(
            bins=waits,
            title="Time from referral to consult",
            description="How many referrals waited each length of time for their consult; "
            "bars from 72 hours on broke the promise.",
        ),
        "no_shows": no_shows,
        "no_show_chart": plots.share_chart(
            weeks=no_shows,
            title="No-show rate, week by week",
            description="Share of visits that started each week and were marked no-show.",
            good_when_high=False,
        ),
        "meetings": meetings,
        "meeting_chart": plots.meeting_chart(
            meetings=meetings,
            now=now,
            title="Board cases per meeting",
            description="Cases listed at each tumor-board meeting; lighter bars are meetings "
            "still ahead, a dash a cancelled meeting.",
        ),
        # The latest capacity simulation a navigator ran, its plots next to the real ones.
        "simulation": SimulationRun.objects.filter(status=SimulationRun.Status.DONE)
        .order_by("-finished_at", "-id")
        .first(),
    }
    return render(request, "web/navigator/dashboard.html", context)
