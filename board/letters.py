"""The letter to the referring oncologist: the board's decision, the rationale and the
next steps (an HTML email with a plain-text copy attached), written by the board when the
recommendation is signed and handed to the outbox as plain text: notifications sends it
without knowing what a board is."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string

from board.models import Recommendation


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


def letter_content(rec: Recommendation) -> dict:
    """The letter for a signed recommendation as plain values for the outbox
    (`notifications.outbox.message_enqueue(content=...)`): `subject`, `body` (plain text)
    and `attachments` (`name`, `text`, `mimetype`: the HTML letter and a plain-text copy).
    Written at signature time: a signed recommendation never changes, so the letter says
    exactly what was signed."""
    context = letter_context(rec)
    text = render_to_string("board/letter.txt", context)
    html = render_to_string("board/letter.html", context)
    return {
        "subject": render_to_string("board/letter_subject.txt", context).strip(),
        "body": text,
        "attachments": [
            {"name": "recommendation.html", "text": html, "mimetype": "text/html"},
            {
                "name": f"tumor-board-recommendation-v{rec.version}.txt",
                "text": text,
                "mimetype": "text/plain",
            },
        ],
    }
