"""The report three ways: a plain-text table, JSON, and PNG plots (matplotlib, Agg).

A report document is `{"parameters", "before", "after"}`; `after` is None when the run
changed nothing in the center, and every figure then shows one scenario.
"""

from __future__ import annotations

import io
import json
import logging

import matplotlib

matplotlib.use("Agg")  # no display: files and HTTP responses only
logging.getLogger("matplotlib").setLevel(logging.WARNING)  # font-cache chatter

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # JSONB keeps no key order
PLOTS = ("weekly", "lead_times", "utilization", "board")
SIZE, DPI = (8, 3.5), 100  # 800 x 350 pixels: the page's <img> says so
COLORS = {"before": "#8a9bb0", "after": "#1b6ca8"}


def _pct(value) -> str:
    return "–" if value is None else f"{value * 100:.1f}%".replace(".0%", "%")


def _hours(value) -> str:
    return "–" if value is None else f"{value:.1f} h"


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


def rows(report: dict, specialties: list[str]) -> list[tuple[str, str]]:
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
    neck = report["bottleneck"]
    lines.append(("Bottleneck specialty", neck["specialty"].replace("_", " ") if neck else "–"))
    return lines


def table(document: dict) -> str:
    """Before and after side by side (one column when nothing changed)."""
    specialties = booked_specialties(document)
    before = rows(document["before"], specialties)
    after = rows(document["after"], specialties) if document.get("after") else None
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


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    plt.close(figure)
    return buffer.getvalue()


def _bars(ax, labels, series: list[tuple[str, list[float]]]):
    width = 0.8 / len(series)
    for n, (name, values) in enumerate(series):
        xs = [i + (n - (len(series) - 1) / 2) * width for i in range(len(labels))]
        ax.bar(xs, values, width, label=name, color=COLORS[name])
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    if len(series) > 1:
        ax.legend()


def plot_weekly(document: dict) -> bytes:
    figure, ax = plt.subplots(figsize=SIZE, layout="constrained")
    labels = [w["week"][5:] for w in document["before"]["weekly"]]
    for name, report in _scenarios(document):
        weeks = report["weekly"]
        ax.plot(
            range(len(weeks)),
            [None if w["share"] is None else w["share"] * 100 for w in weeks],
            marker="o",
            label=name,
            color=COLORS[name],
        )
    ax.axhline(90, color="#b33", linestyle="--", linewidth=1, label="90% goal")
    ax.set_ylim(0, 105)
    ax.set_ylabel("% seen within 72 h")
    ax.set_title("New consults within 72 hours, by week of referral")
    ax.legend()
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_xlabel("week of")
    return _png(figure)


def plot_lead_times(document: dict) -> bytes:
    figure, ax = plt.subplots(figsize=SIZE, layout="constrained")
    scenarios = _scenarios(document)
    bins = scenarios[0][1]["lead_time_histogram"]
    _bars(
        ax,
        [b["label"] for b in bins],
        [(name, [b["count"] for b in r["lead_time_histogram"]]) for name, r in scenarios],
    )
    promise = next(i for i, b in enumerate(bins) if b["low"] == 72)
    ax.axvline(promise - 0.5, color="#b33", linestyle="--", linewidth=1)
    ax.set_ylabel("referrals")
    ax.set_title("Time from referral to consult (right of the line: promise broken)")
    return _png(figure)


def plot_utilization(document: dict) -> bytes:
    specs = booked_specialties(document)
    figure, ax = plt.subplots(figsize=SIZE, layout="constrained")
    series = [
        (
            name,
            [(report["utilization"]["by_specialty"].get(s) or 0) * 100 for s in specs],
        )
        for name, report in _scenarios(document)
    ]
    _bars(ax, [s.replace("_", " ") for s in specs], series)
    ax.set_ylim(0, 105)
    ax.set_ylabel("% of clinic time booked")
    ax.set_title("Clinician utilization by specialty")
    return _png(figure)


def plot_board(document: dict) -> bytes:
    figure, ax = plt.subplots(figsize=SIZE, layout="constrained")
    scenarios = _scenarios(document)
    meetings = scenarios[0][1]["board"]["meetings"]
    labels = [m["date"][5:] for m in meetings]
    _bars(
        ax,
        labels,
        [(name, [m["cases"] for m in r["board"]["meetings"]]) for name, r in scenarios],
    )
    for name, report in scenarios:
        ax.scatter(
            range(len(labels)),
            [m["capacity"] for m in report["board"]["meetings"]],
            marker="_",
            s=900,
            color=COLORS[name],
            label=f"capacity ({name})",
        )
    ax.set_ylabel("cases")
    ax.set_title("Board cases per meeting (dashes: capacity)")
    ax.legend(loc="lower right")
    return _png(figure)


def plots(document: dict) -> dict[str, bytes]:
    """Every plot as PNG bytes, by name."""
    return {
        "weekly": plot_weekly(document),
        "lead_times": plot_lead_times(document),
        "utilization": plot_utilization(document),
        "board": plot_board(document),
    }
