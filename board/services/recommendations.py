"""Writes for the board's recommendation: drafts, versions, the specialist's signature,
and what a signature sets off (navigator tasks, the letter, the surveillance plan), all in
the signature's transaction and through the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from board import rules
from board.letters import letter_content
from board.models import Case, Recommendation, Task
from navigation.models import Clinician
from notifications import outbox
from notifications.models import Alert, Message
from tumorboard.errors import Conflict, DomainError
from tumorboard.roles import SPECIALIST, has_role

# Action kind -> (the specialty to book, days until due when the board gave none).
ACTIONS = {
    Task.Kind.RADIATION_PLANNING: ("radiation_oncology", 7),
    Task.Kind.SURGICAL_CONSULT: ("neurosurgery", 7),
    Task.Kind.REHABILITATION: ("rehabilitation", 14),
    Task.Kind.MEDICAL_ONCOLOGY: ("medical_oncology", 14),
    Task.Kind.PALLIATIVE_CARE: ("palliative_care", 7),
    Task.Kind.PAIN_MEDICINE: ("pain_medicine", 7),
    Task.Kind.IMAGING: ("neuroradiology", 14),
    Task.Kind.TRIAL_SCREENING: ("", 14),
    Task.Kind.OTHER: ("", 14),
}


def _check(rec: Recommendation) -> None:
    if not rec.modalities:
        raise DomainError(
            "A recommendation names at least one modality.",
            field="modalities",
            code="no_modality",
        )
    weeks = rec.followup_weeks
    if weeks is not None and not rules.MIN_WEEKS <= weeks <= rules.MAX_WEEKS:
        raise DomainError(
            f"Follow-up imaging is every {rules.MIN_WEEKS} to {rules.MAX_WEEKS} weeks, "
            f"not {weeks}.",
            field="followup_weeks",
            code="interval_out_of_range",
        )
    if rec.followup_modality and weeks is None and not rec.disease_activity:
        raise DomainError(
            "Follow-up imaging needs an interval in weeks or the disease activity.",
            field="followup_weeks",
            code="interval_missing",
        )
    if (weeks is not None or rec.disease_activity) and not rec.followup_modality:
        raise DomainError(
            "Say which imaging the follow-up is (e.g. MRI brain).",
            field="followup_modality",
            code="modality_missing",
        )


def _with_noms(rec: Recommendation, case: Case, fields: dict) -> None:
    """Snapshot the computed NOMS picture; the board's own words default to it."""
    noms = case.noms()
    rec.noms = noms.as_dict() if noms else {}
    for axis in ("neurologic", "oncologic", "mechanical", "systemic"):
        if f"noms_{axis}" not in fields and noms is not None:
            setattr(rec, f"noms_{axis}", getattr(noms, axis)["summary"])


