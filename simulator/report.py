"""The report three ways: a plain-text table, JSON, and PNG plots (web/charts.py, the
one way the product draws charts).

A report document is `{"parameters", "before", "after"}`; `after` is None when the run
changed nothing in the center, and every figure then shows one scenario.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from web import charts

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # JSONB keeps no key order
PLOTS = ("weekly", "lead_times", "utilization", "board", "mri_load")


def _pct(value) -> str:
    return "–" if value is None else f"{value * 100:.1f}%".replace(".0%", "%")


def _hours(value) -> str:
    return "–" if value is None else f"{value:.1f} h"


def _days(value) -> str:
    return "–" if value is None else f"{value:.1f} d"


def _count(figure: dict) -> str:
    text = _pct(figure["share"])
    if text == "100%" and figure["hits"] < figure["total"]:
        text = ">99.9%"  # never round a broken promise up to a kept one
    return f"{text} ({figure['hits']}/{figure['total']})"


def booked_specialties(document: dict) -> list[str]:
    """Specialties the simulation booked in either scenario (the rest stay at 0%)."""
    return sorted(
        {
            spec
            for _, report in _scenarios(document)
            for spec, value in report["utilization"]["by_specialty"].items()
            if value
        }
    )


def used_resources(document: dict) -> list[str]:
    """Kinds of room, machine or interpreter with sessions in either scenario."""
    return sorted(
        {
            kind
            for _, report in _scenarios(document)
            for kind in report.get("resource_utilization", {})
        }
    )


def rows(
    report: dict, specialties: list[str], resources: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """The director's lines for one scenario: label, value."""
    lines = [
        ("Referrals", str(report["referrals"])),
        ("New consults within 72 h", _count(report["within_72h"])),
        ("Emergencies within 24 h", _count(report["emergencies_within_24h"])),
        ("Deadline met (24 h / 72 h)", _count(report["deadline_met"])),
        ("Not booked within 3 weeks", str(report["not_booked"])),
        ("Referral to consult, median", _hours(report["lead_time_hours"]["median"])),
        ("Referral to consult, 90th pct", _hours(report["lead_time_hours"]["p90"])),
        ("Same-day itineraries booked", _count(report["itineraries"])),
    ]
    missed = report["missed_by_weekday"]
    lines.append(
        (
            "Missed deadlines by arrival day",
            ", ".join(f"{day} {missed[day]}" for day in WEEKDAYS if missed.get(day)) or "none",
        )
    )
    for site in ("brain", "spine", "both"):  # JSONB keeps no key order
        lines.append((f"  within 72 h, {site}", _count(report["within_72h_by_site"][site])))
    for spec in specialties:
        value = report["utilization"]["by_specialty"].get(spec)
        lines.append((f"Utilization, {spec.replace('_', ' ')}", _pct(value)))
    for kind in resources:  # a what-if's added scanner hours show here
        used = report.get("resource_utilization", {}).get(kind)
        value = f"{_pct(used['share'])} of {used['open_hours']:g} h" if used else "–"
        lines.append((f"Utilization, {kind}", value))
    board = report["board"]
    per = board["cases_per_meeting"]
    lines += [
        (
            "Board cases per meeting",
            "–" if per is None else f"{per:.1f} (max {board['max_cases']})",
        ),
        ("Board meetings full", str(board["full_meetings"])),
        ("Board rollovers", str(board["rollovers"])),
    ]
    post_op = report.get("post_op_srs")  # reports kept from before the later clocks lack it
    if post_op:
        lines += [
            (f"Post-op radiosurgery within {post_op['target_days']} d", _count(post_op)),
            ("  resection to radiosurgery, median", _days(post_op["days"]["median"])),
            ("  not booked", str(post_op["not_booked"])),
        ]
    mri = report.get("mri_weekly")
    if mri:
        peak = max(mri, key=lambda w: w["scans"])
        lines.append(
            (
                "MRI scans a week from surveillance, peak",
                f"{peak['scans']} (week of {peak['week']})",
            )
        )
    neck = report["bottleneck"]
    lines.append(("Bottleneck specialty", neck["specialty"].replace("_", " ") if neck else "–"))
    return lines


def table(document: dict) -> str:
    """Before and after side by side (one column when nothing changed)."""
    specialties, resources = booked_specialties(document), used_resources(document)
    before = rows(document["before"], specialties, resources)
    after = rows(document["after"], specialties, resources) if document.get("after") else None
    head = ["", "before", "after"] if after else ["", "result"]
    body = [
        [label, value, after[i][1]] if after else [label, value]
        for i, (label, value) in enumerate(before)
    ]
    widths = [max(len(str(r[c])) for r in [head, *body]) for c in range(len(head))]

    def line(cells):
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    params = document["parameters"]
    title = (
        f"{params['weeks']} weeks from {params['first_day']} at {params['rate']:g} referrals a "
        f"week (seed {params['seed']})"
    )
    rate = params["after_rate"]
    changes = [
        *(f"+ session {s}" for s in params["add_sessions"]),
        *(f"- session {s}" for s in params["remove_sessions"]),
        *(f"+ resource {s}" for s in params.get("add_resources", [])),
        *([f"board capacity {params['board_capacity']}"] if params["board_capacity"] else []),
        *([f"{rate:g} referrals a week"] if rate is not None else []),
    ]
    out = [title]
    if changes:
        out.append("after: " + "; ".join(changes))
    out += ["", line(head), line(["-" * w for w in widths]), *map(line, body)]
    neck = document["before"]["bottleneck"]
    if neck:
        out += ["", neck["why"]]
    return "\n".join(out) + "\n"


