"""Replies and keywords texted in by patients (PRODUCT.md, workflow 6).

Opt-out words withdraw consent at once and get one confirmation; START, UNSTOP and YES
restore it; HELP and INFO answer with the center's phone; C confirms the next visit; R
asks a navigator to reschedule; CANCEL opts out, as the law requires, and also tells the
navigator the patient may want to cancel the visit. Replies go out through the outbox.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import pgettext_lazy

from notifications import sms_text
from notifications.models import Alert, Message, SmsOptOut
from notifications.outbox import alert_navigators, message_enqueue
from web.patient_requests import patient_request_create

# Carrier keywords (Twilio's defaults and CTIA's): matched in every language.
OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
OPT_IN = {"START", "UNSTOP", "YES"}
HELP = {"HELP", "INFO"}
KINDS = ("opt_out", "cancel", "opt_in", "help", "confirm", "reschedule")


def _words(translated) -> list[str]:
    """A translated list of keywords or phrases: `|`-separated, each normalised."""
    return [_normal(w) for w in str(translated).split("|") if _normal(w)]


@functools.cache
def _vocabulary(languages: tuple[str, ...]) -> dict[str, object]:
    """Keywords and phrases of every supported language (their translations live in
    locale/<language>/LC_MESSAGES/django.po; this is the English text of each list)."""
    keywords = {word: "opt_out" for word in OPT_OUT} | {"CANCEL": "cancel"}
    keywords |= {word: "opt_in" for word in OPT_IN} | {word: "help" for word in HELP}
    keywords |= {"C": "confirm", "R": "reschedule"}
    refusals, negations, courtesy, cancel_visit = set(), set(), set(), set()
    confirmations, reschedules = set(), set()
    for language in languages:
        with translation.override(language):
            lists = {
                "opt_out": _words(
                    pgettext_lazy("sms keywords: stop texts", "STOP|STOP ALL|OPT OUT")
                ),
                "cancel": _words(pgettext_lazy("sms keywords: cancel", "CANCEL")),
                "opt_in": _words(pgettext_lazy("sms keywords: start texts", "START|UNSTOP|YES")),
                "help": _words(pgettext_lazy("sms keywords: help", "HELP|INFO")),
                "confirm": _words(pgettext_lazy("sms keywords: confirm", "C|CONFIRM|CONFIRMED")),
                "reschedule": _words(pgettext_lazy("sms keywords: reschedule", "R|RESCHEDULE")),
            }
            for kind, words in lists.items():
                for word in words:
                    keywords.setdefault(word, kind)
            refusals.update(
                _words(
                    pgettext_lazy(
                        "sms phrases: refusal",
                        "STOP TEXTING|STOP MESSAGING|STOP SENDING|STOP THE TEXTS|STOP THESE"
                        "|NO MORE TEXTS|NO MORE MESSAGES|NO MORE REMINDERS|DONT TEXT|DO NOT TEXT"
                        "|DONT MESSAGE|DO NOT MESSAGE|DONT CONTACT|DO NOT CONTACT|LEAVE ME ALONE"
                        "|REMOVE ME|TAKE ME OFF|UNSUBSCRIBE|OPT OUT|OPT ME OUT|WRONG NUMBER"
                        "|DONT WANT THESE|DO NOT WANT THESE|DONT WANT ANY MORE|DONT WANT TEXTS"
                        "|DO NOT WANT TEXTS|NOT INTERESTED|QUIT TEXTING",
                    )
                )
            )
            negations.update(
                _words(
                    pgettext_lazy(
                        "sms phrases: negated refusal",
                        "DONT STOP|DO NOT STOP|NEVER STOP|KEEP SENDING|KEEP TEXTING"
                        "|KEEP THE TEXTS|DONT UNSUBSCRIBE|DO NOT UNSUBSCRIBE|DONT REMOVE ME"
                        "|DO NOT REMOVE ME|DONT TAKE ME OFF|DO NOT TAKE ME OFF|NOT STOP"
                        "|DONT WANT TO STOP|DO NOT WANT TO STOP|NOT UNSUBSCRIBE",
                    )
                )
            )
            courtesy.update(
                _words(
                    pgettext_lazy(
                        "sms phrases: courtesy",
                        "PLEASE|PLS|PLZ|THANK YOU|THANKS|THANK U|THX|TY|OK|OKAY|SIR|MAAM"
                        "|HI|HELLO|NOW",
                    )
                )
            )
            cancel_visit.update(
                _words(
                    pgettext_lazy(
                        "sms phrases: cancel or move a visit",
                        "CANCEL MY|CANCEL THE APPOINTMENT|CANCEL THE VISIT|CANCEL APPOINTMENT"
                        "|CANCEL VISIT|CANT MAKE IT|CANNOT MAKE IT|CANCEL IT",
                    )
                )
            )
            confirmations.update(
                _words(
                    pgettext_lazy(
                        "sms phrases: confirm",
                        "I CONFIRM|CONFIRMED|ILL BE THERE|I WILL BE THERE|WILL BE THERE"
                        "|SEE YOU THEN|SEE YOU THERE|WE WILL BE THERE|WELL BE THERE",
                    )
                )
            )
            reschedules.update(
                _words(
                    pgettext_lazy(
                        "sms phrases: reschedule",
                        "RESCHEDULE|CHANGE MY APPOINTMENT|CHANGE THE APPOINTMENT|ANOTHER TIME"
                        "|ANOTHER DAY|DIFFERENT TIME|DIFFERENT DAY|NEW TIME|MOVE MY APPOINTMENT",
                    )
                )
            )
    return {
        "keywords": keywords,
        "refusals": refusals,
        "negations": negations,
        "courtesy": sorted(courtesy, key=len, reverse=True),
        "cancel_visit": cancel_visit,
        "confirmations": confirmations,
        "reschedules": reschedules,
    }


def _normal(text: str) -> str:
    """Upper case, no accents, no apostrophes, punctuation as spaces, single spaces:
    "Don't stop, ¡Gracias!" -> "DONT STOP GRACIAS"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’`´]", "", text.upper())
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", text).split())


def _has(text: str, phrases) -> bool:
    padded = f" {text} "
    return any(f" {phrase} " in padded for phrase in phrases)


def classify(body: str) -> str:
    """What a text means, in any supported language: "opt_out", "cancel" (opt out, and the
    navigator is told), "opt_in", "help", "confirm", "reschedule" or "unknown".

    A carrier keyword (Twilio's and CTIA's: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
    REVOKE, OPTOUT; START, UNSTOP, YES; HELP, INFO), or one of PRODUCT.md's C and R, counts
    when it is the whole message once punctuation and courtesy words are set aside ("Stop.
    Thank you"). A refusal in plain words opts out ("please stop texting me"), unless it is
    negated ("please don't stop sending me these reminders"). Asking to cancel a visit in
    words is a reschedule request (a navigator calls), not an opt-out. The examples are
    data: tests/notifications/replies.csv."""
    vocabulary = _vocabulary(tuple(code for code, _ in settings.LANGUAGES))
    text = _normal(body)
    bare = f" {text} "
    for phrase in vocabulary["courtesy"]:
        bare = bare.replace(f" {phrase} ", " ")
    bare = " ".join(bare.split())
    kind = vocabulary["keywords"].get(bare.replace(" ", "")) or vocabulary["keywords"].get(bare)
    if kind:
        return kind
    if _has(text, vocabulary["negations"]):
        return "unknown"
    if _has(text, vocabulary["cancel_visit"]):
        return "reschedule"
    if _has(text, vocabulary["refusals"]):
        return "opt_out"
    if _has(text, vocabulary["reschedules"]):
        return "reschedule"
    if _has(text, vocabulary["confirmations"]):
        return "confirm"
    return "unknown"


def _reply(patient, sid: str, template: str, *, language: str, to: str, **context) -> Message:
    text = sms_text.render(
        template,
        {
            "center": sms_text.clip(settings.CENTER_NAME, sms_text.CENTER_LIMIT),
            "phone": settings.CENTER_PHONE,
            **context,
        },
        language=language,
    )
    return message_enqueue(
        channel=Message.Channel.SMS,
        to=to,
        patient=patient,
        template=f"reply_{template}",
        payload={"text": text},
        idempotency_key=f"reply:{sid}",
    )


def _mrns(patients) -> str:
    return ", ".join(p.mrn for p in patients)


@transaction.atomic
def sms_received(*, sender: str, body: str, sid: str, now: datetime) -> str:
    """Act on one inbound text from `sender` (E.164); return what it was taken as. A
    provider retry of the same message (same sid) changes nothing more.

    The number may be shared (a family phone): opt-out and opt-in words act on the number,
    so on everyone using it; C and R act on the one patient with upcoming visits, and when
    several have some, the navigator is asked (an alert naming them) and the sender is told
    a navigator will call: a reply is never guessed onto one patient's visit."""
    from navigation.models import Appointment
    from notifications.consent import (
        language_of_phone,
        people_on_phone,
        phone_opt_in,
        phone_opt_out,
    )
    from notifications.services import short_when

    people = people_on_phone(phone=sender, lock=True)
    if not people:
        return "unknown_sender"
    if Message.objects.filter(idempotency_key=f"reply:{sid}").exists():
        return "duplicate"
    first = people[0]
    language = language_of_phone(phone=sender, patients=people)
    kind = classify(body)
    upcoming = {
        patient: Appointment.objects.filter(
            patient=patient, start__gt=now, status=Appointment.Status.BOOKED
        ).order_by("start")
        for patient in people
    }
    with_visits = [patient for patient, visits in upcoming.items() if visits.exists()]
    if kind in ("opt_out", "cancel"):
        if phone_opt_out(phone=sender, now=now, source=SmsOptOut.Source.KEYWORD):
            _reply(first, sid, "opted_out", to=sender, language=language)
        if kind == "cancel":
            alert_navigators(
                kind=Alert.Kind.PATIENT_REPLY,
                patient=first if len(people) == 1 else None,
                text=f"Patient {_mrns(people)} texted CANCEL: texts stopped; they may "
                f"want to cancel their visit. Please call them.",
                dedupe_key=f"sms:{sid}",
            )
    elif kind == "opt_in":
        phone_opt_in(phone=sender, now=now)
        _reply(first, sid, "opted_in", to=sender, language=language)
    elif kind == "help":
        _reply(first, sid, "help", to=sender, language=language)
    elif kind in ("confirm", "reschedule") and len(with_visits) > 1:
        alert_navigators(
            kind=Alert.Kind.PATIENT_REPLY,
            text=f"A phone shared by patients {_mrns(with_visits)} texted "
            f"{'C (confirm)' if kind == 'confirm' else 'R (reschedule)'}: whose visit is "
            "meant? Please call them.",
            dedupe_key=f"sms:{sid}",
        )
        _reply(first, sid, "shared_phone", to=sender, language=language)
    elif kind == "confirm":
        visit = upcoming[with_visits[0]].first() if with_visits else None
        if visit:
            patient = visit.patient
            zone = ZoneInfo(patient.time_zone)
            day = visit.start.astimezone(zone).date()
            same_day = [a.pk for a in upcoming[patient] if a.start.astimezone(zone).date() == day]
            Appointment.objects.filter(pk__in=same_day).update(patient_confirmed_at=now)
            _reply(
                patient,
                sid,
                "confirmed",
                to=sender,
                language=language,
                when=short_when(visit.start, zone, language),
            )
        else:
            _reply(first, sid, "help", to=sender, language=language)
    elif kind == "reschedule":
        patient = with_visits[0] if with_visits else first
        alert_navigators(
            kind=Alert.Kind.PATIENT_REPLY,
            patient=patient,
            text=f"Patient {patient.mrn} asks to reschedule their next visit.",
            dedupe_key=f"sms:{sid}",
        )
        patient_request_create(patient=patient, source="sms", now=now)
        _reply(patient, sid, "reschedule_requested", to=sender, language=language)
    else:
        alert_navigators(
            kind=Alert.Kind.PATIENT_REPLY,
            patient=first if len(people) == 1 else None,
            text=f"Patient {_mrns(people)} sent a text we could not read; please call them.",
            dedupe_key=f"sms:{sid}",
        )
        _reply(first, sid, "unknown", to=sender, language=language)
    return kind


STATUS_MAP = {
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "sent": "sent",
    "queued": "queued",
    "sending": "sending",
}


def delivery_status(*, sid: str, status: str) -> bool:
    """A provider's delivery callback: record it on the outbox row; True when found."""
    return bool(
        Message.objects.filter(provider_id=sid).update(
            provider_status=STATUS_MAP.get(status, status)[:24]
        )
    )
