"""Thin Celery tasks: take ids, call one service. Navigator alerts and reminder batches
run on their own queues so a big batch never delays an emergency."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from notifications import services
from notifications.models import Message

log = logging.getLogger(__name__)
QUEUE_FOR_TEMPLATE = {"reminder": "reminders"}


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=10)
def send_message(self, message_id: int) -> str:
    try:
        return services.message_send(message_id=message_id)
    except OperationalError as exc:  # the database is away: try again shortly
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc


@shared_task(ignore_result=True)
def dispatch_due() -> int:
    """Every minute: hand due outbox rows (and rows of dead workers) to send tasks."""
    ids = services.dispatch_due()
    enqueue_send(ids)
    return len(ids)


def enqueue_send(ids: list[int]) -> None:
    templates = dict(Message.objects.filter(pk__in=ids).values_list("id", "template"))
    for message_id in ids:
        queue = QUEUE_FOR_TEMPLATE.get(templates.get(message_id), "default")
        try:
            send_message.apply_async((message_id,), queue=queue, retry=False)
        except Exception:  # noqa: BLE001 - the broker is down: the dispatcher retries later
            log.warning("broker unavailable; message %s waits in the outbox", message_id)
            return
