"""The letter to the referring oncologist: the board's decision, the rationale and the
next steps, rendered when the outbox sends it (an HTML email with a plain-text copy
attached). The outbox row holds only the recommendation's id: a signed recommendation
never changes, so the letter says exactly what was signed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string

from board.models import Recommendation
from notifications.channels import Content


def letter_context(rec: Recommendation) -> dict:
    case = rec.case
    zone = ZoneInfo(case.meeting.series.time_zone)
    referral = case.referral
    tasks = sorted(rec.tasks.all(), key=lambda t: (t.due_at, t.pk))
    return {
        "center": settings.CENTER_NAME,
        "phone": settings.CENTER_PHONE,
        "oncologist": referral.referring_oncologist if referral else "Colleague",
        "patient": case.patient,
        "meeting_date": f"{case.meeting.start.astimezone(zone):%A %d %B %Y}",
        "question": case.question,
        "rec": rec,
        "amended": rec.version > 1,
        "modalities": [label for value, label in _labels(rec)],
        "noms": [
            ("Neurologic", rec.noms_neurologic),
            ("Oncologic", rec.noms_oncologic),
            ("Mechanical", rec.noms_mechanical),
            ("Systemic", rec.noms_systemic),
        ],
        "steps": [(t.text, f"{t.due_at.astimezone(zone):%a %d %b %Y}") for t in tasks],
        "followup": _followup(rec),
        "signer": rec.signed_by,
        "signed_on": f"{rec.signed_at.astimezone(zone):%d %B %Y}" if rec.signed_at else "",
    }


def _labels(rec: Recommendation):
    from board.models import Modality

    return [(m, Modality(m).label) for m in rec.modalities]


def _followup(rec: Recommendation) -> str:
    if not rec.followup_modality:
        return ""
    what = rec.get_followup_modality_display()
    if rec.followup_weeks:
        return (
            f"{what} every {rec.followup_weeks} weeks; our team books it and invites the patient."
        )
    activity = rec.get_disease_activity_display()
    return f"{what} at an interval set by disease activity ({activity}); we book it."


def render_letter(message, now: datetime) -> Content:
    """Content for a `board_letter` outbox row. Dropped when the recommendation is gone or
    a newer signed version has replaced it (its own letter goes out)."""
    from notifications.services import Drop

    rec = (
        Recommendation.objects.select_related(
            "case__patient", "case__referral", "case__meeting__series", "signed_by"
        )
        .filter(pk=message.payload["recommendation"], status=Recommendation.Status.SIGNED)
        .first()
    )
    if rec is None:
        raise Drop("the recommendation is not signed or no longer exists")
    if rec.case.status == rec.case.Status.WITHDRAWN:
        raise Drop("the case was withdrawn")
    newer = Recommendation.objects.filter(
        case_id=rec.case_id, version__gt=rec.version, status=Recommendation.Status.SIGNED
    )
    if newer.exists():
        raise Drop("a newer signed version replaces this letter")
    context = letter_context(rec)
    text = render_to_string("board/letter.txt", context)
    html = render_to_string("board/letter.html", context)
    return Content(
        subject=render_to_string("board/letter_subject.txt", context).strip(),
        body=text,
        attachments=(
            ("recommendation.html", html.encode(), "text/html"),
            (f"tumor-board-recommendation-v{rec.version}.txt", text.encode(), "text/plain"),
        ),
    )
