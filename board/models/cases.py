"""Cases on the board, their moves between meetings, recommendations and the tasks
those create for navigators."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from board import noms, rules
from board.models.meetings import Meeting
from navigation.models import Clinician, Specialty
from patients.clinical import ROUTINE
from patients.models import Patient, Referral


class Case(models.Model):
    class Status(models.TextChoices):
        LISTED = "listed"
        WITHDRAWN = "withdrawn"

    class Pathology(models.TextChoices):
        PENDING = rules.PATHOLOGY_PENDING
        CONFIRMED = rules.PATHOLOGY_CONFIRMED
        WAIVED = rules.PATHOLOGY_WAIVED

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="board_cases")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="board_cases"
    )
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="cases")
    question = models.TextField()
    presenter = models.ForeignKey(
        Clinician, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Orders the agenda; kept when a case rolls over, so it comes early next time.
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imaging_available = models.BooleanField(default=False)
    imaging_reviewed = models.BooleanField(default=False)
    imaging_reviewed_by = models.ForeignKey(
        Clinician, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pathology = models.CharField(
        max_length=16, choices=Pathology.choices, default=Pathology.PENDING
    )
    pathology_waiver_reason = models.CharField(max_length=300, blank=True)
    histology = models.CharField(
        max_length=24,
        blank=True,
        choices=[(h, h.replace("_", " ")) for h in noms.HISTOLOGIES],
        help_text="Refines the primary cancer where it alone does not tell (e.g. lung).",
    )
    comorbidities = models.CharField(max_length=300, blank=True)
    trial_screening = models.BooleanField(default=False)
    # For the accreditation report: presented prospectively = before treatment started.
    treatment_started_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LISTED)
    note = models.CharField(max_length=300, blank=True, help_text="The latest move, if any.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting_id", "submitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(pathology="waived") | ~models.Q(pathology_waiver_reason=""),
                name="pathology_waiver_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Board case {self.pk}"

    @property
    def urgency(self) -> str:
        return self.referral.urgency if self.referral_id else ROUTINE

    def readiness(self) -> tuple[bool, tuple[str, ...]]:
        return rules.readiness(
            imaging_available=self.imaging_available,
            imaging_reviewed=self.imaging_reviewed,
            pathology=self.pathology,
        )

    def noms(self) -> noms.Noms | None:
        if self.referral is None:
            return None
        return noms.noms_of(
            self.referral, histology=self.histology, comorbidities=self.comorbidities
        )


class CaseMove(models.Model):
    """History: a case's submission and every move between meetings, never rewritten."""

    class Reason(models.TextChoices):
        SUBMITTED = "submitted"
        ROLLOVER = "rollover", "over capacity"
        MEETING_CANCELLED = "meeting_cancelled", "meeting cancelled"
        MOVED = "moved", "moved by hand"
        WITHDRAWN = "withdrawn"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="moves")
    from_meeting = models.ForeignKey(
        Meeting, null=True, on_delete=models.PROTECT, related_name="moves_out"
    )
    to_meeting = models.ForeignKey(
        Meeting, null=True, on_delete=models.PROTECT, related_name="moves_in"
    )
    reason = models.CharField(max_length=24, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.reason} of case {self.case_id}"


class Modality(models.TextChoices):
    SRS = "srs", "radiosurgery (SRS)"
    SBRT = "sbrt", "SBRT"
    CONVENTIONAL_EBRT = "conventional_ebrt", "conventional external beam radiation"
    RESECTION = "resection", "surgery: resection"
    LITT = "litt", "laser interstitial thermal therapy"
    AWAKE_CRANIOTOMY = "awake_craniotomy", "awake craniotomy"
    DECOMPRESSION_STABILIZATION = "decompression_stabilization", "decompression and stabilization"
    VERTEBROPLASTY_KYPHOPLASTY = "vertebroplasty_kyphoplasty", "vertebroplasty/kyphoplasty"
    RADIOFREQUENCY_ABLATION = "radiofrequency_ablation", "radiofrequency ablation"
    CRYOABLATION = "cryoablation"
    CHEMOTHERAPY = "chemotherapy"
    IMMUNOTHERAPY = "immunotherapy"
    TARGETED = "targeted", "targeted therapy"
    HORMONAL = "hormonal", "hormonal therapy"
    BONE_STRENGTHENING = "bone_strengthening", "bone-strengthening therapy"
    BRACING = "bracing"
    PALLIATIVE_CARE = "palliative_care", "palliative care"
    REHABILITATION = "rehabilitation"
    CLINICAL_TRIAL = "clinical_trial", "clinical trial referral"
    OBSERVATION = "observation"


