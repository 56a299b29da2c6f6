import time

from celery import shared_task

from tumorboard.health import BEAT_KEY, redis_client


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Lets /healthz tell whether Celery beat is alive."""
    redis_client().set(BEAT_KEY, time.time(), ex=3600)
