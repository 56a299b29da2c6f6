"""Thin periodic tasks: each calls one service with the current time."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from board.models import Series
from board.services import cases, imaging, meetings


@shared_task(ignore_result=True)
def generate_meetings() -> int:
    """Keep the next eight weeks of every active series' meetings in place (idempotent)."""
    now = timezone.now()
    return sum(
        meetings.meetings_generate(series=series, now=now)
        for series in Series.objects.filter(active=True)
    )


@shared_task(ignore_result=True)
def alert_unready_cases() -> int:
    """Before each cutoff: alert navigators once per unready case and meeting."""
    return cases.unready_alerts(now=timezone.now())


@shared_task(ignore_result=True)
def run_surveillance() -> dict:
    """Book the next follow-up scans, follow the last ones, escalate what is overdue."""
    return dict(imaging.surveillance_run(now=timezone.now()))
