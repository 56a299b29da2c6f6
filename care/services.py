"""Writes for the care clocks: recording a treatment (`treatment_record`), re-deriving a
referral's clocks from its events (`clocks_refresh`), and the periodic watch that alerts
navigators when a clock goes at risk or is breached (`clocks_watch`)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from board.models import Recommendation
from care import clocks, selectors
from care.models import Clock, Treatment
from navigation.models import Appointment
from notifications import outbox
from notifications.alerts import alerts_resolve, resolve_each
from notifications.models import Alert
from patients import clinical
from patients.models import Referral
from tumorboard.errors import Conflict, DomainError

WHEN = "%a %-d %b %Y %H:%M %Z"


def alert_key(kind: str, referral_id: int) -> str:
    """One alert per clock of a referral (`clock:<kind>:<referral>:`); at risk and breached
    follow it as `at_risk` / `breached`."""
    return f"clock:{kind}:{referral_id}:"


def stopped_reason(kind: str) -> str:
    return {
        Clock.Kind.BOARD: "The case was discussed at the board.",
        Clock.Kind.TREATMENT: "Treatment started.",
        Clock.Kind.POSTOP_SRS: "Radiosurgery to the cavity started.",
        Clock.Kind.IMAGING: "The surveillance plan ended.",
    }[kind]


UNDONE = "What started the clock was undone."
STORED = ("started_at", "due_at", "at_risk_at", "stopped_at", "target")


@transaction.atomic
def clocks_refresh(*, referral: Referral, now: datetime) -> list[Clock]:
    """Derive `referral`'s clocks again from its events and store them (one row per
    kind; a clock whose start event went away is deleted; an unchanged one is not
    written). A late-recorded event moves the clock as if recorded on time. Alerts of a
    clock that stopped or went away resolve at `now` (aware)."""
    targets = selectors.targets()
    derived = {
        clock.kind: clock
        for clock in clocks.referral_clocks(
            selectors.referral_events(referral, grace=targets.imaging_grace), targets
        )
    }
    stored = {row.kind: row for row in referral.clocks.all()}
    rows = []
    for kind, clock in derived.items():
        values = {name: getattr(clock, name) for name in STORED}
        values["target"] = values["target"][:200]
        row = stored.get(kind)
        if row is None:
            row = Clock.objects.create(
                referral=referral, patient_id=referral.patient_id, kind=kind, **values
            )
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save(update_fields=[*STORED, "updated_at"])
        rows.append(row)
    ended = {kind: stopped_reason(kind) for kind, c in derived.items() if c.stopped_at}
    ended.update({kind: UNDONE for kind in stored.keys() - derived.keys()})
    if ended:
        open_alerts = Alert.objects.filter(
            kind=Alert.Kind.CLOCK, referral=referral, resolved_at__isnull=True
        ).values_list("pk", "dedupe_key")
        resolve_each(
            {pk: ended[key.split(":")[1]] for pk, key in open_alerts if key.split(":")[1] in ended},
            now,
        )
    referral.clocks.filter(kind__in=list(stored.keys() - derived.keys())).delete()
    return rows


def _check_time(started_at: datetime, recommendation: Recommendation, now: datetime) -> None:
    if started_at > now:
        raise DomainError(
            "The treatment's start is in the future: record it once it has begun.",
            field="started_at",
            code="in_future",
        )
    asked = selectors.asked_at(recommendation)
    if started_at < asked:
        raise DomainError(
            f"The treatment is dated {timezone.localtime(started_at):{WHEN}}, before the "
            f"board's recommendation that asked for it "
            f"({timezone.localtime(asked):{WHEN}}).",
            field="started_at",
            code="before_recommendation",
        )


def _check_once(recommendation: Recommendation, referral: Referral, modality: str) -> None:
    earlier = Treatment.objects.filter(recommendation=recommendation, modality=modality)
    if modality in clocks.RESECTIONS:  # one resection per referral starts its SRS clock
        earlier = Treatment.objects.filter(referral=referral, modality__in=clocks.RESECTIONS)
    found = earlier.first()
    if found is not None:
        raise Conflict(
            f"A {found.get_modality_display()} is already recorded for this referral "
            f"(started {timezone.localtime(found.started_at):{WHEN}}).",
            field="modality",
            code="already_recorded",
        )


def _visit(appointment: Appointment, referral: Referral) -> datetime:
    if appointment.patient_id != referral.patient_id:
        raise DomainError(
            "That visit is another patient's.", field="appointment", code="other_patient"
        )
    if appointment.status != Appointment.Status.COMPLETED:
        raise DomainError(
            "Only a visit marked done starts a treatment; this one is "
            f"{appointment.get_status_display()}.",
            field="appointment",
            code="visit_not_done",
        )
    return appointment.start


@transaction.atomic
def treatment_record(
    *,
    recommendation: Recommendation,
    modality: str,
    by,
    now: datetime,
    appointment: Appointment | None = None,
    started_at: datetime | None = None,
    performer: str = "",
) -> Treatment:
    """Record that a treatment the signed `recommendation` asked for began: at a visit
    here marked done (`appointment`; it starts at the visit's start) or elsewhere at
    `started_at` (aware). The referral's clocks follow in this transaction.

    Raises DomainError (400, naming the field) when the recommendation is not signed, the
    modality is not one it asked for, neither or both of a visit and a date are given, the
    visit is not done or another patient's, or the start is in the future or before the
    board asked for it; Conflict (409, `modality`) when it is already recorded (a resection
    once per referral). Nothing is written then."""
    rec = (
        Recommendation.objects.select_for_update(of=("self",))
        .select_related("case__meeting", "case__referral__patient")
        .get(pk=recommendation.pk)
    )
    referral = rec.case.referral
    if rec.status != Recommendation.Status.SIGNED or referral is None:
        raise DomainError(
            "Treatments are recorded against a signed recommendation of a referral's case.",
            field="recommendation",
            code="not_signed",
        )
    if modality not in rec.modalities:
        raise DomainError(
            f"The recommendation did not ask for {modality.replace('_', ' ')}; it asked for "
            f"{', '.join(m.replace('_', ' ') for m in rec.modalities)}.",
            field="modality",
            code="not_recommended",
        )
    if (appointment is None) == (started_at is None):
        raise DomainError(
            "Give either the visit here (marked done) or the date it started elsewhere.",
            field="appointment" if appointment is not None else "started_at",
            code="visit_or_date",
        )
    if appointment is not None:
        started_at = _visit(appointment, referral)
        if Treatment.objects.filter(appointment=appointment).exists():
            raise Conflict(
                "That visit already records a treatment.",
                field="appointment",
                code="already_recorded",
            )
    assert started_at is not None
    _check_time(started_at, rec, now)
    _check_once(rec, referral, modality)
    treatment = Treatment.objects.create(
        patient=referral.patient,
        referral=referral,
        recommendation=rec,
        modality=modality,
        started_at=started_at,
        appointment=appointment,
        started_elsewhere=appointment is None,
        performer=performer,
        recorded_by=by,
        recorded_at=now,
    )
    clocks_refresh(referral=referral, now=now)
    return treatment


def clocks_watch(*, now: datetime) -> int:
    """Alert navigators once per running clock that is at risk, and once more when it is
    breached (the at-risk alert then resolves). Returns how many alerts were written. The
    imaging clock is left to the board's own imaging alerts (overdue, missed, no slot:
    `board.services.imaging`), which already escalate and end by themselves."""
    written = 0
    running = (
        Clock.objects.filter(stopped_at__isnull=True, referral__status=Referral.Status.OPEN)
        .exclude(kind=Clock.Kind.IMAGING)
        .with_status(now)
        .filter(status__in=[clinical.AT_RISK, clinical.BREACHED])
        .select_related("referral")
    )
    for clock in running:
        key = alert_key(clock.kind, clock.referral_id)
        due = timezone.localtime(clock.due_at)
        if clock.status == clinical.BREACHED:
            alerts_resolve(
                kinds=[Alert.Kind.CLOCK],
                referral=clock.referral,
                key_prefix=key,
                key_suffix=clinical.AT_RISK,
                reason="The clock is now breached.",
                now=now,
            )
            text = f"Referral {clock.referral_id}: the {clock.get_kind_display()} clock "
            text += f"was due {due:{WHEN}} and has not stopped."
        else:
            text = f"Referral {clock.referral_id}: the {clock.get_kind_display()} clock is "
            text += f"at risk, due {due:{WHEN}} ({clock.target})."
        if outbox.alert_navigators(
            kind=Alert.Kind.CLOCK,
            text=text,
            dedupe_key=f"{key}{clock.started_at:%Y%m%d%H%M}:{clock.status}",
            referral=clock.referral,
        ):
            written += 1
    return written
