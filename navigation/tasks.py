from celery import shared_task
from django.utils import timezone

from navigation import services


@shared_task(ignore_result=True)
def watch_deadlines() -> int:
    """The 72-hour watch: alert navigators once per referral that turns at risk or breached."""
    return services.deadline_watch(now=timezone.now())
