"""Patients and their referrals. Triage results are stored, computed by services."""

from __future__ import annotations

import functools
from datetime import datetime
from importlib import resources
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField

from patients import clinical


@functools.cache
def region_time_zones() -> frozenset[str]:
    """The canonical IANA region names (`America/Chicago`, `Australia/Adelaide`): the
    zones of tzdata's `zone.tab`, one or more per country, each following its region's
    daylight saving."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    return frozenset(
        line.split("\t")[2] for line in text.splitlines() if line and not line.startswith("#")
    )


def validate_time_zone(value: str) -> None:
    """A patient's, location's or series' zone: a canonical IANA region name (PRODUCT.md,
    "Rules settled": Time). Refused: fixed abbreviations (`EST`, `MST`), `localtime`,
    `UTC` and `Etc/...` (a clinic or a person is in a region whose clocks may change, and
    none of these follows one), and old aliases (`US/Eastern`): ValidationError."""
    if value not in region_time_zones():
        raise ValidationError(
            f"“{value}” is not a region's time zone; use its IANA region name, such as "
            "America/New_York or Australia/Adelaide (abbreviations like EST, UTC or "
            "Etc/… ignore daylight saving)."
        )


# Sign languages have BCP-47 codes of their own but no CLDR locale: accepted by name.
SIGN_LANGUAGES = frozenset({"ase", "bfi", "fsl", "lsf"})


def validate_language_tag(value: str) -> None:
    """An interpreter's or a patient's language: a BCP-47 tag that CLDR knows (`es`,
    `pt-BR`, `zh-Hant`, `ht`) or a sign language (`ase`, American Sign Language).
    ValidationError otherwise."""
    from babel import Locale, UnknownLocaleError

    if value.lower() in SIGN_LANGUAGES:
        return
    try:
        Locale.parse(value, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValidationError(
            f"“{value}” is not a language code we know; use a BCP-47 tag such as es, pt-BR "
            "or ht (Haitian Creole)."
        ) from None


def primary_language(tag: str) -> str:
    """The primary language subtag of a BCP-47 tag, lowercased: `es-MX` -> `es`. An
    interpreter covering `es` serves a patient asking for `es-MX`, and the other way."""
    return tag.split("-")[0].lower()


def _choices(values) -> list[tuple[str, str]]:
    return [(value, value.replace("_", " ")) for value in values]


class Patient(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        DISCHARGED = "discharged"
        DECEASED = "deceased"

    mrn = models.CharField("MRN", max_length=32, unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    phone = PhoneNumberField(blank=True)
    email = models.EmailField(blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    preferred_language = models.CharField(max_length=16, choices=settings.LANGUAGES, default="en")
    interpreter_language = models.CharField(
        max_length=35,
        null=True,
        blank=True,
        validators=[validate_language_tag],
        help_text="BCP-47 code of the language an interpreter must speak at every visit; "
        "empty when none is needed.",
    )
    sms_consent = models.BooleanField(default=False)
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    sms_express_consent = models.BooleanField(
        default=False,
        help_text="Asked for every reminder: the daily and weekly caps do not apply.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    home_distance_miles = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(20000)],
        help_text="One-way distance from home to the center, in miles; far from home is a "
        "travel barrier (BARRIER_HOME_DISTANCE_MILES).",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return f"Patient {self.mrn}"


class ReferralQuerySet(models.QuerySet["Referral"]):
    def with_sla(self, now: datetime) -> Any:  # annotated rows the type checker cannot see
        """Annotate `sla_status` in SQL, the same rule as clinical.sla_status."""
        met = models.Q(consult_at__isnull=False, consult_at__lte=models.F("consult_due_at"))
        breached = models.Q(consult_due_at__lte=now)
        at_risk = (
            models.Q(consult_at__isnull=False)
            | models.Q(no_slot_before_due=True)
            | models.Q(at_risk_from__lt=now)
        )
        window = models.F("consult_due_at") - models.F("received_at")
        return self.annotate(
            at_risk_from=models.ExpressionWrapper(
                models.F("consult_due_at") - window / clinical.AT_RISK_SHARE,
                output_field=models.DateTimeField(),
            )
        ).annotate(
            sla_status=models.Case(
                models.When(met, then=models.Value(clinical.MET)),
                models.When(breached, then=models.Value(clinical.BREACHED)),
                models.When(at_risk, then=models.Value(clinical.AT_RISK)),
                default=models.Value(clinical.ON_TRACK),
                output_field=models.CharField(),
            )
        )


class Referral(models.Model):
    class Urgency(models.TextChoices):
        EMERGENCY = clinical.EMERGENCY
        URGENT = clinical.URGENT
        ROUTINE = clinical.ROUTINE

    class PrimaryCancer(models.TextChoices):
        BREAST = "breast"
        LUNG = "lung"
        PROSTATE = "prostate"
        KIDNEY = "kidney"
        MELANOMA = "melanoma"
        COLON = "colon"
        MYELOMA = "myeloma"
        LYMPHOMA = "lymphoma"
        THYROID = "thyroid"
        SARCOMA = "sarcoma"
        OTHER_UNKNOWN = "other_unknown", "other or unknown"

    class Sites(models.TextChoices):
        BRAIN = "brain"
        SPINE = "spine"
        BOTH = "both"

    class NeuroStatus(models.TextChoices):
        INTACT = "intact"
        STABLE_DEFICIT = "stable_deficit", "stable deficit"
        NEW_DEFICIT = "new_deficit", "new deficit"
        PROGRESSING_DEFICIT = "progressing_deficit", "progressing deficit"

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals")
    referring_oncologist = models.CharField(max_length=200)
    referring_practice = models.CharField(max_length=200, blank=True)
    referring_email = models.EmailField(blank=True)
    received_at = models.DateTimeField()
    primary_cancer = models.CharField(max_length=16, choices=PrimaryCancer.choices)
    sites = models.CharField(max_length=8, choices=Sites.choices)
    symptoms = models.TextField(blank=True)
    pain_score = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    neuro_status = models.CharField(
        max_length=24, choices=NeuroStatus.choices, default=NeuroStatus.INTACT
    )
    weakness = models.BooleanField(default=False)
    sensory_level = models.BooleanField(default=False)
    bladder_bowel_dysfunction = models.BooleanField(default=False)
    suspected_mescc = models.BooleanField("suspected MESCC", default=False)
    brain_symptomatic = models.BooleanField(default=False)
    mass_effect = models.BooleanField(default=False)
    hydrocephalus = models.BooleanField(default=False)
    uncontrolled_seizures = models.BooleanField(default=False)

    sins_location = models.CharField(
        max_length=16, blank=True, null=True, choices=_choices(clinical.SINS_LOCATION)
    )
    sins_pain = models.CharField(
        max_length=16, blank=True, null=True, choices=_choices(clinical.SINS_PAIN)
    )
    sins_lesion = models.CharField(
        max_length=16, blank=True, null=True, choices=_choices(clinical.SINS_LESION)
    )
    sins_alignment = models.CharField(
        max_length=16, blank=True, null=True, choices=_choices(clinical.SINS_ALIGNMENT)
    )
    sins_collapse = models.CharField(
        max_length=24, blank=True, null=True, choices=_choices(clinical.SINS_COLLAPSE)
    )
    sins_posterolateral = models.CharField(
        max_length=16, blank=True, null=True, choices=_choices(clinical.SINS_POSTEROLATERAL)
    )
    bilsky_grade = models.CharField(
        max_length=2, blank=True, null=True, choices=_choices(clinical.BILSKY_GRADES)
    )
    ecog = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(4)]
    )
    karnofsky = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    extraspinal_bone_mets = models.PositiveSmallIntegerField(null=True, blank=True)
    vertebral_mets = models.PositiveSmallIntegerField(null=True, blank=True)
    visceral_mets = models.CharField(
        max_length=16, blank=True, null=True, choices=_choices(clinical.VISCERAL_METS)
    )
    frankel_grade = models.CharField(
        max_length=1, blank=True, null=True, choices=_choices(clinical.FRANKEL)
    )
    imaging_notes = models.TextField(blank=True)
    pathology_notes = models.TextField(blank=True)

    # Computed by patients.services.referral_triage, never typed.
    urgency = models.CharField(max_length=16, choices=Urgency.choices, editable=False)
    urgency_reason = models.CharField(max_length=200, editable=False)
    consult_due_at = models.DateTimeField(editable=False, db_index=True)
    sins_score = models.PositiveSmallIntegerField(null=True, editable=False)
    # The start of the first booked new-patient consult (set by navigation).
    consult_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the engine found no consult slot before the deadline (never hidden).
    no_slot_before_due = models.BooleanField(default=False, editable=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["consult_due_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(pain_score__lte=10), name="pain_0_10"),
            models.CheckConstraint(condition=models.Q(ecog__lte=4), name="ecog_0_4"),
            models.CheckConstraint(condition=models.Q(karnofsky__lte=100), name="kps_0_100"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.urgency})"

    def clinical_picture(self) -> clinical.ClinicalPicture:
        return clinical.ClinicalPicture(
            sites=self.sites,
            pain_score=self.pain_score,
            neuro_status=self.neuro_status,
            weakness=self.weakness,
            sensory_level=self.sensory_level,
            bladder_bowel_dysfunction=self.bladder_bowel_dysfunction,
            suspected_mescc=self.suspected_mescc,
            bilsky_grade=self.bilsky_grade,
            sins_score=self.sins_score,
            sins_pain=self.sins_pain,
            brain_symptomatic=self.brain_symptomatic,
            mass_effect=self.mass_effect,
            hydrocephalus=self.hydrocephalus,
            uncontrolled_seizures=self.uncontrolled_seizures,
        )

    def sla_status_at(self, now) -> str:
        return clinical.sla_status(
            received_at=self.received_at,
            due_at=self.consult_due_at,
            now=now,
            consult_at=self.consult_at,
            no_slot=self.no_slot_before_due,
        )

    def sins(self) -> clinical.Score | None:
        return clinical.sins_from({name: getattr(self, name) for name in clinical.SINS_COMPONENTS})

    def tokuhashi(self) -> clinical.Score | None:
        inputs = (
            self.karnofsky,
            self.extraspinal_bone_mets,
            self.vertebral_mets,
            self.visceral_mets,
            self.frankel_grade,
        )
        if any(value is None for value in inputs):
            return None
        return clinical.tokuhashi(
            karnofsky=self.karnofsky,
            extraspinal_bone_mets=self.extraspinal_bone_mets,
            vertebral_mets=self.vertebral_mets,
            visceral_mets=self.visceral_mets,
            primary_cancer=self.primary_cancer,
            frankel=self.frankel_grade,
        )


class Contact(models.Model):
    """Someone a patient chose to receive their visit texts and invites: a caregiver or a
    health-care proxy (FHIR RelatedPerson). Their phone, email, language, time zone and
    consent are their own; their texts never name a diagnosis, and a STOP from their
    number is theirs alone (consent belongs to the number)."""

    class Relationship(models.TextChoices):
        CAREGIVER = "caregiver"
        PROXY = "proxy", "health-care proxy"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=100)
    relationship = models.CharField(
        max_length=16, choices=Relationship.choices, default=Relationship.CAREGIVER
    )
    phone = PhoneNumberField(blank=True)
    email = models.EmailField(blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    preferred_language = models.CharField(max_length=16, choices=settings.LANGUAGES, default="en")
    sms_consent = models.BooleanField(default=False)
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    gets_texts = models.BooleanField(default=True, help_text="The patient's reminder texts.")
    gets_invites = models.BooleanField(default=True, help_text="The patient's calendar invites.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["patient", "id"]

    def __str__(self) -> str:
        return f"{self.get_relationship_display()} of patient {self.patient_id}"

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else ""
