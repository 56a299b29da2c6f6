"""Status moves (arrived, completed, no-show) as SIU messages: navigation records each in
an AppointmentChange row, in the transaction of the move; the SIU row joins it there.
A later direct call of `outbox.appointment_changed` for the same move makes no second
row (same idempotency key)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from navigation.models import AppointmentChange


@receiver(post_save, sender=AppointmentChange, dispatch_uid="interop-siu-status")
def status_siu(sender, instance: AppointmentChange, created: bool, **kwargs) -> None:
    if created and instance.kind.startswith("status:"):
        from notifications.outbox import siu_enqueue

        siu_enqueue(appointment=instance.appointment, change=instance.kind)
