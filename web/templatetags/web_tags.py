"""Small display helpers: state words, time left, specialty names, the staff menu."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.conf import settings
from django.urls import reverse

from board.models import Modality
from navigation.models import Specialty
from patients import clinical
from tumorboard.roles import STAFF_ROLES, has_role
from web import charts
from web.access import NAVIGATOR_ROLES, SPECIALIST_ROLES

register = template.Library()

STATE_WORDS = {
    clinical.ON_TRACK: "On track",
    clinical.AT_RISK: "At risk",
    clinical.BREACHED: "Breached",
    clinical.MET: "Met",
    "pending": "Not started",  # a care clock whose start is booked but ahead
}
STATE_ICONS = {
    clinical.ON_TRACK: "●",
    clinical.AT_RISK: "▲",
    clinical.BREACHED: "✕",
    clinical.MET: "✓",
    "pending": "○",
}


@register.simple_tag
def center_name() -> str:
    return settings.CENTER_NAME


@register.filter
def state_word(state: str) -> str:
    return STATE_WORDS.get(state, state)


@register.filter
def state_icon(state: str) -> str:
    return STATE_ICONS.get(state, "")


@register.filter
def specialty_label(value: str) -> str:
    try:
        return str(Specialty(value).label).lower()
    except ValueError:
        return value.replace("_", " ")


@register.filter
def modality_labels(values: list[str]) -> str:
    return "; ".join(str(Modality(v).label) if v in Modality.values else v for v in values)


@register.filter
def taken_resources(appointment) -> str:
    """The rooms, machines and interpreter a visit takes, by name in booking order
    ("MRI 3T-1, Lucía Ortega"); "" when none. Reads `resource_bookings` (prefetch it)."""
    rows = sorted(appointment.resource_bookings.all(), key=lambda row: row.pk)
    return ", ".join(str(row.resource) for row in rows)


@register.filter
def interpreter_need(patient) -> str:
    """ "Needs a Spanish interpreter" for a patient whose `interpreter_language` is "es"
    (the language's English name from CLDR); "" when none is needed."""
    from navigation.services.resources import language_name

    tag = patient.interpreter_language
    if not tag:
        return ""
    name = language_name(tag).removesuffix(f" ({tag})")
    article = "an" if name[:1].upper() in "AEIOU" else "a"
    return f"Needs {article} {name} interpreter"


@register.filter
def span(delta: timedelta) -> str:
    """A duration the way a navigator says it: 2 d 5 h, 23 h 12 min, 42 min."""
    minutes = int(abs(delta.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days >= 2:
        return f"{days} d {hours} h"
    hours += days * 24
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


@register.filter
def time_left(due: datetime, now: datetime) -> str:
    left = due - now
    return f"{span(left)} left" if left >= timedelta(0) else f"overdue by {span(left)}"


def _seconds_left(until: datetime, now: datetime) -> int:
    return max(0, int((until - now).total_seconds()))


@register.filter
def clock_left(until: datetime, now: datetime) -> str:
    """A hold's time left as minutes:seconds ("9:05 left"), as static/js/site.js ticks it."""
    minutes, seconds = divmod(_seconds_left(until, now), 60)
    return f"{minutes}:{seconds:02d} left" if minutes or seconds else "expired"


@register.filter
def clock_left_words(until: datetime, now: datetime) -> str:
    """`clock_left` for a screen reader: "9 minutes 5 seconds left"."""
    minutes, seconds = divmod(_seconds_left(until, now), 60)
    if not (minutes or seconds):
        return "expired"
    return f"{minutes} minute{'s' * (minutes != 1)} {seconds} second{'s' * (seconds != 1)} left"


@register.simple_tag
def hold_minutes() -> int:
    return settings.HOLD_MINUTES


@register.filter
def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# Pages that sit under a menu entry.
SECTIONS = {
    "web:agenda": "web:meetings",
    "web:case": "web:meetings",
    "web:referral": "web:queue",
    "web:patient_new": "web:patients",
    "web:referral_new": "web:patients",
    "web:appointment": "web:day",
    "web:simulator:run": "web:simulator:simulator",
}


@register.simple_tag(takes_context=True)
def staff_menu(context) -> list[tuple[str, str, bool]]:
    """(url, label, current) for the pages this person's role opens."""
    request = context["request"]
    items = []
    current = getattr(request.resolver_match, "view_name", "")
    current = SECTIONS.get(current, current)
    if has_role(request.user, *NAVIGATOR_ROLES):
        items += [
            ("web:queue", "Referral queue"),
            ("web:patients", "Patients"),
            ("web:day", "Day view"),
            ("web:alerts", "Alerts"),
            ("web:dashboard", "Dashboard"),
            ("web:simulator:simulator", "Capacity"),
        ]
    if has_role(request.user, *SPECIALIST_ROLES):
        items += [("web:my_week", "My week"), ("web:my_calendar", "Calendar feed")]
    if has_role(request.user, *STAFF_ROLES):
        items.append(("web:meetings", "Tumor board"))
    return [(reverse(name), label, current == name) for name, label in items]


@register.simple_tag
def form_token():
    """A hidden one-time token: the form it sits in is handled once (web.once)."""
    from django.utils.html import format_html

    from web.once import FIELD, new_token

    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())


@register.inclusion_tag("web/_chart.html")
def chart(value: charts.Chart, open_table: bool = False) -> dict:
    """A chart as inline SVG and its numbers as a table beside it (web/charts.py)."""
    return {
        "chart": value,
        "svg": None if value.empty else charts.svg(value),
        "headers": value.headers(),
        "rows": value.rows(),
        "open_table": open_table,
    }
