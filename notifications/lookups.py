"""What rendering a batch of claimed outbox rows needs to read, read once for the batch.

A reminder text is rendered at send time from the current state of its visits, its
recipient, the number's opt-out and the reminder cap; read row by row that is about seven
queries a text. `SendLookups.load` reads each of them once for a whole batch (a send task
takes up to `tasks.SEND_BATCH` rows), so a text costs the provider call and the UPDATE that
records it. The batch's own outcomes are written back into the snapshot as they happen
(`record`), so a row decided later in the batch sees what an earlier one did, as it would
have in the database.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from notifications.models import Message, PatientLink, SmsOptOut

# A link still valid this long is reused; a newer one is written otherwise.
LINK_MARGIN = timedelta(days=2)
# The longest local day (a fall-back day is 25 hours) and a margin: sent reminders older
# than this cannot be "today" in any zone.
DAY_LOOKBACK = timedelta(hours=27)
LIVE = (Message.Status.PENDING, Message.Status.SENDING, Message.Status.SENT)


@dataclass
class ReminderRow:
    """Another reminder row to the same patient and number, as the cap rules read it."""

    id: int
    send_after: datetime
    status: str
    sent_at: datetime | None


@dataclass
class SendLookups:
    """Everything a batch of rows is rendered from; built by `load`, never by hand.

    `visits` are each reminder patient's future visits that are not cancelled, earliest
    first, with their location; `links` each such patient's private link (URL);
    `reminders` the other reminder rows per (patient id, number) that the cap may read."""

    now: datetime
    opted_out: set[str] = field(default_factory=set)
    contacts: dict[int, object] = field(default_factory=dict)
    visits: dict[int, list] = field(default_factory=dict)
    links: dict[int, str] = field(default_factory=dict)
    reminders: dict[tuple[int, str], dict[int, ReminderRow]] = field(default_factory=dict)

    @classmethod
    def load(cls, messages: list[Message], *, now: datetime) -> SendLookups:
        """Read, in at most six queries whatever the batch's size, what rendering
        `messages` (claimed rows, their `patient` loaded) at `now` (aware) needs."""
        from navigation.models import Appointment
        from patients.models import Contact

        lookups = cls(now=now)
        phones = {m.to for m in messages if m.channel == Message.Channel.SMS}
        if phones:
            lookups.opted_out = set(
                SmsOptOut.objects.filter(phone__in=phones).values_list("phone", flat=True)
            )
        reminders = [m for m in messages if m.template == "reminder" and m.patient_id]
        if not reminders:
            return lookups
        patients = {m.patient_id: m.patient for m in reminders}
        contact_ids = {m.payload["contact"] for m in reminders if "contact" in m.payload}
        if contact_ids:
            lookups.contacts = Contact.objects.filter(pk__in=contact_ids, gets_texts=True).in_bulk()
        visits: dict[int, list] = defaultdict(list)
        for visit in (
            Appointment.objects.filter(patient_id__in=patients, start__gt=now)
            .exclude(status=Appointment.Status.CANCELLED)
            .select_related("location")
            .order_by("start", "id")
        ):
            visits[visit.patient_id].append(visit)
        lookups.visits = dict(visits)
        lookups.links = patient_links(patients=list(patients.values()), now=now)
        earliest = min(m.send_after for m in reminders)
        for row in (
            Message.objects.filter(
                template="reminder", patient_id__in=patients, to__in={m.to for m in reminders}
            )
            .filter(
                Q(status__in=LIVE, send_after__gt=earliest, send_after__lte=now)
                | Q(status=Message.Status.SENT, sent_at__gte=now - DAY_LOOKBACK)
            )
            .values_list("id", "patient_id", "to", "send_after", "status", "sent_at")
        ):
            pk, patient_id, to, send_after, status, sent_at = row
            lookups.reminders.setdefault((patient_id, to), {})[pk] = ReminderRow(
                pk, send_after, status, sent_at
            )
        return lookups

    def record(self, message: Message, *, outcome: str) -> None:
        """What a row of the batch became (`services.messages_send`'s outcome), so the rows
        after it in the batch see it: sent, or no longer due now (dropped, postponed, to
        be retried later, failed)."""
        if message.template != "reminder":
            return
        rows = self.reminders.setdefault((message.patient_id, message.to), {})
        if outcome == "sent":
            rows[message.pk] = ReminderRow(
                message.pk, message.send_after, Message.Status.SENT, self.now
            )
        else:
            rows.pop(message.pk, None)

    def other_reminders(self, message: Message) -> list[ReminderRow]:
        """The other reminder rows to `message`'s patient and number."""
        rows = self.reminders.get((message.patient_id, message.to), {})
        return [row for pk, row in rows.items() if pk != message.pk]


def patient_links(*, patients: list, now: datetime) -> dict[int, str]:
    """Each patient's short private link (URL) to their plan, by patient id: one valid for
    more than `LINK_MARGIN` after `now` is reused (the latest expiring), otherwise a new
    one valid `PATIENT_LINK_DAYS` days is written; two queries whatever the count."""
    best: dict[int, str] = {}
    for patient_id, code in (
        PatientLink.objects.filter(
            patient_id__in=[p.pk for p in patients], expires_at__gt=now + LINK_MARGIN
        )
        .order_by("patient_id", "-expires_at", "-id")
        .values_list("patient_id", "code")
    ):
        best.setdefault(patient_id, code)
    missing = [
        PatientLink(
            patient=patient,
            code=secrets.token_urlsafe(8)[:10],
            expires_at=now + timedelta(days=settings.PATIENT_LINK_DAYS),
        )
        for patient in patients
        if patient.pk not in best
    ]
    for link in PatientLink.objects.bulk_create(missing):
        best[link.patient_id] = link.code
    return {patient_id: f"{settings.SITE_URL}/p/{code}" for patient_id, code in best.items()}
