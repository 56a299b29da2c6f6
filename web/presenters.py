"""Rows of the referral queue, formatted once in Python: the queue must render 500 open
referrals fast, and Django's per-cell date filters and url tags are the slow part."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from web.templatetags.web_tags import STATE_ICONS, STATE_WORDS, time_left

WHEN = "%a %-d %b %H:%M"


@dataclass(frozen=True)
class QueueRow:
    url: str
    urgency: str
    urgency_label: str
    pinned: bool
    name: str
    details: str
    reason: str
    received_iso: str
    received: str
    due_iso: str
    due: str
    due_ms: int
    left: str
    state: str
    state_word: str
    state_icon: str
    late_consult: str = ""  # a consult booked after the deadline, when there is one
    referral: Any = field(default=None, repr=False, compare=False)


def queue_rows(referrals, *, now: datetime, clock: str = "") -> list[QueueRow]:
    """The rows; with `clock` (a care clock's kind, the referrals annotated by
    `care.selectors.with_clock`), due, time left and state are that clock's."""
    if clock:
        return [_clock_row(row, now) for row in queue_rows(referrals, now=now)]
    prefix = reverse("web:referral", args=[0]).removesuffix("0/")
    rows = []
    for r in referrals:
        received, due = timezone.localtime(r.received_at), timezone.localtime(r.consult_due_at)
        met = r.sla_status == "met"
        rows.append(
            QueueRow(
                url=f"{prefix}{r.pk}/",
                urgency=r.urgency,
                urgency_label=r.get_urgency_display().capitalize(),
                pinned=r.pinned == 0,
                name=f"{r.patient.first_name} {r.patient.last_name}",
                details=f"{r.patient.mrn} · {r.get_sites_display()} · "
                f"{r.get_primary_cancer_display()}",
                reason=r.urgency_reason,
                received_iso=received.isoformat(),
                received=received.strftime(WHEN),
                due_iso=due.isoformat(),
                due=due.strftime(WHEN),
                due_ms=0 if met else int(due.timestamp() * 1000),
                left=f"consult {timezone.localtime(r.consult_at).strftime(WHEN)}"
                if met
                else time_left(r.consult_due_at, now),
                state=r.sla_status,
                state_word=STATE_WORDS[r.sla_status],
                state_icon=STATE_ICONS[r.sla_status],
                late_consult=timezone.localtime(r.consult_at).strftime(WHEN)
                if r.consult_at is not None and not met
                else "",
                referral=r,
            )
        )
    return rows


def _clock_row(row: QueueRow, now: datetime) -> QueueRow:
    r = row.referral
    due = timezone.localtime(r.clock_due_at)
    stopped = r.clock_stopped_at is not None
    return replace(
        row,
        due_iso=due.isoformat(),
        due=due.strftime(WHEN),
        due_ms=0 if stopped else int(due.timestamp() * 1000),
        left=f"stopped {timezone.localtime(r.clock_stopped_at).strftime(WHEN)}"
        if stopped
        else time_left(r.clock_due_at, now),
        state=r.clock_status,
        state_word=STATE_WORDS[r.clock_status],
        state_icon=STATE_ICONS[r.clock_status],
        late_consult="",
    )
