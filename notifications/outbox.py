"""The hook point every app writes messages through. Call it inside the transaction of
the change that causes the message: the row commits with the change or not at all."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from django.db import connection, models, transaction
from django.utils import timezone

from notifications.models import Alert, Message

log = logging.getLogger(__name__)


def insert_once(instance: models.Model, *, unique: str) -> bool:
    """INSERT the unsaved `instance` unless a row with the same `unique` field exists
    (PostgreSQL's INSERT ... ON CONFLICT DO NOTHING): True, with `instance.pk` set, when
    this call wrote it. Every other database error is raised, not swallowed."""
    meta = instance._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key or f.get_default()]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) "
            f"ON CONFLICT ({connection.ops.quote_name(meta.get_field(unique).column)}) "
            f"DO NOTHING RETURNING {connection.ops.quote_name(meta.pk.column)}",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    return True


def alert_navigators(
    *, kind: str, text: str, dedupe_key: str, referral=None, patient=None
) -> Alert | None:
    """An in-app alert, written once per `dedupe_key` (None when it already exists)."""
    alert = Alert(
        kind=kind,
        text=text,
        dedupe_key=dedupe_key,
        referral=referral,
        patient=patient or getattr(referral, "patient", None),
    )
    return alert if insert_once(alert, unique="dedupe_key") else None


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
    content: dict | None = None,
) -> Message:
    """Write one outbox row; the same idempotency key never makes a second one. A row due
    now is handed to a worker as soon as the transaction commits; if that fails (the broker
    is down), the dispatcher's next round sends it.

    `content` is a message another app has written itself and hands over as plain values
    (`subject`, `body`, optional `attachments` of `name`, `text`, `mimetype`): it is sent
    as written, so notifications never needs to know that app (the board's letter)."""
    if content is not None:
        payload = {**payload, "content": content}
    message = Message(
        idempotency_key=idempotency_key,
        channel=channel,
        to=to,
        template=template,
        payload=payload,
        patient=patient,
        user=user,
        send_after=send_after or timezone.now(),
    )
    # One round trip when the key is new (most calls); the row already there otherwise.
    created = insert_once(message, unique="idempotency_key")
    if not created:
        message = Message.objects.get(idempotency_key=idempotency_key)
    if created and message.send_after <= timezone.now():
        transaction.on_commit(lambda: _send_now(message.pk, message.template))
    return message


def messages_enqueue(messages: list[Message]) -> list[Message]:
    """`message_enqueue` of several unsaved rows in one INSERT ... ON CONFLICT DO NOTHING:
    each idempotency key still makes one row at most (a key already there, or given twice,
    gives that one row); the new rows due now go to the workers in one hand-over after
    the commit. Returns the saved rows, one for each given, in the order given."""
    first: dict[str, Message] = {}
    for message in messages:
        first.setdefault(message.idempotency_key, message)
    if not first:
        return []
    meta = Message._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    values = [
        f.get_db_prep_save(f.pre_save(message, True), connection)
        for message in first.values()
        for f in fields
    ]
    key = connection.ops.quote_name(meta.get_field("idempotency_key").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "
            f"VALUES {', '.join([row] * len(first))} ON CONFLICT ({key}) DO NOTHING "
            f"RETURNING {connection.ops.quote_name(meta.pk.column)}, {key}",
            values,
        )
        written = {k: pk for pk, k in cursor.fetchall()}
    missing = [k for k in first if k not in written]
    if missing:
        first |= {m.idempotency_key: m for m in Message.objects.filter(idempotency_key__in=missing)}
    due = {}
    now = timezone.now()
    for k, pk in written.items():
        message = first[k]
        message.pk, message._state.adding = pk, False
        if message.send_after <= now:
            due[pk] = message.template
    if due:
        transaction.on_commit(lambda: _send_all_now(list(due), due))
    return [first[message.idempotency_key] for message in messages]


def message_cancel(*, idempotency_keys: list[str], reason: str) -> int:
    """Cancel the rows with these keys that are still waiting to be sent (the app that
    wrote them no longer wants them: a letter replaced by a newer version, a withdrawn
    case). Returns how many were cancelled; sent rows are history and stay as they are."""
    return Message.objects.filter(
        idempotency_key__in=idempotency_keys, status=Message.Status.PENDING
    ).update(status=Message.Status.CANCELLED, last_error=reason[:300])


def _send_now(message_id: int, template: str) -> None:
    from notifications.tasks import enqueue_send

    try:
        enqueue_send([message_id], {message_id: template})
    except Exception:  # the change is committed; the dispatcher will send the row
        log.warning("message %s left to the dispatcher", message_id, exc_info=True)


def _send_all_now(ids: list[int], templates: dict[int, str]) -> None:
    from notifications.tasks import enqueue_send

    try:
        enqueue_send(ids, templates)
    except Exception:  # the change is committed; the dispatcher will send the rows
        log.warning("messages %s left to the dispatcher", ids, exc_info=True)


def messaged_contacts(patient) -> list:
    """The patient's contacts who get their texts or their invites (`Contact`s, by id)."""
    return list(patient.contacts.filter(models.Q(gets_texts=True) | models.Q(gets_invites=True)))


def appointment_changed(
    *, appointment, change: str, reminders: bool = True, contacts: list | None = None
) -> list[Message]:
    """The messages a booking, reschedule or cancel sends the patient (and each contact
    the patient chose for invites): a calendar invite by email (REQUEST or CANCEL)
    carrying the appointment's current SEQUENCE, and the
    reminder texts re-planned for all their visits (`reminders=False` leaves that to a
    later call in the same transaction, as for all but the last visit of an itinerary).
    `contacts`: `messaged_contacts` of the patient, when the caller has read them."""
    return appointments_changed(
        appointments=[appointment], change=change, reminders=reminders, contacts=contacts
    )


def appointments_changed(
    *, appointments: list, change: str, reminders: bool = True, contacts: list | None = None
) -> list[Message]:
    """`appointment_changed` of one patient's visits changed together (a plan booked): the
    reminders re-planned once, every invite written in one INSERT, each visit's SIU."""
    from notifications.services import reminders_sync

    if not appointments:
        return []
    patient = appointments[0].patient
    if contacts is None:
        contacts = messaged_contacts(patient)
    if reminders:
        reminders_sync(patient=patient, now=timezone.now(), contacts=contacts)
    recipients = [(patient.email, None)] + [
        (contact.email, contact) for contact in contacts if contact.gets_invites
    ]
    invites = []
    for appointment in appointments:
        for email, contact in recipients:
            if not email:
                continue
            payload = {"appointment": appointment.pk, "sequence": appointment.sequence}
            payload |= {"change": change} | ({"contact": contact.pk} if contact else {})
            invites.append(
                Message(
                    channel=Message.Channel.EMAIL,
                    to=email,
                    patient=patient,
                    template=f"invite_{'cancel' if change == 'cancelled' else 'request'}",
                    payload=payload,
                    idempotency_key=f"invite:{appointment.uid}:{appointment.sequence}"
                    + (f":c{contact.pk}" if contact else ""),
                    send_after=timezone.now(),
                )
            )
    messages = messages_enqueue(invites)
    for appointment in appointments:
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
    (of the consult specialties' rotas now, and any flagged `on_call`) get an email at
    once (on the alerts queue), besides the in-app alert. It names no patient and no
    diagnosis, only the deadline and a link to the referral."""
    from django.contrib.auth import get_user_model

    from navigation.models import Clinician
    from tumorboard.roles import NAVIGATOR

    navigators = (
        get_user_model().objects.filter(groups__name=NAVIGATOR, is_active=True).exclude(email="")
    )
    from navigation import rules
    from navigation.services.oncall import on_call_now

    specialties = rules.consult_specialties(urgency=referral.urgency, sites=referral.sites)
    on_call = list(Clinician.objects.filter(on_call=True, active=True).select_related("user"))
    on_call += on_call_now(specialties=specialties, at=timezone.now())  # the rota's
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