class ImagingModality(models.TextChoices):
    MRI_BRAIN = "mri_brain", "MRI brain"
    MRI_SPINE = "mri_spine", "MRI spine"
    MRI_BRAIN_SPINE = "mri_brain_spine", "MRI brain and spine"
    CT = "ct", "CT"
    PET = "pet", "PET"
    BONE_SCAN = "bone_scan", "bone scan"


class DiseaseActivity(models.TextChoices):
    NEW_THERAPY = rules.NEW_THERAPY, "starting a new therapy"
    ACTIVE = rules.ACTIVE, "active or symptomatic disease"
    PSEUDOPROGRESSION = rules.PSEUDOPROGRESSION, "possible pseudoprogression on immunotherapy"
    RESPONDING = rules.RESPONDING, "responding"
    POST_SRS = rules.POST_SRS, "after radiosurgery for brain metastases"
    STABLE = rules.STABLE, "two consecutive stable scans"
    NEW_SYMPTOMS = rules.NEW_SYMPTOMS, "new symptoms"


class Recommendation(models.Model):
    """One version of the board's recommendation; once signed it never changes, and a
    change is a new version (the old one kept)."""

    class Intent(models.TextChoices):
        CURATIVE = "curative"
        LOCAL_CONTROL = "local_control", "local control"
        PALLIATIVE = "palliative"

    class Status(models.TextChoices):
        DRAFT = "draft"
        SIGNED = "signed"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="recommendations")
    version = models.PositiveSmallIntegerField()
    modalities = ArrayField(models.CharField(max_length=32, choices=Modality.choices))
    intent = models.CharField(max_length=16, choices=Intent.choices)
    rationale = models.TextField()
    noms = models.JSONField(default=dict, help_text="The computed NOMS picture when written.")
    noms_neurologic = models.CharField(max_length=300, blank=True)
    noms_oncologic = models.CharField(max_length=300, blank=True)
    noms_mechanical = models.CharField(max_length=300, blank=True)
    noms_systemic = models.CharField(max_length=300, blank=True)
    clinical_trial_referral = models.BooleanField(default=False)
    trial_name = models.CharField(max_length=200, blank=True)
    followup_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    followup_modality = models.CharField(max_length=16, choices=ImagingModality.choices, blank=True)
    disease_activity = models.CharField(max_length=24, choices=DiseaseActivity.choices, blank=True)
    actions = models.JSONField(default=list, help_text="[{kind, text, due_in_days}]")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    signed_by = models.ForeignKey(
        Clinician, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="one_row_per_version"),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="draft"), name="one_draft_per_case"
            ),
            models.CheckConstraint(
                condition=models.Q(followup_weeks__isnull=True)
                | models.Q(
                    followup_weeks__gte=rules.MIN_WEEKS, followup_weeks__lte=rules.MAX_WEEKS
                ),
                name="followup_6_to_16_weeks",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(signed_by__isnull=False, signed_at__isnull=False),
                name="signed_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"Recommendation v{self.version} for case {self.case_id}"


class Task(models.Model):
    """A follow-up action of a signed recommendation, for a navigator, with a due date."""

    class Kind(models.TextChoices):
        RADIATION_PLANNING = "radiation_planning", "book a radiation planning visit"
        SURGICAL_CONSULT = "surgical_consult", "book a surgical consult"
        REHABILITATION = "rehabilitation", "book rehabilitation"
        MEDICAL_ONCOLOGY = "medical_oncology", "book medical oncology"
        PALLIATIVE_CARE = "palliative_care", "book palliative care"
        PAIN_MEDICINE = "pain_medicine", "book pain medicine"
        IMAGING = "imaging", "book imaging"
        TRIAL_SCREENING = "trial_screening", "refer for clinical-trial screening"
        OTHER = "other"

    class Status(models.TextChoices):
        OPEN = "open"
        DONE = "done"
        CANCELLED = "cancelled"

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="tasks"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="board_tasks")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    specialty = models.CharField(max_length=24, choices=Specialty.choices, blank=True)
    text = models.CharField(max_length=300)
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"Task {self.pk}: {self.kind}"
