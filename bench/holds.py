"""`hold_expiry_s`: 1,000 holds expiring at the same moment, freed by the real beat.

A Celery worker runs with its embedded beat (`celery worker -B`) and the settings' own
schedule, so `expire-holds` (`navigation.tasks.expire_holds`, every 30 s) is what frees
them; nothing in the bench calls the service. The figure is the seconds from the common
expiry to the moment the last held visit is gone. To measure close to the worst case, the
holds expire AFTER_TICK_S after a beat run (seen freeing a first hold), so they wait
nearly a whole interval for the next run: the figure stays under the interval only if
that run frees all 1,000 within AFTER_TICK_S. `release_s` is that run's own time, from
the first hold freed to the last.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta

HOLDS = 1000
CLINICIANS = 50
AFTER_TICK_S = 2.0
TIMEOUT_S = 120.0


def holds_create(count: int, expires_at: datetime, prefix: str = "hold") -> list[int]:
    """`count` active holds of one 30-minute visit each, a patient each, spread over
    CLINICIANS clinicians' days a year from now so no two overlap; returns the hold ids."""
    from django.db import transaction

    from bench import center_db
    from navigation.models import Appointment, Clinician, Hold, Location

    with transaction.atomic():
        place = Location.objects.create(name=f"{prefix} building", time_zone="America/New_York")
        clinicians = Clinician.objects.bulk_create(
            Clinician(name=f"Dr. {prefix} {n}", specialty="neurosurgery", home_location=place)
            for n in range(CLINICIANS)
        )
        patients = center_db.patients_create(prefix=prefix, count=count)
        holds = Hold.objects.bulk_create(
            Hold(patient_id=p, expires_at=expires_at, max_total_wait=90) for p in patients
        )
        first = datetime(expires_at.year + 1, 1, 5, 13, 0, tzinfo=UTC)
        Appointment.objects.bulk_create(
            Appointment(
                patient_id=hold.patient_id,
                clinician=clinicians[n % CLINICIANS],
                location=place,
                specialty="neurosurgery",
                start=first + timedelta(minutes=30 * (n // CLINICIANS)),
                end=first + timedelta(minutes=30 * (n // CLINICIANS + 1)),
                status=Appointment.Status.HELD,
                hold=hold,
            )
            for n, hold in enumerate(holds)
        )
    return [h.pk for h in holds]


def bench_hold_expiry(bench_url: str) -> None:
    from django.conf import settings
    from django.utils import timezone

    from bench import notifications as celery_bench
    from bench.common import emit, log
    from navigation.models import Appointment, Hold

    beat_s = settings.CELERY_BEAT_SCHEDULE["expire-holds"]["schedule"]
    # The worker and its beat on the settings' own Redis: the beat's heartbeat task
    # writes there with redis-py, which takes no kombu-style URL of another database.
    env = {**os.environ, "DATABASE_URL": bench_url, "LOG_LEVEL": "WARNING"}
    env.pop("DEBUG", None)
    held = Appointment.objects.filter(status=Appointment.Status.HELD, hold__isnull=False)
    sentinel = holds_create(1, timezone.now(), prefix="hold-first")
    ids = holds_create(HOLDS, timezone.now() + timedelta(days=1))
    mine = held.filter(hold_id__in=ids)
    with tempfile.TemporaryDirectory(prefix="bench-beat-") as beat_dir:
        schedule = os.path.join(beat_dir, "schedule")
        with celery_bench.celery_worker(env, "-B", "-s", schedule) as worker:
            if not celery_bench.wait_for(
                lambda: not held.filter(hold_id__in=sentinel).exists(), worker, TIMEOUT_S
            ):
                raise RuntimeError(f"no expire-holds run within {TIMEOUT_S:.0f} s")
            expires_at = timezone.now() + timedelta(seconds=AFTER_TICK_S)
            Hold.objects.filter(pk__in=ids).update(expires_at=expires_at)
            log(f"holds: {len(ids)} holds with {mine.count()} held visits expire at {expires_at}")
            celery_bench.wait_for(lambda: mine.count() < HOLDS, worker, TIMEOUT_S)
            first_free = timezone.now()
            freed = celery_bench.wait_for(lambda: not mine.exists(), worker, TIMEOUT_S)
            last_free = timezone.now()
    value = (last_free - expires_at).total_seconds()
    expired = Hold.objects.filter(pk__in=ids, status=Hold.Status.EXPIRED).count()
    log(f"holds: the last freed {value:.1f} s after expiry; {expired} marked expired")
    emit(
        "hold_expiry_s",
        round(value, 1),
        "s",
        target=beat_s,
        holds=len(ids),
        expired=expired,
        left_held=mine.count(),
        freed=freed,
        release_s=round((last_free - first_free).total_seconds(), 2),
        after_tick_s=AFTER_TICK_S,
    )
