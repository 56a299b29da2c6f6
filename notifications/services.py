"""Sending the outbox: claim a row idempotently, render it from the current state of the
visit, hand it to its channel, record the outcome. And keeping reminder rows in step with
a patient's visits.

A row is claimed with a conditional UPDATE (pending -> sending); only the winner sends, so
a task delivered twice, or two dispatchers, never send a message twice. A worker killed
mid-send leaves its row in `sending`; the dispatcher gives it back after a lease.
"""

from __future__ import annotations

import logging
import random
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Case, CharField, F, Q, Value, When
from django.template.loader import render_to_string
from django.utils import timezone

from notifications import invites, reminders, sms_text
from notifications.channels import Content, DeliveryError, channel_for
from notifications.lookups import LIVE, SendLookups, patient_links
from notifications.models import Alert, Message, SmsOptOut
from notifications.outbox import alert_navigators, message_enqueue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=5)
BATCH = 500


class Drop(Exception):
    """The message no longer makes sense (visit cancelled or moved, consent withdrawn)."""


class Postpone(Exception):
    """Not now (quiet hours): send at `until` instead."""

    def __init__(self, until: datetime):
        super().__init__(f"quiet hours: postponed to {until.isoformat()}")
        self.until = until


# --- sending ---------------------------------------------------------------------------


def message_send(*, message_id: int, now: datetime | None = None) -> str:
    """Send one outbox row if this call wins its claim; return what happened."""
    return messages_send(ids=[message_id], now=now).get(message_id, "not claimed")


