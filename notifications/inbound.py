"""Replies and keywords texted in by patients (PRODUCT.md, workflow 6).

Opt-out words withdraw consent at once and get one confirmation; START, UNSTOP and YES
restore it; HELP and INFO answer with the center's phone; C confirms the next visit; R
asks a navigator to reschedule; CANCEL opts out, as the law requires, and also tells the
navigator the patient may want to cancel the visit. Replies go out through the outbox.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from notifications import sms_text
from notifications.models import Alert, Message
from notifications.outbox import alert_navigators, message_enqueue
from web.patient_requests import patient_request_create

OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
OPT_IN = {"START", "UNSTOP", "YES"}
HELP = {"HELP", "INFO"}
REFUSALS = re.compile(
    r"\b(stop (texting|messaging|sending)|no more (texts|messages)|do ?n[o']t (text|message)"
    r"|leave me alone|remove me|opt ?out|unsubscribe me)\b",
    re.IGNORECASE,
)


def classify(body: str) -> str:
    word = re.sub(r"[^A-Z]", "", body.strip().upper())
    if word in OPT_OUT:
        return "cancel" if word == "CANCEL" else "opt_out"
    if word in OPT_IN:
        return "opt_in"
    if word in HELP:
        return "help"
    if word in {"C", "CONFIRM"}:
        return "confirm"
    if word in {"R", "RESCHEDULE"}:
        return "reschedule"
    if REFUSALS.search(body):
        return "opt_out"
    return "unknown"


def _reply(patient, sid: str, template: str, **context) -> Message:
    text = sms_text.render(
        template, {"center": settings.CENTER_NAME, "phone": settings.CENTER_PHONE, **context}
    )
    return message_enqueue(
        channel=Message.Channel.SMS,
        to=str(patient.phone),
        patient=patient,
        template=f"reply_{template}",
        payload={"text": text},
        idempotency_key=f"reply:{sid}",
    )


@transaction.atomic
def sms_received(*, sender: str, body: str, sid: str, now: datetime) -> str:
    """Act on one inbound text; return what it was taken as. A provider retry of the same
    message (same sid) changes nothing more."""
    from navigation.models import Appointment
    from notifications.services import reminders_sync, short_when
    from patients.models import Patient

    patient = Patient.objects.select_for_update().filter(phone=sender).order_by("id").first()
    if patient is None:
        return "unknown_sender"
    if Message.objects.filter(idempotency_key=f"reply:{sid}").exists():
        return "duplicate"
    kind = classify(body)
    if kind in ("opt_out", "cancel"):
        if patient.sms_consent:
            patient.sms_consent, patient.sms_consent_at = False, now
            patient.save(update_fields=["sms_consent", "sms_consent_at", "updated_at"])
            _reply(patient, sid, "opted_out")
        reminders_sync(patient=patient, now=now)
        if kind == "cancel":
            alert_navigators(
                kind=Alert.Kind.PATIENT_REPLY,
                patient=patient,
                text=f"Patient {patient.mrn} texted CANCEL: texts stopped; they may "
                f"want to cancel their visit. Please call them.",
                dedupe_key=f"sms:{sid}",
            )
    elif kind == "opt_in":
        patient.sms_consent, patient.sms_consent_at = True, now
        patient.save(update_fields=["sms_consent", "sms_consent_at", "updated_at"])
        _reply(patient, sid, "opted_in")
        reminders_sync(patient=patient, now=now)
    elif kind == "help":
        _reply(patient, sid, "help")
    elif kind == "confirm":
        visit = (
            Appointment.objects.filter(
                patient=patient, start__gt=now, status=Appointment.Status.BOOKED
            )
            .order_by("start")
            .first()
        )
        if visit:
            Appointment.objects.filter(
                patient=patient, status=Appointment.Status.BOOKED, start__date=visit.start.date()
            ).update(patient_confirmed_at=now)
            _reply(
                patient, sid, "confirmed", when=short_when(visit.start, ZoneInfo(patient.time_zone))
            )
        else:
            _reply(patient, sid, "help")
    elif kind == "reschedule":
        alert_navigators(
            kind=Alert.Kind.PATIENT_REPLY,
            patient=patient,
            text=f"Patient {patient.mrn} asks to reschedule their next visit.",
            dedupe_key=f"sms:{sid}",
        )
        patient_request_create(patient=patient, source="sms", now=now)
        _reply(patient, sid, "reschedule_requested")
    else:
        alert_navigators(
            kind=Alert.Kind.PATIENT_REPLY,
            patient=patient,
            text=f"Patient {patient.mrn} sent a text we could not read; please call them.",
            dedupe_key=f"sms:{sid}",
        )
        _reply(patient, sid, "unknown")
    return kind


STATUS_MAP = {
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "sent": "sent",
    "queued": "queued",
    "sending": "sending",
}


def delivery_status(*, sid: str, status: str) -> bool:
    """A provider's delivery callback: record it on the outbox row; True when found."""
    return bool(
        Message.objects.filter(provider_id=sid).update(
            provider_status=STATUS_MAP.get(status, status)[:24]
        )
    )
