"""`$hold` and `$book` of a `$find` proposal (IHE ITI-116 and ITI-117), on navigation's holds
and bookings: a hold keeps the proposal's visits for `HOLD_MINUTES` for the client that
asked, and `$book` by reference confirms it (`hold_confirm`) or books the visits at once
(`itinerary_book`). A proposal is booked once; errors name the proposal and its hold."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction

from interop.mapping import instant
from interop.models import Proposal, ProposalBooking
from interop.operations import PROPOSAL_MINUTES, proposal_visits
from interop.params import Invalid
from navigation.models import Appointment, Hold
from navigation.services import hold_confirm, hold_release, itinerary_book, itinerary_hold
from tumorboard.errors import Conflict, DomainError

FIELD = "appointment-reference"


def proposals_save(rows: list[Proposal]) -> None:
    """Store `$find`'s proposals. Outside a request's own transaction (a GET) they commit
    without waiting for the disk flush (PostgreSQL's `synchronous_commit` off for this
    transaction only): a proposal lives 15 minutes and another `$find` makes it again, so
    a crash losing the last moment's is harmless, and `$find` saves a flush per call."""
    own = not connection.in_atomic_block
    with transaction.atomic():
        if own:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        Proposal.objects.bulk_create(rows)


def proposals_forget(*, now: datetime) -> None:
    """Drop proposals a day past expiry that were never booked (a booked one is kept:
    its Appointments name it ever after). Done by `$hold` and `$book`, not by `$find`."""
    Proposal.objects.filter(expires_at__lt=now - timedelta(days=1), booked=[]).delete()


def _locked(proposal: Proposal) -> Proposal:
    locked = (
        Proposal.objects.select_for_update(of=("self",)).select_related("hold").get(pk=proposal.pk)
    )
    if locked.booked:
        raise Conflict(f"Appointment/{locked.pk}: this proposal was booked already.", field=FIELD)
    return locked


def _live(hold: Hold | None, now: datetime) -> bool:
    return hold is not None and hold.status == Hold.Status.ACTIVE and hold.expires_at > now


@transaction.atomic
def proposal_hold(*, proposal: Proposal, by, now: datetime) -> Hold:
    """Hold a proposal's visits for `by` (`settings.HOLD_MINUTES`), checked like a booking:
    409 naming what took the time since `$find`, or the other client's hold. Holding again
    what `by` holds already returns the same hold."""
    proposals_forget(now=now)
    proposal = _locked(proposal)
    if _live(proposal.hold, now):
        if proposal.hold.created_by_id == by.pk:
            return proposal.hold
        raise Conflict(
            f"Appointment/{proposal.pk} is held by another client until "
            f"{instant(proposal.hold.expires_at)} (hold {proposal.hold.pk}).",
            field=FIELD,
            code="held_by_another",
        )
    if proposal.expires_at <= now:
        raise Invalid(
            f"Appointment/{proposal.pk} is not a proposal of a recent $find (they last "
            f"{PROPOSAL_MINUTES} minutes); run $find again.",
            FIELD,
        )
    hold = itinerary_hold(
        patient=proposal.patient,
        visits=proposal_visits(proposal),
        by=by,
        now=now,
        referral=proposal.referral,
    )
    proposal.hold = hold
    proposal.save(update_fields=["hold"])
    return hold


def _about_the_hold(error: DomainError) -> bool:
    return error.code == "not_your_hold" or error.code.startswith("hold_")


def _hold_refused(proposal: Proposal, error: DomainError) -> Conflict:
    """navigation's refusal to confirm or release, said of the FHIR proposal and its hold."""
    hold = proposal.hold
    if error.code == "not_your_hold":
        text = f"is held by another client (hold {hold.pk}); only that client can book it"
    elif error.code == "hold_expired":
        text = (
            f"was held until {instant(hold.expires_at)} (hold {hold.pk}); the hold expired, "
            f"its time was freed and nothing was booked. Run $find again"
        )
    else:
        text = f"has no live hold (hold {hold.pk} is {hold.status}); nothing was booked"
    return Conflict(f"Appointment/{proposal.pk} {text}.", field=FIELD, code=error.code)


@transaction.atomic
def proposal_book(
    *, proposal: Proposal, by, now: datetime, visits=None, referral=None
) -> list[Appointment]:
    """Book a proposal whole: its hold confirmed when it has one (409 naming the hold when
    it expired, was released, or is another client's), else its `visits` (default: the
    proposal's own) booked at once. Every booked Appointment records the proposal."""
    proposals_forget(now=now)
    proposal = _locked(proposal)
    if proposal.hold is not None:
        try:
            itinerary = hold_confirm(hold=proposal.hold, by=by, now=now)
        except DomainError as error:
            if not _about_the_hold(error):
                raise
            raise _hold_refused(proposal, error) from None
    else:
        itinerary = itinerary_book(
            patient=proposal.patient,
            visits=visits if visits is not None else proposal_visits(proposal),
            by=by,
            now=now,
            referral=referral if visits is not None else proposal.referral,
        )
    booked = list(
        itinerary.appointments.select_related(
            "patient", "clinician", "location", "visit_type"
        ).order_by("start")
    )
    proposal.booked = [a.pk for a in booked]
    proposal.save(update_fields=["booked"])
    ProposalBooking.objects.bulk_create(
        ProposalBooking(appointment=a, proposal=proposal) for a in booked
    )
    return booked


@transaction.atomic
def proposal_release(*, proposal: Proposal, by, now: datetime) -> Proposal:
    """Cancel a held proposal (`$book` of it with status cancelled): its time is freed at
    once. 409 when it is not held by `by`."""
    proposal = _locked(proposal)
    if not _live(proposal.hold, now):
        raise Conflict(
            f"Appointment/{proposal.pk} is not held; there is nothing to cancel.",
            field=FIELD,
            code="not_held",
        )
    try:
        hold_release(hold=proposal.hold, by=by, now=now)
    except DomainError as error:
        if not _about_the_hold(error):
            raise
        raise _hold_refused(proposal, error) from None
    return proposal
