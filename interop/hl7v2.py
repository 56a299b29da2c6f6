"""HL7 v2.5.1 SIU (scheduling information unsolicited) messages for our appointments.

Built as ER7 text and checked by parsing it back with python-hl7 (`hl7`), which also
escapes every value (| ^ ~ \\ &). One message per change of one visit:

| change        | event | SCH-25 filler status | RGS/AIx action |
| ------------- | ----- | -------------------- | -------------- |
| booked        | S12   | Booked               | A (add)        |
| rescheduled   | S13   | Booked               | U (update)     |
| checked_in    | S14   | Booked (SCH-6 ARRIVED)| U             |
| completed     | S14   | Complete             | U              |
| cancelled     | S15   | Cancelled            | (none)         |
| no_show       | S26   | Noshow               | (none)         |

Source: HL7 v2.5.1 chapter 10 (Scheduling), tables 0003 (event type), 0206 (segment
action code) and 0278 (filler status codes). Segments: MSH, SCH, TQ1, PID, RGS, AIS (the
visit's specialty as the service), AIL (the location), AIP (the clinician). AIG (general
resources) is left out: we schedule no resources but people and places.

No diagnosis and no clinical detail travel: the service is the specialty, nothing else.
Times are in UTC with an explicit +0000 offset.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import hl7

SENDING_APPLICATION = "TUMORBOARD"
VERSION = "2.5.1"
# change -> (trigger event, SCH-25 filler status, segment action code)
EVENTS = {
    "booked": ("S12", "Booked", "A"),
    "rescheduled": ("S13", "Booked", "U"),
    "checked_in": ("S14", "Booked", "U"),
    "completed": ("S14", "Complete", "U"),
    "cancelled": ("S15", "Cancelled", ""),
    "no_show": ("S26", "Noshow", ""),
}
# Our changes that arrive under another name (navigation's status moves).
CHANGE_ALIASES = {"status:checked_in": "checked_in", "status:completed": "completed"}
CHANGE_ALIASES |= {"status:no_show": "no_show", "arrived": "checked_in", "noshow": "no_show"}
STATUS_FOR_EVENT_REASON = {"checked_in": "ARRIVED^Patient arrived^L"}


def event_for(change: str) -> str | None:
    """The SIU trigger event (S12...) for one of our changes, or None for a change that
    sends none."""
    change = CHANGE_ALIASES.get(change, change)
    return EVENTS[change][0] if change in EVENTS else None


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")


def _e(value) -> str:
    """One component's value, escaped for ER7."""
    return hl7.Message(separator="\r", separators="\r|~^&").escape(str(value or ""))


def siu_message(
    *,
    appointment,
    change: str,
    control_id: str | None = None,
    receiving_application: str = "",
    receiving_facility: str = "",
    sending_facility: str = "",
    now: datetime,
) -> str:
    """The SIU message for `change` of `appointment` (a navigation Appointment with its
    patient, clinician and location loaded) as ER7 text, segments ending in CR.

    `control_id` (MSH-10) is what the receiver de-duplicates on: keep it for every retry
    of the same message. Raises KeyError for a change that sends no SIU (see EVENTS)."""
    change = CHANGE_ALIASES.get(change, change)
    event, filler_status, action = EVENTS[change]
    control_id = control_id or uuid.uuid4().hex[:20]
    patient, clinician, location = appointment.patient, appointment.clinician, appointment.location
    minutes = int((appointment.end - appointment.start).total_seconds() // 60)
    start = _ts(appointment.start)
    specialty = appointment.specialty
    specialty_label = specialty.replace("_", " ").capitalize()
    visit_type = appointment.visit_type.name if getattr(appointment, "visit_type", None) else ""
    segments = [
        "|".join(
            [
                "MSH",
                "^~\\&",
                SENDING_APPLICATION,
                _e(sending_facility),
                _e(receiving_application),
                _e(receiving_facility),
                _ts(now),
                "",
                f"SIU^{event}^SIU_S12",
                _e(control_id),
                "P",
                VERSION,
            ]
        ),
        "|".join(
            [
                "SCH",
                "",  # SCH-1 placer appointment id: the EHR's, we have none
                f"{appointment.uid}^{SENDING_APPLICATION}",  # SCH-2 filler appointment id
                "",
                "",
                "",
                STATUS_FOR_EVENT_REASON.get(change, ""),  # SCH-6 event reason
                "",  # SCH-7 appointment reason: never the clinical picture
                f"{_e(specialty)}^{_e(visit_type or specialty_label)}^L",  # SCH-8 type
                str(minutes),  # SCH-9 duration (also in TQ1)
                "min",
                f"^^{minutes}^{start}^{_ts(appointment.end)}",  # SCH-11 (deprecated; TQ1)
                *[""] * 13,  # SCH-12 .. SCH-24
                filler_status,  # SCH-25 filler status code (table 0278)
                (
                    f"{appointment.referral_id}^{SENDING_APPLICATION}"
                    if appointment.referral_id
                    else ""
                ),  # SCH-26 placer order number: the referral
            ]
        ),
        f"TQ1|1||||||{start}|{_ts(appointment.end)}",
        "|".join(
            [
                "PID",
                "1",
                "",
                f"{_e(patient.mrn)}^^^{SENDING_APPLICATION}^MR",
                "",
                f"{_e(patient.last_name)}^{_e(patient.first_name)}",
                "",
                patient.birth_date.strftime("%Y%m%d"),
            ]
        ),
        f"RGS|1|{action}",
        f"AIS|1|{action}|{_e(specialty)}^{_e(specialty_label)}^L|{start}|||{minutes}|min||"
        f"{filler_status}",
        f"AIL|1|{action}|^^^{_e(location.name)}|||{start}|||{minutes}|min||{filler_status}",
        f"AIP|1|{action}|{clinician.pk}^{_e(clinician.name)}|{_e(specialty)}^"
        f"{_e(specialty_label)}^L||{start}|||{minutes}|min||{filler_status}",
    ]
    text = "\r".join(segments) + "\r"
    hl7.parse(text)  # our own output must read back as HL7
    return text


def ack_code(ack: hl7.Message) -> tuple[str, str]:
    """MSA-1 (AA, AE, AR, or the enhanced CA, CE, CR) and the receiver's text (MSA-3 or
    ERR), from an ACK already parsed."""
    try:
        msa = ack.segment("MSA")
    except KeyError:
        return "", "the reply has no MSA segment"
    code = str(msa[1]).strip() if len(msa) > 1 else ""
    text = str(msa[3]).strip() if len(msa) > 3 else ""
    return code, text
