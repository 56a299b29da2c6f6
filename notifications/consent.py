"""Consent to texts per phone number (PRODUCT.md, "Rules settled": messages).

A STOP from a number, or the provider's report that the number opted out (Twilio error
21610), applies to every patient (and contact) using that number: their consent goes
off and every pending text to the number is cancelled. START from the number restores
consent for all of them."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from notifications.models import Message, SmsOptOut
from notifications.outbox import insert_once


def phone_opted_out(*, phone: str) -> bool:
    """Whether `phone` (E.164) has opted out of texts."""
    return SmsOptOut.objects.filter(phone=phone).exists()


def people_on_phone(*, phone: str, lock: bool = False) -> list:
    """The patients a text from `phone` may be about: those whose own phone it is, then
    those with a contact (caregiver, proxy) whose phone it is; oldest first, each once."""
    from django.db.models import Case, IntegerField, Value, When

    from patients.models import Patient

    patients = (
        Patient.objects.filter(Q(phone=phone) | Q(contacts__phone=phone))
        .annotate(
            own=Case(
                When(phone=phone, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("own", "id")
    )
    if lock:
        patients = patients.select_for_update(of=("self",))
    return list(dict.fromkeys(patients))


def language_of_phone(*, phone: str, patients: list) -> str:
    """The preferred language of whoever uses `phone`: its patient's, else its contact's."""
    from patients.models import Contact

    for patient in patients:
        if str(patient.phone) == phone:
            return patient.preferred_language
    contact = Contact.objects.filter(phone=phone).order_by("id").first()
    return contact.preferred_language if contact else "en"


@transaction.atomic
def phone_opt_out(*, phone: str, now: datetime, source: str) -> bool:
    """Record that `phone` opted out: consent off for everyone using it, pending texts to
    it cancelled (replies to its own messages excepted). Returns True when this call made
    the change (once per opt-out, however many workers or replies report it)."""
    from patients.models import Contact, Patient

    created = insert_once(SmsOptOut(phone=phone, source=source, created_at=now), unique="phone")
    for people in (Patient.objects, Contact.objects):
        people.filter(phone=phone, sms_consent=True).update(
            sms_consent=False, sms_consent_at=now, updated_at=now
        )
    Message.objects.filter(
        channel=Message.Channel.SMS, to=phone, status=Message.Status.PENDING
    ).exclude(template__startswith="reply_").update(
        status=Message.Status.CANCELLED, last_error="the number opted out of texts"
    )
    return created


@transaction.atomic
def phone_opt_in(*, phone: str, now: datetime) -> None:
    """START from `phone`: texts to it are allowed again and everyone using it consents;
    their reminders are planned again."""
    from notifications.services import reminders_sync
    from patients.models import Contact, Patient

    SmsOptOut.objects.filter(phone=phone).delete()
    for people in (Patient.objects, Contact.objects):
        people.filter(phone=phone).update(sms_consent=True, sms_consent_at=now, updated_at=now)
    for patient in people_on_phone(phone=phone):
        reminders_sync(patient=patient, now=now)
