"""Writes (and engine-backed searches) for navigation, by concept:

- `booking`: what every booking path shares (the rule check against `navigation.checker`,
  calendar locks, clash naming, history, the referral's one live consult);
- `consults`: the 72-hour consult's slots and the no-slot flag;
- `itineraries`: same-day plans, searched and booked with one rule checker;
- `holds`: time kept for a patient while the navigator is on the phone;
- `appointments`: one visit booked, moved, cancelled, or its status changed;
- `watch`: the periodic jobs that turn time into alerts.

Double bookings are refused by PostgreSQL's exclusion constraints; these functions turn
a violation into a Conflict that names the clash, and write every booking, change and
cancel's messages through the outbox in the same transaction.
"""

from navigation.services.appointments import (
    STATUS_MOVES,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
    clinician_feed_rotate,
)
from navigation.services.booking import (
    GRID_MINUTES,
    PlanRules,
    VisitRequest,
    grid_ceil,
    lock_calendars,
    visit_minutes,
    visit_types,
    visits_minutes,
)
from navigation.services.consults import ConsultOptions, consult_options, referral_slot_check
from navigation.services.holds import hold_confirm, hold_release, holds_expire, itinerary_hold
from navigation.services.itineraries import (
    CheckedOption,
    ItinerarySearch,
    PlanSearchResult,
    itinerary_book,
    itinerary_search,
    reschedule_times,
)
from navigation.services.oncall import (
    on_call,
    on_call_now,
    oncall_assessment,
    oncall_assessment_book,
)
from navigation.services.watch import consult_slot_watch, deadline_watch

__all__ = [
    "GRID_MINUTES",
    "STATUS_MOVES",
    "CheckedOption",
    "ConsultOptions",
    "ItinerarySearch",
    "PlanRules",
    "PlanSearchResult",
    "VisitRequest",
    "appointment_book",
    "appointment_cancel",
    "appointment_reschedule",
    "appointment_set_status",
    "clinician_feed_rotate",
    "consult_options",
    "consult_slot_watch",
    "on_call",
    "on_call_now",
    "oncall_assessment",
    "oncall_assessment_book",
    "deadline_watch",
    "grid_ceil",
    "hold_confirm",
    "hold_release",
    "holds_expire",
    "itinerary_book",
    "itinerary_hold",
    "itinerary_search",
    "lock_calendars",
    "referral_slot_check",
    "reschedule_times",
    "visit_minutes",
    "visit_types",
    "visits_minutes",
]