def messages_send(*, ids: list[int], now: datetime | None = None) -> dict[int, str]:
    """Send a batch of outbox rows: claim the due, pending ones among `ids` in one short
    transaction (SKIP LOCKED: a row another worker holds is left to it), send each,
    record the outcomes; return what happened to each claimed id. What rendering the rows
    reads (opt-outs, contacts, visits, links, the reminder cap) is read once for the batch.

    Each outcome is written as soon as it happens, a sent row right after the provider took
    it: a worker killed mid-batch leaves in `sending` only the rows it had in flight (one
    for email; `Channel.concurrent_sends` for a channel that can be asked), and the
    dispatcher's recovery asks the provider whether they went out before sending them
    again (email cannot be asked: that one row is the most that can go twice)."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = list(
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("patient")
            .filter(pk__in=ids, status=Message.Status.PENDING, send_after__lte=now)
            .order_by("id")
        )
        Message.objects.filter(pk__in=[m.pk for m in claimed]).update(
            status=Message.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
        )
    if not claimed:
        return {}
    try:
        lookups = SendLookups.load(claimed, now=now)
    except DatabaseError:
        raise
    except Exception:  # bad data in one row's payload: each row reads its own instead
        log.exception("batch look-ups failed; rows are rendered one by one")
        lookups = None
    try:
        with _Deliveries(now, lookups) as deliveries:
            for message in claimed:
                message.attempts += 1
                content = _prepare(message, now, lookups, deliveries)
                if content is not None:
                    deliveries.send(message, content)
    finally:  # a channel may keep one connection for the batch (MLLP)
        for name in {m.channel for m in claimed}:
            channel_for(name).close()
    return deliveries.outcomes


def _prepare(
    message: Message, now: datetime, lookups: SendLookups | None, deliveries: _Deliveries
) -> Content | None:
    """One claimed row rendered from the current state of its visit; None when it is not
    to be sent now (its outcome recorded). Any error stays with this row."""
    try:
        return render(message, now=now, lookups=lookups)
    except Drop as reason:
        _finish(message, status=Message.Status.CANCELLED, last_error=str(reason))
        deliveries.settled(message, "dropped")
    except Postpone as later:
        _finish(
            message,
            status=Message.Status.PENDING,
            send_after=later.until,
            enqueued_at=None,
            last_error=str(later),
        )
        deliveries.settled(message, "postponed")
    except DatabaseError:
        raise  # the database is away: the whole batch is retried
    except Exception:  # a bug or bad data in one row: it fails alone, visibly
        log.exception("message could not be rendered", extra={"message_id": message.pk})
        failure = DeliveryError("it could not be rendered", permanent=True)
        deliveries.settled(message, _failed(message, failure, now))
    return None


class _Deliveries:
    """A batch's rows handed to their channels. A channel that allows it
    (`Channel.concurrent_sends`, one whose `find_sent` can recover any send a dead worker
    left unrecorded) has several sends in flight, so the batch waits for the provider's
    round trips side by side rather than one after another; never two to the same number
    at once, so a number's texts keep their order. Every outcome is written from this
    thread as soon as it is known, the sent rows that finished together in one UPDATE."""

    def __init__(self, now: datetime, lookups: SendLookups | None):
        self.now, self.lookups = now, lookups
        self.outcomes: dict[int, str] = {}
        self.in_flight: dict[Future, Message] = {}
        self.pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> _Deliveries:
        return self

    def __exit__(self, kind, *_) -> None:
        try:
            if kind is None:
                while self.in_flight:
                    self._collect(wait(self.in_flight, return_when=FIRST_COMPLETED).done)
        finally:  # on an error, sends in flight finish; their rows are recovered later
            if self.pool is not None:
                self.pool.shutdown(wait=True)

    def settled(self, message: Message, outcome: str) -> None:
        self.outcomes[message.pk] = outcome
        if self.lookups is not None:
            self.lookups.record(message, outcome=outcome)

    def send(self, message: Message, content: Content) -> None:
        channel = channel_for(message.channel)
        if channel.concurrent_sends <= 1:
            future: Future = Future()
            try:
                future.set_result(_provider_send(channel, message, content))
            except Exception as exc:  # noqa: BLE001 - settled in _collect, as for the others
                future.set_exception(exc)
            self._collect([future], {future: message})
            return
        same_number = [f for f, m in self.in_flight.items() if m.to == message.to]
        if same_number:
            self._collect(wait(same_number).done)
        while len(self.in_flight) >= channel.concurrent_sends:
            self._collect(wait(self.in_flight, return_when=FIRST_COMPLETED).done)
        if self.pool is None:
            self.pool = ThreadPoolExecutor(channel.concurrent_sends, "send")
        self.in_flight[self.pool.submit(_provider_send, channel, message, content)] = message
        self._collect([f for f in self.in_flight if f.done()])

    def _collect(self, done, messages: dict[Future, Message] | None = None) -> None:
        """Record the outcomes of the finished sends `done`."""
        sent: list[tuple[Message, str]] = []
        for future in done:
            message = (messages or self.in_flight).pop(future)
            try:
                sent.append((message, future.result()))
            except DeliveryError as exc:
                self.settled(message, _failed(message, exc, self.now))
            except Exception as exc:  # a misconfigured backend, say: retried, then failed
                log.exception("channel error", extra={"message_id": message.pk})
                failure = DeliveryError(
                    f"the {message.channel} channel failed ({type(exc).__name__})",
                    permanent=False,
                )
                self.settled(message, _failed(message, failure, self.now))
        _record_sent(sent, self.now)
        for message, _ in sent:
            log.info("message sent", extra={"message_id": message.pk, "template": message.template})
            self.settled(message, "sent")


def _provider_send(channel, message: Message, content: Content) -> str:
    return channel.send(to=message.to, content=content, key=message.idempotency_key)


def _record_sent(sent: list[tuple[Message, str]], now: datetime) -> None:
    """Mark rows the provider took as sent, with its id for each. Only rows still `sending`
    (the dispatcher may have taken one back meanwhile: then it is recovered through the
    provider instead)."""
    if not sent:
        return
    Message.objects.filter(pk__in=[m.pk for m, _ in sent], status=Message.Status.SENDING).update(
        status=Message.Status.SENT,
        sent_at=now,
        last_error="",
        provider_id=Case(
            *(When(pk=m.pk, then=Value(provider_id)) for m, provider_id in sent),
            output_field=CharField(),
        ),
    )


def _finish(message: Message, **fields) -> None:
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(**fields)


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter: ~1, 2, 4, 8... minutes, capped at an hour."""
    ceiling = min(3600, 60 * 2 ** (attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311


def _failed(message: Message, exc: DeliveryError, now: datetime) -> str:
    if exc.opted_out:  # a STOP for the number (PRODUCT.md, "Rules settled": messages)
        from notifications.consent import phone_opt_out

        with transaction.atomic():
            _finish(message, status=Message.Status.CANCELLED, last_error=exc.reason[:300])
            if phone_opt_out(phone=message.to, now=now, source=SmsOptOut.Source.PROVIDER):
                alert_navigators(
                    kind=Alert.Kind.DELIVERY,
                    text="A patient's phone number has opted out of our texts at the carrier "
                    "(it replied STOP to our number): texts to it are off until it replies "
                    "START. Please reach them another way.",
                    dedupe_key=f"opted-out:{message.pk}",
                    patient=message.patient,
                )
        return "opted_out"
    if exc.permanent or message.attempts >= MAX_ATTEMPTS:
        _finish(message, status=Message.Status.FAILED, last_error=exc.reason[:300])
        alert_navigators(
            kind=Alert.Kind.DELIVERY,
            text=f"A {message.channel} message ({message.template}) could not be delivered: "
            f"{exc.reason}.",
            dedupe_key=f"failed:{message.pk}",
            patient=message.patient,
        )
        return "failed"
    _finish(
        message,
        status=Message.Status.PENDING,
        last_error=exc.reason[:300],
        send_after=now + backoff(message.attempts),
        enqueued_at=None,
    )
    return "retry"


def dispatch_due(*, now: datetime | None = None) -> list[int]:
    """Due rows not yet handed to a worker (or whose worker died): mark and return their
    ids for the caller to enqueue. SKIP LOCKED lets several dispatchers run at once."""
    now = now or timezone.now()
    stale = Message.objects.filter(
        status=Message.Status.SENDING, claimed_at__lt=now - LEASE
    ).values_list("id", flat=True)
    for message_id in list(stale):
        _recover(message_id, now)
    with transaction.atomic():
        ids = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=Message.Status.PENDING, send_after__lte=now)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - LEASE))
            .order_by("send_after", "id")
            .values_list("id", flat=True)[:BATCH]
        )
        Message.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids


