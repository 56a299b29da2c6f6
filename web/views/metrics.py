"""Navigation metrics: the care clocks, caseloads and follow-through, charted with their
numbers and definitions beside them, and the same figures as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from web import charts
from web import navigation_metrics as nm
from web.access import navigator_page

GROUP_WORDS = {"all": "all referrals", "brain": "brain", "spine": "spine", "both": "brain + spine"}
CLOCK_TITLES = {
    "consult": "Referral to first consult",
    "board": "Referral to tumor board",
    "treatment": "Referral to first treatment",
    "postop_srs": "Resection to radiosurgery",
    "imaging": "Surveillance scan to the next",
}
SHORT = {
    "consult": "first consult",
    "board": "tumor board",
    "treatment": "first treatment",
    "postop_srs": "post-op radiosurgery",
    "imaging": "next imaging",
}


class PeriodForm(forms.Form):
    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", "The end date is before the start date.")
        if first and last and (last - first).days > 3 * 366:
            self.add_error("date_to", "A period of at most three years, please.")
        return data


def _period(request) -> tuple[nm.Period | None, dict]:
    """The period asked (`?date_from=&date_to=`, or `?from=&to=` as people also type them)
    and {}, or None and what was wrong, by field."""
    data = request.GET.copy()
    for alias, name in (("from", "date_from"), ("to", "date_to")):
        if alias in data and name not in data:
            data[name] = data[alias]
    form = PeriodForm(data)
    if not form.is_valid():
        return None, {field: " ".join(errors) for field, errors in form.errors.items()}
    default = nm.default_period(timezone.now())
    first: date = form.cleaned_data["date_from"] or default.first
    last: date = form.cleaned_data["date_to"] or default.last
    if last < first:
        return None, {"date_to": "The end date is before the start date."}
    return nm.Period(first, last), {}


def _label(interval: nm.Interval) -> str:
    return GROUP_WORDS.get(interval.value or interval.group, interval.value)


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def clock_chart(clock: str, rows: list[nm.Interval]) -> charts.Chart:
    unit = nm.CLOCK_UNITS[clock]
    return charts.Chart(
        title=f"{CLOCK_TITLES[clock]}, {unit}",
        description=f"Median and 90th percentile {unit}, {CLOCK_TITLES[clock].lower()}, for "
        "all referrals, by urgency and by site.",
        labels=tuple(_label(r) for r in rows),
        series=(
            charts.Series("median", tuple(r.median for r in rows)),
            charts.Series("90th percentile", tuple(r.p90 for r in rows)),
        ),
        y_label=unit,
        x_label="referrals",
        goal=72 if clock == "consult" else None,
        goal_label="72-hour promise" if clock == "consult" else "",
        columns=(
            ("reached", tuple(str(r.count) for r in rows)),
            (
                "within target",
                tuple(
                    f"{charts.percent_text(r.share, r.hits, r.decided)} ({r.hits}/{r.decided})"
                    for r in rows
                ),
            ),
        ),
        ident=f"clock-{clock}",
    )


def target_chart(intervals: list[nm.Interval]) -> charts.Chart:
    by_clock = {c: [i for i in intervals if i.clock == c] for c in nm.CLOCK_UNITS}
    first = by_clock["consult"]
    return charts.Chart(
        title="Share within target, by clock",
        description="Of the referrals decided on each clock, the share that met its "
        "target (each clock's definition is beside its chart).",
        labels=tuple(_label(r) for r in first),
        series=tuple(
            charts.Series(
                SHORT[c],
                tuple(charts.percent(r.share) for r in rows),
                tuple(charts.percent_text(r.share, r.hits, r.decided) for r in rows),
            )
            for c, rows in by_clock.items()
        ),
        y_label="% within target",
        x_label="referrals",
        top=100,
        goal=90,
        goal_label="90%",
        ident="within-target",
    )


def caseload_chart(rows: list[nm.Caseload]) -> charts.Chart:
    return charts.Chart(
        title="Navigator caseload",
        description="Patients each navigator took in during the period, and their "
        "referrals still open now.",
        labels=tuple(r.navigator for r in rows),
        series=(
            charts.Series("patients in the period", tuple(r.patients for r in rows)),
            charts.Series("open now", tuple(r.open_now for r in rows)),
        ),
        y_label="patients",
        x_label="navigator",
        ident="caseload",
    )


def monthly_chart(counts: dict[str, list[tuple[date, int]]]) -> charts.Chart:
    months = [m for m, _ in counts["referrals"]]
    series, columns = [], []
    for _key, label, part, whole in nm.MONTHLY_SHARES:
        pairs = list(zip(counts[part], counts[whole], strict=True))
        shares = [p / w if w else None for (_, p), (_, w) in pairs]
        series.append(
            charts.Series(
                label,
                tuple(charts.percent(s) for s in shares),
                tuple(
                    charts.percent_text(s, p, w)
                    for s, ((_, p), (_, w)) in zip(shares, pairs, strict=True)
                ),
                kind="line",
            )
        )
    for count in nm.MONTHLY_COUNTS:
        if count in nm.SUPPORT_COUNTS:
            continue  # their own chart
        columns.append((count.label, tuple(str(n) for _, n in counts[count.key])))
    return charts.Chart(
        title="No-shows and palliative-care referrals, month by month",
        description="The no-show rate of visits that started each month, and the share of "
        "each month's new referrals referred to palliative care.",
        labels=tuple(f"{m:%b %Y}" for m in months),
        series=tuple(series),
        y_label="%",
        x_label="month",
        top=100,
        columns=tuple(columns),
        ident="monthly",
    )


def support_chart(counts: dict[str, list[tuple[date, int]]]) -> charts.Chart:
    months = [m for m, _ in counts["referrals"]]
    return charts.Chart(
        title="Barriers to care and distress screening, month by month",
        description="Barriers found and resolved, distress screenings taken and those "
        "referred to psychosocial care, each month.",
        labels=tuple(f"{m:%b %Y}" for m in months),
        series=tuple(
            charts.Series(count.label, tuple(n for _, n in counts[count.key]))
            for count in nm.SUPPORT_COUNTS
        ),
        y_label="count",
        x_label="month",
        ident="support",
    )


def _figures(period: nm.Period, now) -> dict:
    """The page's figures, kept METRICS_CACHE_SECONDS per process: a year of aggregates
    a minute old reads the same, and a navigator reloading it costs nothing."""
    key = f"navigation-metrics:{period.first}:{period.last}"
    seconds = settings.METRICS_CACHE_SECONDS
    found = cache.get(key) if seconds else None
    if found is not None:
        return found
    figures = {
        "intervals": nm.clock_intervals(period=period, now=now),
        "caseloads": nm.caseloads(period=period),
        "counts": nm.monthly_counts(period=period, now=now),
        "computed_at": now,
    }
    if seconds:
        cache.set(key, figures, seconds)
    return figures


@navigator_page
def metrics(request):
    period, errors = _period(request)
    if period is None:
        return render(
            request,
            "web/navigator/metrics.html",
            {"errors": errors, "form": request.GET},
            status=400,
        )
    now = timezone.now()
    figures = _figures(period, now)
    intervals = figures["intervals"]
    clocks = [
        {
            "key": clock,
            "title": CLOCK_TITLES[clock],
            "definition": nm.DEFINITIONS[clock],
            "chart": clock_chart(clock, [i for i in intervals if i.clock == clock]),
        }
        for clock in nm.CLOCK_UNITS
    ]
    context = {
        "period": period,
        "clocks": clocks,
        "target_chart": target_chart(intervals),
        "caseload_chart": caseload_chart(figures["caseloads"]),
        "caseloads": figures["caseloads"],
        "monthly_chart": monthly_chart(figures["counts"]),
        "support_chart": support_chart(figures["counts"]),
        "definitions": nm.DEFINITIONS,
        "computed_at": figures["computed_at"],
        "kept_seconds": settings.METRICS_CACHE_SECONDS,
        "source": nm.SOURCE,
    }
    return render(request, "web/navigator/metrics.html", context)


def metrics_rows(figures: dict) -> list[list[str]]:
    """`metric, group, value, unit` rows: every figure of the page."""
    rows = []
    for i in figures["intervals"]:
        group = "all" if i.group == "all" else f"{i.group}:{i.value}"
        unit = nm.CLOCK_UNITS[i.clock]
        rows += [
            [f"{i.clock}_reached", group, str(i.count), "referrals"],
            [f"{i.clock}_median", group, _number(i.median).replace("–", ""), unit],
            [f"{i.clock}_p90", group, _number(i.p90).replace("–", ""), unit],
            [f"{i.clock}_within_target", group, str(i.hits), "referrals"],
            [f"{i.clock}_decided", group, str(i.decided), "referrals"],
        ]
    for load in figures["caseloads"]:
        rows += [
            ["caseload_patients", f"navigator:{load.navigator}", str(load.patients), "patients"],
            ["caseload_open", f"navigator:{load.navigator}", str(load.open_now), "referrals"],
        ]
    for key, months in figures["counts"].items():
        rows += [[key, f"month:{m:%Y-%m}", str(n), "count"] for m, n in months]
    return rows


@navigator_page
def metrics_csv(request):
    period, errors = _period(request)
    if period is None:
        return JsonResponse({"errors": errors}, status=400)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["metric", "group", "value", "unit"])
    writer.writerows(metrics_rows(_figures(period, timezone.now())))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="navigation-metrics-{period.first}-{period.last}.csv"'
    )
    return response
