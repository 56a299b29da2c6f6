"""The synthetic referrals: seeded, in arrival order, and triaged as intended."""

from datetime import UTC

from patients import clinical
from simulator.stream import Mix, parse_sites, referral_stream
from tests.simulator.conftest import MONDAY


def stream(**overrides):
    options = {
        "first_day": MONDAY,
        "weeks": 4,
        "rate": 40,
        "seed": 7,
        "mix": Mix(),
        "time_zone": "America/New_York",
    }
    return referral_stream(**{**options, **overrides})


def test_the_same_seed_replays_the_same_referrals_and_another_seed_does_not():
    assert stream() == stream()
    assert stream() != stream(seed=8)


def test_arrivals_are_in_order_inside_the_weeks_asked_at_about_the_rate():
    referrals = stream()
    times = [r.received_at for r in referrals]
    assert times == sorted(times)
    assert 120 <= len(referrals) <= 200  # Poisson around 4 x 40
    first = referrals[0].received_at.astimezone(UTC)
    assert first.date() >= MONDAY


def test_each_picture_triages_to_the_urgency_it_was_drawn_for():
    for referral in stream(mix=Mix(emergency=0.3, urgent=0.3)):
        picture = clinical.ClinicalPicture(sites=referral.sites, **referral.picture)
        assert clinical.urgency_of(picture)[0] == referral.urgency


def test_changing_the_urgency_mix_moves_no_arrival():
    plain = [r.received_at for r in stream()]
    grave = [r.received_at for r in stream(mix=Mix(emergency=0.5, urgent=0.2))]
    assert plain == grave


def test_the_site_mix_is_read_and_its_order_does_not_change_the_referrals():
    mix = Mix(sites=parse_sites("spine=0.4, both=0.15, brain=0.45"))
    assert stream(mix=mix) == stream()
    spine_only = stream(mix=Mix(sites=parse_sites("spine=1,brain=0,both=0")))
    assert {r.sites for r in spine_only} == {"spine"}
