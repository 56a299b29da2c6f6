"""Writes for patients and referrals. Triage is computed here, never typed."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from patients import clinical
from patients.models import Contact, Patient, Referral
from tumorboard.errors import Conflict, DomainError

# What changes the reminder texts a patient should get.
REMINDER_FIELDS = {"sms_consent", "sms_express_consent", "phone", "time_zone"}


@transaction.atomic
def patient_create(**fields) -> Patient:
    if Patient.objects.filter(mrn=fields.get("mrn")).exists():
        raise Conflict(
            f"A patient with MRN {fields['mrn']} already exists.", field="mrn", code="duplicate_mrn"
        )
    if fields.get("sms_consent") and not fields.get("sms_consent_at"):
        fields["sms_consent_at"] = timezone.now()
    try:
        with transaction.atomic():
            return Patient.objects.create(**fields)
    except IntegrityError:
        # Lost a race with another request creating the same MRN.
        raise Conflict(
            f"A patient with MRN {fields['mrn']} already exists.", field="mrn", code="duplicate_mrn"
        ) from None


@transaction.atomic
def patient_update(*, patient: Patient, **fields) -> Patient:
    if "mrn" in fields and fields["mrn"] != patient.mrn:
        if Patient.objects.filter(mrn=fields["mrn"]).exclude(pk=patient.pk).exists():
            raise Conflict(
                f"A patient with MRN {fields['mrn']} already exists.",
                field="mrn",
                code="duplicate_mrn",
            )
    if "sms_consent" in fields and fields["sms_consent"] != patient.sms_consent:
        fields.setdefault("sms_consent_at", timezone.now())
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.save()
    if REMINDER_FIELDS & fields.keys():
        from notifications.services import reminders_sync

        reminders_sync(patient=patient, now=timezone.now())
    return patient


def _apply_triage(referral: Referral) -> None:
    score = referral.sins()
    referral.sins_score = score.value if score else None
    result = clinical.triage(referral.clinical_picture(), received_at=referral.received_at)
    referral.urgency = result.urgency
    referral.urgency_reason = result.reason
    referral.consult_due_at = result.consult_due_at


def _check_received_at(received_at: datetime, now: datetime) -> None:
    if received_at > now:
        raise DomainError(
            "The referral cannot be received in the future.",
            field="received_at",
            code="received_in_future",
        )
    if received_at < now - timedelta(days=365):
        raise DomainError(
            "The referral is dated more than a year ago; please check the date.",
            field="received_at",
            code="received_too_long_ago",
        )


def _check_not_duplicate(patient: Patient, sites: str | None) -> None:
    """A second open referral identical to an open one is refused: identical means the same
    patient and the same sites (brain, spine or both) while the first is still open (a new
    referral for other sites, or after the first is closed, is a new question). The
    patient's row is locked, so two requests at once cannot both pass. Conflict (409)
    naming the open referral."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    existing = (
        Referral.objects.filter(patient=patient, sites=sites, status=Referral.Status.OPEN)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        raise Conflict(
            f"Referral {existing.pk} for this patient ({existing.sites}) is still open; "
            "update it instead of sending it again, or close it first.",
            field="sites",
            code="duplicate_referral",
            extra={"existing": existing.pk},
        )


@transaction.atomic
def referral_create(*, now: datetime | None = None, created_by=None, **fields) -> Referral:
    """Record a referral and triage it: urgency, the red flag, and the consult deadline."""
    now = now or timezone.now()
    fields.setdefault("received_at", now)
    _check_received_at(fields["received_at"], now)
    _check_not_duplicate(fields["patient"], fields.get("sites"))
    referral = Referral(created_by=created_by, **fields)
    _apply_triage(referral)
    referral.save()
    if referral.urgency == clinical.EMERGENCY:
        _alert_emergency(referral)
    return referral


def _alert_emergency(referral: Referral) -> None:
    """Emergencies bypass ordinary booking: navigators are alerted in the app, and they and
    the on-call clinicians by email, at once."""
    from notifications.outbox import alert_navigators, page_emergency

    page_emergency(referral=referral)

    alert_navigators(
        kind="emergency",
        referral=referral,
        dedupe_key=f"emergency:{referral.pk}",
        text=f"EMERGENCY referral {referral.pk}: {referral.urgency_reason}. Consult due "
        f"within 24 hours.",
    )


@transaction.atomic
def referral_update(*, referral: Referral, now: datetime | None = None, **fields) -> Referral:
    """Change a referral's clinical picture; triage is recomputed from the new picture."""
    now = now or timezone.now()
    if "received_at" in fields:
        _check_received_at(fields["received_at"], now)
    for name, value in fields.items():
        setattr(referral, name, value)
    _apply_triage(referral)
    referral.save()
    if referral.urgency == clinical.EMERGENCY:
        _alert_emergency(referral)
    return referral


@transaction.atomic
def contact_save(*, patient: Patient, contact: Contact | None = None, **fields) -> Contact:
    """Add a contact to `patient`, or change one; giving consent records when. Their
    reminder texts are planned again at once (the patient chooses what they get)."""
    from notifications.services import reminders_sync

    contact = contact or Contact(patient=patient)
    if fields.get("sms_consent") and not contact.sms_consent:
        contact.sms_consent_at = timezone.now()
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean()
    contact.save()
    reminders_sync(patient=patient, now=timezone.now())
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """Remove a contact; their pending texts are cancelled with it."""
    from notifications.services import reminders_sync

    patient = contact.patient
    contact.delete()
    reminders_sync(patient=patient, now=timezone.now())
