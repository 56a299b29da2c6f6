from celery import shared_task
from django.utils import timezone

from care import services


@shared_task(ignore_result=True)
def watch_clocks() -> int:
    """Alert navigators once per care clock that turns at risk or is breached."""
    return services.clocks_watch(now=timezone.now())