def _locked_case(case: Case) -> Case:
    """The case, locked; Conflict (409) when it was withdrawn: no recommendation is written,
    changed or signed for it, and no letter goes out."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("referral", "patient", "meeting__series")
        .get(pk=case.pk)
    )
    if case.status == Case.Status.WITHDRAWN:
        raise Conflict(
            f"Board case {case.pk} was withdrawn: no recommendation can be written or signed "
            "for it.",
            field="case",
            code="case_withdrawn",
        )
    return case


@transaction.atomic
def recommendation_create(
    *, case: Case, by, now: datetime, sign: bool = False, **fields
) -> Recommendation:
    """A new version (the first, or a change to a signed one, which is kept)."""
    case = _locked_case(case)
    latest = case.recommendations.order_by("-version").first()
    if latest is not None and latest.status == Recommendation.Status.DRAFT:
        raise Conflict(
            f"Version {latest.version} is still a draft: change or sign it first.",
            code="draft_exists",
        )
    rec = Recommendation(
        case=case, version=(latest.version + 1) if latest else 1, created_by=by, **fields
    )
    _check(rec)
    _with_noms(rec, case, fields)
    rec.save()
    if sign:
        rec = recommendation_sign(recommendation=rec, by=by, now=now)
    return rec


@transaction.atomic
def recommendation_update(
    *, recommendation: Recommendation, by, now: datetime, sign: bool = False, **fields
) -> Recommendation:
    """Change a draft. A signed recommendation never changes: 409, write a new version."""
    rec = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    _locked_case(rec.case)
    if rec.status == Recommendation.Status.SIGNED:
        raise Conflict(
            f"Version {rec.version} is signed and cannot change; post a new version instead.",
            code="signed",
        )
    for name, value in fields.items():
        setattr(rec, name, value)
    _check(rec)
    rec.save()
    if sign:
        rec = recommendation_sign(recommendation=rec, by=by, now=now)
    return rec


def _signer(by) -> Clinician:
    clinician = Clinician.objects.filter(user=by, active=True).first() if by else None
    if not has_role(by, SPECIALIST) or clinician is None:
        raise DomainError(
            "Only a specialist (a login linked to an active clinician) can sign a recommendation.",
            field="signed_by",
            code="not_a_specialist",
        )
    return clinician


@transaction.atomic
def recommendation_sign(*, recommendation: Recommendation, by, now: datetime) -> Recommendation:
    """Sign: the version freezes; navigator tasks, the letter to the referring oncologist
    and the surveillance plan follow, in this transaction."""
    rec = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    case = _locked_case(rec.case)
    if rec.status == Recommendation.Status.SIGNED:
        raise Conflict(f"Version {rec.version} is already signed.", code="signed")
    rec.signed_by = _signer(by)
    rec.signed_at = now
    rec.status = Recommendation.Status.SIGNED
    rec.save(update_fields=["signed_by", "signed_at", "status", "updated_at"])
    _tasks(rec, case, now)
    letter_enqueue(recommendation=rec, case=case)
    if rec.followup_modality:
        from board.services.surveillance import plan_from_recommendation

        plan_from_recommendation(recommendation=rec, by=by, now=now)
    return rec


def _tasks(rec: Recommendation, case: Case, now: datetime) -> list[Task]:
    replaced = Task.objects.filter(case=case, status=Task.Status.OPEN).exclude(recommendation=rec)
    replaced.update(status=Task.Status.CANCELLED, note=f"Replaced by version {rec.version}.")
    actions = list(rec.actions)
    if rec.clinical_trial_referral and not any(a["kind"] == "trial_screening" for a in actions):
        actions.append({"kind": "trial_screening", "text": rec.trial_name})
    tasks = []
    for action in actions:
        kind = Task.Kind(action["kind"])
        specialty, days = ACTIONS[kind]
        if kind == Task.Kind.SURGICAL_CONSULT and case.referral and case.referral.sites == "spine":
            specialty = "spine_surgery"
        text = action.get("text") or ""
        task = Task.objects.create(
            recommendation=rec,
            case=case,
            patient=case.patient,
            kind=kind,
            specialty=specialty,
            text=f"{kind.label}: {text}" if text else kind.label,
            due_at=now + timedelta(days=action.get("due_in_days", days)),
        )
        local_due = timezone.localtime(task.due_at)
        outbox.alert_navigators(
            kind=Alert.Kind.BOARD,
            text=f"Board task for patient {case.patient.mrn}: {task.text} "
            f"(due {local_due:%a %d %b}).",
            dedupe_key=f"board_task:{task.pk}",
            referral=case.referral,
            patient=case.patient,
        )
        tasks.append(task)
    return tasks


def letter_enqueue(*, recommendation: Recommendation, case: Case) -> Message | None:
    """The letter to the referring oncologist, written now (board.letters) and handed to
    the outbox; an unsent letter of an earlier version is cancelled. Without an address,
    the navigators are told to send it another way."""
    if case.status == Case.Status.WITHDRAWN:
        return None
    referral = case.referral
    address = referral.referring_email if referral else ""
    if not address:
        who = referral.referring_oncologist if referral else "the referring oncologist"
        outbox.alert_navigators(
            kind=Alert.Kind.BOARD,
            text=f"No email address for {who} (board case {case.pk}): send the board's "
            f"recommendation another way.",
            dedupe_key=f"board_letter_no_address:{recommendation.pk}",
            referral=referral,
            patient=case.patient,
        )
        return None
    earlier = case.recommendations.exclude(pk=recommendation.pk).values_list("pk", flat=True)
    outbox.message_cancel(
        idempotency_keys=[letter_key(pk) for pk in earlier],
        reason="a newer signed version replaces this letter",
    )
    return outbox.message_enqueue(
        channel=Message.Channel.EMAIL,
        to=address,
        template="board_letter",
        payload={"recommendation": recommendation.pk, "version": recommendation.version},
        content=letter_content(recommendation),
        idempotency_key=letter_key(recommendation.pk),
        patient=case.patient,
    )


def letter_key(recommendation_id: int) -> str:
    return f"board_letter:{recommendation_id}"


@transaction.atomic
def task_complete(*, task: Task, by, now: datetime, note: str = "") -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != Task.Status.OPEN:
        raise DomainError(f"This task is already {task.status}.", code="task_closed")
    task.status, task.done_at, task.done_by = Task.Status.DONE, now, by
    task.note = note or task.note
    task.save(update_fields=["status", "done_at", "done_by", "note"])
    return task
