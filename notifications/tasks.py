"""Thin Celery tasks: take ids, call one service. Navigator alerts and reminder batches
run on their own queues so a big batch never delays an emergency."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from notifications import services
from notifications.models import Message

log = logging.getLogger(__name__)
# Emergency pages never wait behind a batch of reminders: each has a queue of its own.
QUEUE_FOR_TEMPLATE = {
    "reminder": "reminders",
    "emergency_page": "alerts",
    "oncall_page": "alerts",
}
SEND_BATCH = 50  # rows a send task takes; a due row waits for at most this many sends


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=10)
def send_messages(self, message_ids: list[int]) -> dict[int, str]:
    try:
        return services.messages_send(ids=message_ids)
    except OperationalError as exc:  # the database is away: try again shortly
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc


@shared_task(ignore_result=True)
def dispatch_due() -> int:
    """Every minute: hand due outbox rows (and rows of dead workers) to send tasks."""
    ids = services.dispatch_due()
    enqueue_send(ids)
    return len(ids)


def enqueue_send(ids: list[int], templates: dict[int, str] | None = None) -> None:
    """Hand rows to send tasks, SEND_BATCH at a time, each on its template's queue (read
    from the rows unless the caller knows them). With the broker down nothing is lost:
    the rows stay due and the dispatcher tries again."""
    if templates is None:
        templates = dict(Message.objects.filter(pk__in=ids).values_list("id", "template"))
    by_queue: dict[str, list[int]] = {}
    for message_id in ids:
        queue = QUEUE_FOR_TEMPLATE.get(templates.get(message_id), "default")
        by_queue.setdefault(queue, []).append(message_id)
    for queue, queued in by_queue.items():
        for first in range(0, len(queued), SEND_BATCH):
            try:
                send_messages.apply_async(
                    (queued[first : first + SEND_BATCH],), queue=queue, retry=False
                )
            except Exception:  # noqa: BLE001 - the broker is down: the dispatcher retries later
                log.warning("broker unavailable; %s messages wait in the outbox", len(queued))
                return


@shared_task(ignore_result=True)
def resolve_alerts() -> int:
    """Every minute: alerts whose cause went away (consult booked, case ready, scan done)
    are resolved, whichever write removed the cause."""
    from django.utils import timezone

    from notifications.alerts import alerts_sweep

    return alerts_sweep(now=timezone.now())