def to_json(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


# --- plots -----------------------------------------------------------------------------


def _scenarios(document: dict) -> list[tuple[str, dict]]:
    pairs = [("before", document["before"])]
    if document.get("after"):
        pairs.append(("after", document["after"]))
    return pairs


def _named(name: str, document: dict) -> str:
    """A scenario's series name: none when the run has one scenario."""
    return name if document.get("after") else ""


def chart_weekly(document: dict) -> charts.Chart:
    weeks = document["before"]["weekly"]
    return charts.Chart(
        title="New consults within 72 hours, by week of referral",
        description="Share of the simulated referrals of each week whose first consult "
        "started within 72 hours; the dashed line is the 90% goal.",
        labels=tuple(w["week"][5:] for w in weeks),
        series=tuple(
            charts.Series(
                _named(name, document),
                tuple(charts.percent(w["share"]) for w in report["weekly"]),
                tuple(
                    charts.percent_text(w["share"], w["hits"], w["total"]) for w in report["weekly"]
                ),
                kind="line",
            )
            for name, report in _scenarios(document)
        ),
        y_label="% seen within 72 h",
        x_label="week of",
        top=100,
        goal=90,
        goal_label="90% goal",
    )


def chart_lead_times(document: dict) -> charts.Chart:
    bins = document["before"]["lead_time_histogram"]
    return charts.Chart(
        title="Time from referral to consult (right of the line: promise broken)",
        description="Simulated referrals by hours from referral to consult.",
        labels=tuple(b["label"] for b in bins),
        series=tuple(
            charts.Series(
                _named(name, document), tuple(b["count"] for b in report["lead_time_histogram"])
            )
            for name, report in _scenarios(document)
        ),
        y_label="referrals",
        divider=next(i for i, b in enumerate(bins) if b["low"] == 72),
    )


def chart_utilization(document: dict) -> charts.Chart:
    specs = booked_specialties(document)
    return charts.Chart(
        title="Clinician utilization by specialty",
        description="Booked minutes out of open clinic minutes in the horizon, by specialty.",
        labels=tuple(s.replace("_", " ") for s in specs),
        series=tuple(
            charts.Series(
                _named(name, document),
                tuple(
                    charts.percent(report["utilization"]["by_specialty"].get(s) or 0) for s in specs
                ),
            )
            for name, report in _scenarios(document)
        ),
        y_label="% of clinic time booked",
        top=100,
    )


def chart_board(document: dict) -> charts.Chart:
    meetings = document["before"]["board"]["meetings"]
    series: list[charts.Series] = []
    for name, report in _scenarios(document):
        rows = report["board"]["meetings"]
        series.append(charts.Series(_named(name, document), tuple(m["cases"] for m in rows)))
    for name, report in _scenarios(document):
        series.append(
            charts.Series(
                f"capacity ({name})" if document.get("after") else "capacity",
                tuple(m["capacity"] for m in report["board"]["meetings"]),
                kind="marker",
            )
        )
    return charts.Chart(
        title="Board cases per meeting (dashes: capacity)",
        description="Cases listed at each simulated board meeting, and its capacity.",
        labels=tuple(m["date"][5:] for m in meetings),
        series=tuple(series),
        y_label="cases",
    )


def chart_mri_load(document: dict) -> charts.Chart:
    weeks = document["before"].get("mri_weekly") or []
    return charts.Chart(
        title="MRI scans the surveillance plans call for, week by week",
        description="Follow-up MRI scans due each week from the surveillance plans of the "
        "simulated patients and the center's active plans, through 16 weeks past the horizon.",
        labels=tuple(w["week"][5:] for w in weeks),
        series=tuple(
            charts.Series(
                _named(name, document), tuple(w["scans"] for w in report.get("mri_weekly") or [])
            )
            for name, report in _scenarios(document)
        ),
        y_label="MRI scans",
        x_label="week of",
    )


CHARTS = {
    "weekly": chart_weekly,
    "lead_times": chart_lead_times,
    "utilization": chart_utilization,
    "board": chart_board,
    "mri_load": chart_mri_load,
}


def plots(document: dict) -> dict[str, bytes]:
    """Every plot as PNG bytes, by name."""
    return {name: charts.png(make(document)) for name, make in CHARTS.items()}