def _recover(message_id: int, now: datetime) -> str:
    """A worker died while sending row `message_id`: if the provider has the message,
    record it as sent; otherwise give it back to be sent again. Each row is recovered on
    its own: one that is locked by another dispatcher is skipped (SKIP LOCKED), one that
    cannot be rendered or asked about is given back to be sent (and fails there, visibly,
    alone), and neither stops the others. Returns what was done."""
    try:
        with transaction.atomic():
            message = (
                Message.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("patient")
                .filter(pk=message_id, status=Message.Status.SENDING, claimed_at__lt=now - LEASE)
                .first()
            )
            if message is None:
                return "skipped"
            try:
                content = render(message, now=now, policy=False)
                provider_id = channel_for(message.channel).find_sent(
                    to=message.to, body=content.body, since=message.claimed_at
                )
            except DatabaseError:
                raise
            except Exception:  # noqa: BLE001 - Drop, a render error, a provider error
                provider_id = None
            if provider_id:
                # It went out between the claim and the lease: the claim is the closer time.
                _finish(
                    message,
                    status=Message.Status.SENT,
                    provider_id=provider_id,
                    sent_at=message.claimed_at,
                )
                return "sent"
            _finish(message, status=Message.Status.PENDING, enqueued_at=None)
            return "pending"
    except DatabaseError:
        log.exception("a stale message could not be recovered", extra={"message_id": message_id})
        return "error"


# --- rendering at send time -------------------------------------------------------------


