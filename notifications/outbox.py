"""The hook point every app writes messages through. Call it inside the transaction of
the change that causes the message: the row commits with the change or not at all."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Alert, Message

log = logging.getLogger(__name__)


def alert_navigators(
    *, kind: str, text: str, dedupe_key: str, referral=None, patient=None
) -> Alert | None:
    """An in-app alert, written once per `dedupe_key` (None when it already exists)."""
    try:
        with transaction.atomic():
            return Alert.objects.create(
                kind=kind,
                text=text,
                dedupe_key=dedupe_key,
                referral=referral,
                patient=patient or getattr(referral, "patient", None),
            )
    except IntegrityError:
        return None


def message_enqueue(
    *,
    channel: str,
    to: str,
    template: str,
    payload: dict,
    idempotency_key: str,
    patient=None,
    user=None,
    send_after: datetime | None = None,
) -> Message:
    """Write one outbox row; the same idempotency key never makes a second one. A row due
    now is handed to a worker as soon as the transaction commits; if that fails (the broker
    is down), the dispatcher's next round sends it."""
    message, created = Message.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "channel": channel,
            "to": to,
            "template": template,
            "payload": payload,
            "patient": patient,
            "user": user,
            "send_after": send_after or timezone.now(),
        },
    )
    if created and message.send_after <= timezone.now():
        transaction.on_commit(lambda: _send_now(message.pk, message.template))
    return message


def _send_now(message_id: int, template: str) -> None:
    from notifications.tasks import enqueue_send

    try:
        enqueue_send([message_id], {message_id: template})
    except Exception:  # the change is committed; the dispatcher will send the row
        log.warning("message %s left to the dispatcher", message_id, exc_info=True)


def appointment_changed(*, appointment, change: str, reminders: bool = True) -> list[Message]:
    """The messages a booking, reschedule or cancel sends the patient: a calendar invite
    by email (REQUEST or CANCEL) carrying the appointment's current SEQUENCE, and the
    reminder texts re-planned for all their visits (`reminders=False` leaves that to a
    later call in the same transaction, as for all but the last visit of an itinerary)."""
    from notifications.services import reminders_sync

    patient = appointment.patient
    if reminders:
        reminders_sync(patient=patient, now=timezone.now())
    messages = []
    if patient.email:
        messages.append(
            message_enqueue(
                channel=Message.Channel.EMAIL,
                to=patient.email,
                patient=patient,
                template=f"invite_{'cancel' if change == 'cancelled' else 'request'}",
                payload={
                    "appointment": appointment.pk,
                    "sequence": appointment.sequence,
                    "change": change,
                },
                idempotency_key=f"invite:{appointment.uid}:{appointment.sequence}",
            )
        )
    siu = siu_enqueue(appointment=appointment, change=change)
    if siu is not None:
        messages.append(siu)
    return messages


def siu_enqueue(*, appointment, change: str) -> Message | None:
    """The HL7 v2 SIU message (S12 booked, S13 rescheduled, S14 arrived or completed, S15
    cancelled, S26 no-show) for this change, when `HL7_MLLP_ENDPOINT` is set; None for a
    change that sends none. Built now, from the visit as the change left it, so each event
    says what happened then; its MSH-10 stays the same through every retry. One row per
    visit, change and moment (`updated_at`): the same change written twice is one row."""
    from django.conf import settings

    from interop import hl7v2

    if not settings.HL7_MLLP_ENDPOINT or hl7v2.event_for(change) is None:
        return None
    change = hl7v2.CHANGE_ALIASES.get(change, change)
    event = hl7v2.event_for(change)
    stamp = f"{appointment.updated_at:%Y%m%d%H%M%S%f}" if appointment.updated_at else "new"
    key = f"siu:{appointment.uid}:{appointment.sequence}:{change}:{stamp}"
    control_id = hashlib.sha256(key.encode()).hexdigest()[:20]  # MSH-10: ST, 20 at most
    text = hl7v2.siu_message(
        appointment=appointment,
        change=change,
        control_id=control_id,
        sending_facility=settings.HL7_SENDING_FACILITY,
        receiving_application=settings.HL7_RECEIVING_APPLICATION,
        receiving_facility=settings.HL7_RECEIVING_FACILITY,
        now=timezone.now(),
    )
    return message_enqueue(
        channel=Message.Channel.HL7,
        to=settings.HL7_MLLP_ENDPOINT[:254],
        patient=appointment.patient,
        template=f"siu_{event.lower()}",
        payload={"text": text, "appointment": appointment.pk, "event": event},
        idempotency_key=key,
    )


def page_emergency(*, referral) -> list[Message]:
    """An emergency bypasses ordinary booking: every navigator and the on-call clinicians
    get an email at once (on the alerts queue), besides the in-app alert. It names no
    patient and no diagnosis, only the deadline and a link to the referral."""
    from django.contrib.auth import get_user_model

    from navigation.models import Clinician
    from tumorboard.roles import NAVIGATOR

    navigators = (
        get_user_model().objects.filter(groups__name=NAVIGATOR, is_active=True).exclude(email="")
    )
    on_call = Clinician.objects.filter(on_call=True, active=True).select_related("user")
    recipients = {user.email.lower(): user for user in navigators}
    for clinician in on_call:
        email = clinician.email or (clinician.user.email if clinician.user else "")
        if email:
            recipients.setdefault(email.lower(), clinician.user)
    return [
        message_enqueue(
            channel=Message.Channel.EMAIL,
            to=email,
            user=user,
            template="emergency_page",
            payload={"referral": referral.pk},
            idempotency_key=f"page:{referral.pk}:{email}",
        )
        for email, user in sorted(recipients.items())
    ]
