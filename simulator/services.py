"""Running scenarios: parse a director's options, run before and after, keep the result."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from simulator.runner import Scenario, simulate


def next_monday(now: datetime, zone) -> date:
    """The first Monday after today, clinic time: "next quarter" starts there."""
    today = now.astimezone(zone).date()
    return today + timedelta(days=7 - today.weekday())


def scenario_report(scenario: Scenario, *, progress: Callable[[], None] | None = None) -> dict:
    """The report document: the center as it is, and, when the scenario changes it, the
    same referrals (same seed) against the changed center."""
    before = simulate(scenario.baseline(), progress=progress)
    after = simulate(scenario, progress=progress) if scenario.has_what_if else None
    return {"parameters": scenario.as_dict(), "before": before, "after": after}