def render(
    message: Message, *, now: datetime, policy: bool = True, lookups: SendLookups | None = None
) -> Content:
    """The message as it would be sent now; `policy=False` skips the reminder timing rules
    (to recognise a text the provider already took). `lookups` is what its batch read
    (`SendLookups.load`); without it the row reads its own, the same way.

    Raises Drop when the message no longer makes sense, Postpone when not now."""
    if lookups is None:
        lookups = SendLookups.load([message], now=now)
    if (
        message.channel == Message.Channel.SMS
        and not message.template.startswith("reply_")
        and message.to in lookups.opted_out
    ):
        raise Drop("the number opted out of texts")
    if "content" in message.payload:  # written by the app that wanted it sent
        return _written(message.payload["content"])
    if message.template.startswith("invite_"):
        return _render_invite(message, now)
    if message.template == "reminder":
        return _render_reminder(message, now, policy, lookups)
    if message.template == "emergency_page":
        return _render_page(message)
    return Content(body=message.payload["text"])


def _written(content: dict) -> Content:
    """A message handed over already written (outbox.message_enqueue's `content`)."""
    return Content(
        subject=content.get("subject", ""),
        body=content["body"],
        attachments=tuple(
            (item["name"], item["text"].encode(), item["mimetype"])
            for item in content.get("attachments", ())
        ),
    )


def _render_page(message: Message) -> Content:
    from patients.models import Referral

    referral = Referral.objects.filter(pk=message.payload["referral"]).first()
    if referral is None or referral.status != Referral.Status.OPEN:
        raise Drop("the referral is no longer open")
    booked = referral.appointments.filter(is_consult=True).exclude(status="cancelled")
    if referral.consult_at is not None or booked.exists():  # a no-show too: it was handled
        raise Drop("the consult is booked: the emergency no longer needs anyone paged")
    context = {
        "due": timezone.localtime(referral.consult_due_at).strftime("%a %d %b %H:%M"),
        "link": f"{settings.SITE_URL}/referrals/{referral.pk}/",
        "center": settings.CENTER_NAME,
    }
    return Content(
        subject=render_to_string("email/emergency_page_subject.txt", context).strip(),
        body=render_to_string("email/emergency_page.txt", context),
    )


def _render_invite(message: Message, now: datetime) -> Content:
    """The emailed invite (REQUEST, or CANCEL) in the patient's language. A visit of a
    same-day plan says which of the day's visits it is ("visit 2 of 3, Tuesday") and its
    text part carries the whole day's plan; calendar clients act on one event per message,
    so each visit has its own email, and they are written in the same transaction."""
    from django.utils import dateformat
    from django.utils.translation import override, pgettext

    from navigation.models import Appointment

    appointment = (
        Appointment.objects.select_related("patient", "location")
        .filter(pk=message.payload["appointment"])
        .first()
    )
    if appointment is None or appointment.sequence != message.payload["sequence"]:
        raise Drop("the visit changed again; a newer invite replaces this one")
    if appointment.end <= message.created_at:
        raise Drop("the visit was over before the invite was written (history recorded late)")
    from patients.models import Contact

    patient = appointment.patient
    recipient = patient
    if "contact" in message.payload:
        recipient = Contact.objects.filter(pk=message.payload["contact"], gets_invites=True).first()
        if recipient is None:
            raise Drop("the contact was removed or no longer gets invites")
    with override(recipient.preferred_language):
        invite = invites.visit_invite(
            appointment, now=now, method="REQUEST", attendee=(message.to, recipient.first_name)
        )
        method = invites.method_of(invite)
        zone = ZoneInfo(appointment.location.time_zone)
        local = appointment.start.astimezone(zone)
        when = dateformat.format(local, pgettext("email time", "l j F Y, g:i A"))
        clock = pgettext("page time", "g:i A")
        of_day = None
        day_visits = [
            a
            for a in Appointment.objects.filter(
                patient=patient,
                status=Appointment.Status.BOOKED,
                start__gte=local - timedelta(days=1),
                start__lt=local + timedelta(days=1),
            )
            .select_related("location")
            .order_by("start")
            if a.start.astimezone(zone).date() == local.date()
        ]
        if method != "CANCEL" and len(day_visits) > 1 and appointment in day_visits:
            of_day = {
                "number": day_visits.index(appointment) + 1,
                "count": len(day_visits),
                "day": dateformat.format(local, "l"),
                "plan": [
                    {
                        "when": dateformat.time_format(a.start.astimezone(zone), clock),
                        "what": invites.visit_label(a),
                        "place": a.location.name,
                    }
                    for a in day_visits
                ],
            }
        context = {
            "first_name": recipient.first_name,
            "when": when,
            "place": appointment.location,
            "link": patient_link(patient, now),
            "center": settings.CENTER_NAME,
            "phone": settings.CENTER_PHONE,
            "of_day": of_day,
        }
        kind = "cancel" if method == "CANCEL" else "request"
        subject = render_to_string(f"email/invite_{kind}_subject.txt", context).strip()
        body = render_to_string(f"email/invite_{kind}.txt", context)
    return Content(
        subject=subject,
        body=body,
        attachments=(("invite.ics", invite, f"text/calendar; method={method}"),),
    )


