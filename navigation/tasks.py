from celery import shared_task
from django.utils import timezone

from navigation import services


@shared_task(ignore_result=True)
def watch_deadlines() -> int:
    """The 72-hour watch: alert navigators once per referral that turns at risk or breached."""
    return services.deadline_watch(now=timezone.now())


@shared_task(ignore_result=True)
def watch_consult_slots() -> int:
    """Referrals no consult slot can save are flagged at risk and alerted (reads never do)."""
    return services.consult_slot_watch(now=timezone.now())


@shared_task(ignore_result=True)
def expire_holds() -> int:
    """Holds past their time free their visits for everyone else."""
    return services.holds_expire(now=timezone.now())
