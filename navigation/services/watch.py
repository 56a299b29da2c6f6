"""The 72-hour watch: the periodic job that turns what time alone changes into alerts."""

from __future__ import annotations

from datetime import datetime

from navigation.services.consults import referral_slot_check
from notifications import outbox
from notifications.models import Alert
from patients.models import Referral


def consult_slot_watch(*, now: datetime) -> int:
    """Check every open referral still without a consult for a slot before its deadline
    (`referral_slot_check`: flags and alerts those no slot can save, clears those a freed
    slot saves). Returns how many can no longer meet the deadline."""
    waiting = Referral.objects.filter(
        status=Referral.Status.OPEN, consult_at__isnull=True, consult_due_at__gt=now
    )
    return sum(not referral_slot_check(referral=referral, now=now) for referral in waiting)


def deadline_watch(*, now: datetime) -> int:
    """Alert navigators once for each open referral that became at risk or breached.
    Returns the number of alerts written."""
    written = 0
    open_referrals = (
        Referral.objects.filter(status=Referral.Status.OPEN)
        .with_sla(now)
        .filter(sla_status__in=["at_risk", "breached"])
    )
    for referral in open_referrals:
        state = referral.sla_status
        kind = Alert.Kind.AT_RISK if state == "at_risk" else Alert.Kind.BREACHED
        left = referral.consult_due_at - now
        text = (
            f"Referral {referral.pk} ({referral.urgency}) is at risk: "
            f"{max(0, int(left.total_seconds() // 3600))} h left and no consult before "
            f"its deadline."
            if state == "at_risk"
            else f"Referral {referral.pk} ({referral.urgency}) breached its consult deadline."
        )
        if outbox.alert_navigators(
            kind=kind, referral=referral, text=text, dedupe_key=f"{state}:{referral.pk}"
        ):
            written += 1
    return written