def _render_reminder(
    message: Message, now: datetime, policy: bool, lookups: SendLookups
) -> Content:
    """A reminder to the patient, or to a contact of theirs (payload "contact"): in the
    recipient's language and time zone, greeting the recipient; never a diagnosis."""
    patient = message.patient
    recipient = patient
    if "contact" in message.payload:
        recipient = lookups.contacts.get(message.payload["contact"])
        if recipient is None:
            raise Drop("the contact was removed or no longer gets texts")
    if not recipient.sms_consent:
        raise Drop("no SMS consent")
    zone = ZoneInfo(recipient.time_zone)
    if policy:
        _check_reminder_moment(message, now, zone, lookups)
    days = set(message.payload["days"])
    visits = [
        a
        for a in lookups.visits.get(patient.pk, [])
        if a.start.astimezone(zone).date().isoformat() in days
    ]
    if not visits:
        raise Drop("every visit it reminded of was cancelled, moved or has started")
    return Content(
        body=reminder_text(
            recipient,
            visits,
            zone,
            lookups.links[patient.pk],
            language=recipient.preferred_language,
        )
    )


def _check_reminder_moment(
    message: Message, now: datetime, zone: ZoneInfo, lookups: SendLookups
) -> None:
    """The policy again at send time, for a reminder sent late (workers were down): never in
    quiet hours, never when a later reminder is due too, never a second text in a day."""
    local = now.astimezone(zone)
    if not reminders.QUIET_END <= local.time() < reminders.QUIET_START:
        day = local.date() + timedelta(days=local.time() >= reminders.QUIET_START)
        raise Postpone(datetime.combine(day, reminders.QUIET_END, tzinfo=zone))
    others = lookups.other_reminders(message)
    if any(message.send_after < row.send_after <= now and row.status in LIVE for row in others):
        raise Drop("superseded by a later reminder that is due too")
    midnight = datetime.combine(local.date(), datetime.min.time(), tzinfo=zone)
    if any(
        row.status == Message.Status.SENT and row.sent_at and row.sent_at >= midnight
        for row in others
    ):
        raise Drop("the patient already had their one reminder text today")


def short_when(moment: datetime, zone: ZoneInfo, language: str | None = None) -> str:
    """Short local time for a text in `language` (the active one when None): "Mon 3/9
    8:05am" in English, "lun 9/3 8:05" in Spanish. The format is itself translated."""
    from django.utils import dateformat, translation

    with translation.override(language or translation.get_language()):
        # Translators: a date format (Django's `date` filter letters) for a short text.
        pattern = translation.pgettext("sms time", "D n/j g:iA")
        text = dateformat.format(moment.astimezone(zone), pattern)
    return text.replace("AM", "am").replace("PM", "pm")


