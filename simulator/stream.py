"""The synthetic referral stream: seeded, pure, no ORM and no clock.

Arrivals are a Poisson process, `rate` a week on average, mostly on weekdays in office
hours (as referrals arrive), some at night and on weekends. Each referral gets a site and
an urgency from the mix, and the clinical picture that triages to that urgency under
PRODUCT.md's rules, so the real triage code sets the deadline. Arrivals and clinical
pictures draw from separate seeded generators: changing the urgency mix never moves an
arrival time, and the same seed replays the same referrals before and after a what-if.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from patients.clinical import EMERGENCY, ROUTINE, URGENT

# Share of a week's referrals arriving on each weekday (Monday first).
WEEKDAY_WEIGHTS = (0.19, 0.19, 0.19, 0.19, 0.18, 0.03, 0.03)
OFFICE_HOURS = (time(8), time(18))
SITES = ("brain", "spine", "both")
CANCERS = ("breast", "lung", "prostate", "kidney", "melanoma", "colon", "myeloma", "other_unknown")

# The clinical picture each (urgency, site) triages to: the red flag, or its absence.
PICTURES: dict[tuple[str, str], dict] = {
    (EMERGENCY, "spine"): {"neuro_status": "new_deficit", "weakness": True, "pain_score": 7},
    (EMERGENCY, "both"): {"neuro_status": "new_deficit", "weakness": True, "pain_score": 7},
    (EMERGENCY, "brain"): {"mass_effect": True, "brain_symptomatic": True, "pain_score": 3},
    (URGENT, "spine"): {"sins_pain": "mechanical", "pain_score": 6},
    (URGENT, "both"): {"sins_pain": "mechanical", "pain_score": 5, "brain_symptomatic": True},
    (URGENT, "brain"): {"brain_symptomatic": True, "pain_score": 2},
    (ROUTINE, "spine"): {"pain_score": 2},
    (ROUTINE, "both"): {"pain_score": 1},
    (ROUTINE, "brain"): {},
}


@dataclass(frozen=True)
class Mix:
    """Shares of urgencies (routine is the rest) and of sites (they must sum to 1)."""

    emergency: float = 0.10
    urgent: float = 0.40
    sites: tuple[tuple[str, float], ...] = (("brain", 0.45), ("spine", 0.40), ("both", 0.15))

    def __post_init__(self):
        if not (0 <= self.emergency <= 1 and 0 <= self.urgent <= 1):
            raise ValueError("urgency shares are between 0 and 1")
        if self.emergency + self.urgent > 1:
            raise ValueError("emergency and urgent shares add up to more than 1")
        if abs(sum(share for _, share in self.sites) - 1) > 1e-9:
            raise ValueError("site shares must add up to 1")
        if any(name not in SITES for name, _ in self.sites):
            raise ValueError(f"sites are {', '.join(SITES)}")


def parse_sites(text: str) -> tuple[tuple[str, float], ...]:
    """`brain=0.5,spine=0.4,both=0.1` -> the site mix (ValueError when malformed)."""
    pairs = []
    for part in text.split(","):
        name, _, share = part.partition("=")
        try:
            pairs.append((name.strip(), float(share)))
        except ValueError:
            raise ValueError(f"“{part}” is not SITE=SHARE (e.g. brain=0.5)") from None
    return tuple(pairs)


@dataclass(frozen=True)
class SyntheticReferral:
    index: int
    received_at: datetime  # UTC
    urgency: str  # the urgency its picture triages to
    sites: str
    primary_cancer: str
    picture: dict = field(default_factory=dict)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; fine for the tens a week we need)."""
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _arrival(rng: random.Random, week_start: date, zone: ZoneInfo) -> datetime:
    day = week_start + timedelta(days=rng.choices(range(7), weights=WEEKDAY_WEIGHTS)[0])
    if day.weekday() < 5 and rng.random() < 0.9:
        opens, closes = (t.hour * 60 + t.minute for t in OFFICE_HOURS)
    else:  # nights and weekends: any time of day
        opens, closes = 0, 24 * 60
    minute = rng.randrange(opens, closes)
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


def referral_stream(
    *, first_day: date, weeks: int, rate: float, seed: int, mix: Mix, time_zone: str
) -> list[SyntheticReferral]:
    """`weeks` weeks of referrals from `first_day` (clinic time), in arrival order."""
    arrivals_rng = random.Random(f"{seed}:arrivals")
    cases_rng = random.Random(f"{seed}:cases")
    zone = ZoneInfo(time_zone)
    arrivals: list[datetime] = []
    for week in range(weeks):
        week_start = first_day + timedelta(weeks=week)
        count = poisson(arrivals_rng, rate)
        arrivals += [_arrival(arrivals_rng, week_start, zone) for _ in range(count)]
    arrivals.sort()
    sites = sorted(mix.sites, key=lambda pair: SITES.index(pair[0]))  # one order per seed
    site_names = [name for name, _ in sites]
    site_weights = [share for _, share in sites]
    out = []
    for index, received_at in enumerate(arrivals):
        draw = cases_rng.random()
        urgency = (
            EMERGENCY
            if draw < mix.emergency
            else URGENT
            if draw < mix.emergency + mix.urgent
            else ROUTINE
        )
        sites = cases_rng.choices(site_names, weights=site_weights)[0]
        cancer = cases_rng.choice(CANCERS)
        out.append(
            SyntheticReferral(
                index, received_at, urgency, sites, cancer, dict(PICTURES[(urgency, sites)])
            )
        )
    return out
