"""The navigators' dashboard: how the 72-hour promise and the clinics are doing."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from simulator.models import SimulationRun
from web import charts, metrics
from web.access import navigator_page


def _week_shares(
    weeks, *, title, description, y_label, good_when_high, counted: tuple[str, str]
) -> charts.Chart:
    tones = []
    for week in weeks:
        share = week.share
        good = share is not None and (share >= 0.9 if good_when_high else share <= 0.1)
        tones.append("" if share is None else "good" if good else "bad")
    return charts.Chart(
        title=title,
        description=description,
        labels=tuple(f"{w.week:%-d %b}" for w in weeks),
        series=(
            charts.Series(
                "",
                tuple(charts.percent(w.share) for w in weeks),
                tuple(charts.percent_text(w.share, w.hits, w.total) for w in weeks),
                tones=tuple(tones),
            ),
        ),
        y_label=y_label,
        x_label="week of",
        top=100,
        goal=90 if good_when_high else 10,
        goal_label="goal",
        columns=(
            (counted[0], tuple(str(w.hits) for w in weeks)),
            (counted[1], tuple(str(w.total) for w in weeks)),
        ),
    )


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
        "within_chart": _week_shares(
            within,
            title="New consults within 72 hours, week by week",
            description="Share of referrals received each week whose first consult started "
            "within 72 hours of receipt. No bar means no referral was decided that week.",
            y_label="% within 72 h",
            good_when_high=True,
            counted=("Within 72 h", "Decided"),
        ),
        "waits": waits,
        "waits_chart": charts.Chart(
            title="Time from referral to consult",
            description="How many referrals waited each length of time for their consult; "
            "bars right of the dashed line waited 72 hours or more.",
            labels=tuple(b.label for b in waits),
            series=(
                charts.Series(
                    "",
                    tuple(b.count for b in waits),
                    tones=tuple("bad" if b.low >= 72 else "" for b in waits),
                ),
            ),
            y_label="referrals",
            x_label="wait",
            divider=next(i for i, b in enumerate(waits) if b.low >= 72),
        ),
        "no_shows": no_shows,
        "no_show_chart": _week_shares(
            no_shows,
            title="No-show rate, week by week",
            description="Share of visits that started each week and were marked no-show.",
            y_label="% no-show",
            good_when_high=False,
            counted=("No-shows", "Visits"),
        ),
        "meetings": meetings,
        "meeting_chart": charts.Chart(
            title="Board cases per meeting",
            description="Cases listed at each tumor-board meeting; lighter bars are meetings "
            "still ahead; a cancelled meeting has no bar.",
            labels=tuple(f"{timezone.localtime(m.start):%-d %b}" for m in meetings),
            series=(
                charts.Series(
                    "",
                    tuple(None if m.cancelled else m.count for m in meetings),
                    tuple("cancelled" if m.cancelled else str(m.count) for m in meetings),
                    tones=tuple("ahead" if m.start > now else "" for m in meetings),
                ),
            ),
            y_label="cases",
            x_label="meeting",
        ),
        # The latest capacity simulation a navigator ran, its plots next to the real ones.
        "simulation": SimulationRun.objects.filter(status=SimulationRun.Status.DONE)
        .order_by("-finished_at", "-id")
        .first(),
    }
    return render(request, "web/navigator/dashboard.html", context)