def reminder_text(patient, visits, zone: ZoneInfo, link: str, *, language: str = "en") -> str:
    """One GSM-7 segment in `language`: first name, times, places, a link; never a
    diagnosis. The name is transliterated to GSM-7; when the text still does not fit, the
    places go, then the name; the time and the link always stay."""
    shown = visits[:2]
    context = {
        "first_name": sms_text.clip(patient.first_name, 20),
        "link": link,
        "when": short_when(visits[0].start, zone, language),
        "visits": [
            {
                "when": short_when(v.start, zone, language),
                "place": sms_text.clip(v.location.name, 24),
            }
            for v in shown
        ],
        "more": len(visits) - len(shown),
    }
    return sms_text.render_fitting(
        [
            ("reminder", context),
            ("reminder_short", context),
            ("reminder_short", {**context, "first_name": ""}),
        ],
        language=language,
    )


def patient_link(patient, now: datetime) -> str:
    """A short private link to the patient's plan, valid PATIENT_LINK_DAYS days."""
    return patient_links(patients=[patient], now=now)[patient.pk]


# --- reminders in step with the visits ---------------------------------------------------


def reminders_sync(*, patient, now: datetime, contacts: list | None = None) -> None:
    """Make the pending reminder rows match the policy for the patient's live visits, for
    the patient and for each contact the patient chose to get their texts (each with
    their own number, consent and time zone): a reschedule or cancel replaces what was
    planned; what was sent stays sent. `contacts`: the patient's contacts, when the
    caller has read them already (those with `gets_texts` are used)."""
    from navigation.models import Appointment

    recipients = [(patient, None)]
    if contacts is None:
        contacts = list(patient.contacts.filter(gets_texts=True))
    recipients += [(contact, contact) for contact in contacts if contact.gets_texts]
    # Booked visits only: held time is not a visit yet, a cancel or no-show not one. Not
    # read when nobody can be texted (what was planned is cancelled below all the same).
    visits = (
        list(
            Appointment.objects.filter(
                patient=patient, start__gt=now, status=Appointment.Status.BOOKED
            ).values_list("start", "visit_type__reminder_offsets_hours")
        )
        if any(person.sms_consent and person.phone for person, _ in recipients)
        else []
    )
    keys = set()
    for person, contact in recipients:
        if not (person.sms_consent and person.phone and visits):
            continue
        phone = str(person.phone)
        sent = Message.objects.filter(
            patient=patient,
            to=phone,
            template="reminder",
            status=Message.Status.SENT,
            sent_at__gt=now - timedelta(days=7),
        ).values_list("sent_at", flat=True)
        planned = reminders.plan_reminders(
            visit_starts=[start for start, _ in visits],
            time_zone=person.time_zone,
            now=now,
            already_sent=sent,
            offsets=[timedelta(hours=h) for h in settings.REMINDER_OFFSETS_HOURS],
            visit_offsets={
                start: [timedelta(hours=h) for h in hours] for start, hours in visits if hours
            },
            express_consent=patient.sms_express_consent and contact is None,
        )
        who = f"{patient.pk}:c{contact.pk}" if contact else f"{patient.pk}"
        for text in planned:
            days = sorted(day.isoformat() for day in text.days)
            key = f"reminder:{who}:{text.send_at:%Y%m%dT%H%MZ}:{','.join(days)}"
            keys.add(key)
            payload = {"days": days} | ({"contact": contact.pk} if contact else {})
            message = message_enqueue(
                channel=Message.Channel.SMS,
                to=phone,
                patient=patient,
                template="reminder",
                payload=payload,
                idempotency_key=key,
                send_after=text.send_at,
            )
            if message.status == Message.Status.CANCELLED:  # planned again (e.g. after START)
                Message.objects.filter(pk=message.pk).update(
                    status=Message.Status.PENDING, last_error="", enqueued_at=None
                )
    Message.objects.filter(
        patient=patient, template="reminder", status=Message.Status.PENDING
    ).exclude(idempotency_key__in=keys).update(
        status=Message.Status.CANCELLED, last_error="replaced: the visits changed"
    )
