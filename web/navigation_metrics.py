"""Navigation metrics for the dashboard and its CSV, aggregated in PostgreSQL: a fixed
number of queries (percentile_cont, GROUPING SETS, FILTER) whatever the data.

The figures follow the Academy of Oncology Nurse & Patient Navigators' standardized
navigation metrics (Johnston, Sein, Strusowski, "Standardized evidence-based oncology
navigation metrics for all models", J Oncol Navig Surviv 2017; the AONN+ Navigation
Metrics Toolkit, with the American Cancer Society, 2020) and the Commission on Cancer's
2020 standards (2.5 case conference, 4.5 palliative care, 5.2 distress screening, 8.1
barriers to care). Each figure's definition is in `DEFINITIONS`, shown beside it.

The later clocks' shares within target are the care clocks' own (care.models.Clock: met
when stopped by the due time), so this page, the referral page and the queue agree.
Adding a monthly source (barriers, distress screenings) is one `MonthlyCount`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection

from board.models import Case, Meeting, Recommendation
from care.models import Barrier, Clock, DistressScreening, Treatment
from navigation.models import Appointment
from navigation.selectors import clinic_zone
from patients.clinical import URGENCY_RANK
from patients.models import Referral

SITES = ("brain", "spine", "both")
URGENCIES = tuple(sorted(URGENCY_RANK, key=URGENCY_RANK.get))

SOURCE = (
    "AONN+ standardized navigation metrics (J Oncol Navig Surviv 2017; Navigation Metrics "
    "Toolkit 2020)"
)
DEFINITIONS = {
    "consult": "Hours from the referral's receipt to the start of its first consult "
    "(booked or held). Within target: the consult starts at or before the referral's due "
    "time (24 h for emergencies, 72 h otherwise); counted once booked or once the due time "
    f"has passed. Source: {SOURCE}, time to first consult; the center's 72-hour promise.",
    "board": "Days from the referral's receipt to the first tumor-board meeting held (not "
    "cancelled, already started) that listed its case, over referrals sent to the board. "
    "Within target: the care clock for board discussion stopped by its due time (the next "
    "meeting open for cases after the consult, at most 14 days); counted once stopped or "
    f"due. Source: {SOURCE}, time to multidisciplinary conference; CoC 2020 standard 2.5.",
    "treatment": "Days from the referral's receipt to the first treatment recorded for it "
    "(a visit here marked done, or care started elsewhere). Within target: the care clock "
    "for treatment start stopped by its due time (14 days after the signed recommendation, "
    "48 hours for an emergency's decompression or radiation); counted once stopped or due. "
    f"Source: {SOURCE}, time from diagnosis to first treatment.",
    "postop_srs": "Days from a resection to the radiosurgery of its cavity. Within target: "
    "the care clock stopped within 30 days of the resection (local recurrence rose sharply "
    "beyond a month: Roth O'Brien et al., Pract Radiat Oncol 2021); counted once stopped or "
    "due.",
    "imaging": "Days from a surveillance plan's last scan (or start) to the next scan. "
    "Within target: the care clock for next imaging stopped by the plan's interval plus a "
    "week of grace; counted once stopped or due. Source: PRODUCT.md, follow-up imaging every "
    "6-16 weeks.",
    "caseload": "Patients each navigator took in during the period (distinct patients of "
    "the referrals they recorded), and the referrals of theirs still open now. Referrals "
    f"that arrived from the EHR are counted as unassigned. Source: {SOURCE}, navigator "
    "caseload.",
    "no_shows": "Visits marked no-show out of the visits that started in the month "
    f"(cancelled ones not counted). Source: {SOURCE}, no-show rate.",
    "barriers": "Barriers to care (transport, lodging, financial, language, caregiver, "
    "other) recorded in the month, and those resolved in the month, whenever found. "
    f"Source: {SOURCE}, barriers to care identified and resolved; CoC 2020 standard 8.1.",
    "distress": "NCCN Distress Thermometer screenings taken in the month, and those at or "
    "above the threshold (default 4) that asked for a psychosocial-care referral. Source: "
    f"{SOURCE}, psychosocial distress screening; CoC 2020 standard 5.2; NCCN Guidelines, "
    "Distress Management.",
    "palliative": "New referrals of the month whose patient has a palliative-care visit "
    "(not cancelled) or a signed board recommendation naming palliative care. Source: "
    f"{SOURCE}, referral to palliative care; CoC 2020 standard 4.5.",
}


@dataclass(frozen=True)
class Period:
    """Referrals received from `first` (clinic date, inclusive) to `last` (inclusive)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), clinic_zone())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time(), clinic_zone())

    def months(self) -> list[date]:
        months, month = [], self.first.replace(day=1)
        while month <= self.last:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


def default_period(now: datetime) -> Period:
    """The twelve months to today (clinic time): this month and the eleven before."""
    today = now.astimezone(clinic_zone()).date()
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return Period(first, today)


# --- the care clocks from referral ----------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """One clock for one group: how long (median and 90th percentile, continuous, in
    `unit`) over `count` referrals that reached it, and how many of those decided met
    the target."""

    clock: str
    group: str  # "all", "urgency", "site"
    value: str  # "", an urgency, a site
    count: int
    median: float | None
    p90: float | None
    hits: int
    decided: int

    @property
    def share(self) -> float | None:
        return self.hits / self.decided if self.decided else None

    @property
    def label(self) -> str:
        return "all referrals" if self.group == "all" else self.value


CLOCK_UNITS = {
    "consult": "hours",
    "board": "days",
    "treatment": "days",
    "postop_srs": "days",
    "imaging": "days",
}
CARE_CLOCKS = ("board", "treatment", "postop_srs", "imaging")  # care.models.Clock.Kind


def _care_flags() -> str:
    """Per referral, from its care clocks: met and decided (0 or 1) for each kind, and
    the days from start to stop of the post-operative and imaging clocks."""
    flags = []
    for kind in CARE_CLOCKS:
        flags += [
            f"count(*) FILTER (WHERE kind = '{kind}' AND stopped_at <= due_at) AS {kind}_met",
            f"count(*) FILTER (WHERE kind = '{kind}' AND (stopped_at IS NOT NULL "
            f"OR due_at <= %(now)s)) AS {kind}_decided",
        ]
    for kind in ("postop_srs", "imaging"):
        flags.append(
            f"max(extract(epoch FROM stopped_at - started_at) / 86400) "
            f"FILTER (WHERE kind = '{kind}') AS {kind}_d"
        )
    return ",\n".join(flags)


def _figures(time: str, reached: str, kind: str) -> str:
    return f"""
       count({reached}),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY {time}),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY {time}),
       coalesce(sum({kind}_met), 0)::int,
       coalesce(sum({kind}_decided), 0)::int"""


CLOCKS_SQL = f"""
WITH r AS MATERIALIZED (
    SELECT r.id, r.urgency, r.sites, r.received_at, r.consult_at, r.consult_due_at,
           b.board_at,
           least(tr.first_at, cs.first_on::timestamp AT TIME ZONE %(zone)s) AS treated_at,
           k.*
      FROM {Referral._meta.db_table} r
      LEFT JOIN (
          SELECT c.referral_id, min(m.start) AS board_at
            FROM {Case._meta.db_table} c JOIN {Meeting._meta.db_table} m ON m.id = c.meeting_id
           WHERE c.status = 'listed' AND m.status <> 'cancelled' AND m.start <= %(now)s
           GROUP BY c.referral_id
      ) b ON b.referral_id = r.id
      LEFT JOIN (
          SELECT referral_id, min(started_at) AS first_at
            FROM {Treatment._meta.db_table} GROUP BY referral_id
      ) tr ON tr.referral_id = r.id
      LEFT JOIN (
          SELECT referral_id, min(treatment_started_on) AS first_on
            FROM {Case._meta.db_table} WHERE treatment_started_on IS NOT NULL
           GROUP BY referral_id
      ) cs ON cs.referral_id = r.id
      LEFT JOIN (
          SELECT referral_id AS clock_referral_id, {_care_flags()}
            FROM {Clock._meta.db_table} GROUP BY referral_id
      ) k ON k.clock_referral_id = r.id
     WHERE r.received_at >= %(start)s AND r.received_at < %(end)s
), t AS (
    SELECT *,
           extract(epoch FROM consult_at - received_at) / 3600 AS consult_h,
           extract(epoch FROM board_at - received_at) / 86400 AS board_d,
           extract(epoch FROM treated_at - received_at) / 86400 AS treatment_d,
           CASE WHEN consult_at <= consult_due_at THEN 1 ELSE 0 END AS consult_met,
           CASE WHEN consult_at IS NOT NULL OR consult_due_at <= %(now)s THEN 1 ELSE 0
           END AS consult_decided
      FROM r
)
SELECT GROUPING(urgency) AS no_urgency, GROUPING(sites) AS no_site, urgency, sites,
       {_figures("consult_h", "consult_at", "consult")},
       {_figures("board_d", "board_at", "board")},
       {_figures("treatment_d", "treated_at", "treatment")},
       {_figures("postop_srs_d", "postop_srs_d", "postop_srs")},
       {_figures("imaging_d", "imaging_d", "imaging")}
  FROM t
 GROUP BY GROUPING SETS ((), (urgency), (sites))
"""


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def clock_intervals(*, period: Period, now: datetime) -> list[Interval]:
    """Every clock for all referrals of the period, by urgency and by site (in that order,
    urgencies from emergency, every group present even when empty). One query."""
    params = {
        "start": period.start,
        "end": period.end,
        "now": now,
        "zone": str(clinic_zone()),
    }
    with connection.cursor() as cursor:
        cursor.execute(CLOCKS_SQL, params)
        rows = cursor.fetchall()
    found: dict[tuple[str, str], tuple] = {}
    for no_urgency, no_site, urgency, sites, *figures in rows:
        key = (
            ("all", "")
            if no_urgency and no_site
            else ("urgency", urgency)
            if no_site
            else (
                "site",
                sites,
            )
        )
        found[key] = tuple(figures)
    groups = [("all", ""), *(("urgency", u) for u in URGENCIES), *(("site", s) for s in SITES)]
    out = []
    for key in groups:
        figures = found.get(key, (0, None, None, 0, 0) * len(CLOCK_UNITS))
        for n, clock in enumerate(CLOCK_UNITS):
            count, median, p90, hits, decided = figures[n * 5 : n * 5 + 5]
            out.append(Interval(clock, *key, count, _round(median), _round(p90), hits, decided))
    return out


# --- navigator caseload -----------------------------------------------------------------


@dataclass(frozen=True)
class Caseload:
    navigator: str  # the username; "unassigned" for referrals from the EHR
    patients: int
    open_now: int


def caseloads(*, period: Period) -> list[Caseload]:
    """Per navigator: distinct patients of the referrals they recorded in the period, and
    their referrals open now; busiest first. One query."""
    sql = f"""
        SELECT coalesce(u.username, ''),
               count(DISTINCT r.patient_id) FILTER (
                   WHERE r.received_at >= %(start)s AND r.received_at < %(end)s),
               count(*) FILTER (WHERE r.status = 'open')
          FROM {Referral._meta.db_table} r
          LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = r.created_by_id
         WHERE (r.received_at >= %(start)s AND r.received_at < %(end)s) OR r.status = 'open'
         GROUP BY 1
         ORDER BY 2 DESC, 3 DESC, 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": period.start, "end": period.end})
        return [Caseload(name or "unassigned", p, o) for name, p, o in cursor.fetchall()]


# --- counts by month --------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyCount:
    """A count by clinic month: `sql` selects one timestamp column named `at` for each
    thing counted, given %(start)s, %(end)s and %(now)s."""

    key: str
    label: str
    sql: str


MONTHLY_COUNTS: tuple[MonthlyCount, ...] = (
    MonthlyCount(
        "referrals",
        "New referrals",
        f"SELECT received_at AS at FROM {Referral._meta.db_table}"
        " WHERE received_at >= %(start)s AND received_at < %(end)s",
    ),
    MonthlyCount(
        "visits",
        "Visits that started",
        f"SELECT start AS at FROM {Appointment._meta.db_table}"
        " WHERE start >= %(start)s AND start < least(%(end)s, %(now)s)"
        " AND status <> 'cancelled' AND status <> 'held'",
    ),
    MonthlyCount(
        "no_shows",
        "No-shows",
        f"SELECT start AS at FROM {Appointment._meta.db_table}"
        " WHERE start >= %(start)s AND start < least(%(end)s, %(now)s) AND status = 'no_show'",
    ),
    MonthlyCount(
        "palliative",
        "Referred to palliative care",
        f"""SELECT r.received_at AS at FROM {Referral._meta.db_table} r
             WHERE r.received_at >= %(start)s AND r.received_at < %(end)s
               AND r.patient_id IN (
                   SELECT a.patient_id FROM {Appointment._meta.db_table} a
                    WHERE a.specialty = 'palliative_care' AND a.status <> 'cancelled'
                   UNION
                   SELECT c.patient_id FROM {Recommendation._meta.db_table} rec
                     JOIN {Case._meta.db_table} c ON c.id = rec.case_id
                    WHERE rec.status = 'signed' AND 'palliative_care' = ANY(rec.modalities))""",
    ),
)

# Barriers and distress screening (care), counted month by month beside the above.
SUPPORT_COUNTS: tuple[MonthlyCount, ...] = (
    MonthlyCount(
        "barriers_found",
        "Barriers found",
        f"SELECT found_at AS at FROM {Barrier._meta.db_table}"
        " WHERE found_at >= %(start)s AND found_at < %(end)s",
    ),
    MonthlyCount(
        "barriers_resolved",
        "Barriers resolved",
        f"SELECT resolved_at AS at FROM {Barrier._meta.db_table}"
        " WHERE resolved_at >= %(start)s AND resolved_at < %(end)s",
    ),
    MonthlyCount(
        "distress_screened",
        "Distress screened",
        f"SELECT screened_at AS at FROM {DistressScreening._meta.db_table}"
        " WHERE screened_at >= %(start)s AND screened_at < %(end)s",
    ),
    MonthlyCount(
        "distress_referred",
        "Referred to psychosocial care",
        f"SELECT screened_at AS at FROM {DistressScreening._meta.db_table}"
        " WHERE screened_at >= %(start)s AND screened_at < %(end)s AND referred",
    ),
)
MONTHLY_COUNTS += SUPPORT_COUNTS

# Shares shown month by month: (key, label, numerator, denominator).
MONTHLY_SHARES = (
    ("no_show_rate", "No-show rate", "no_shows", "visits"),
    ("palliative_share", "New referrals referred to palliative care", "palliative", "referrals"),
)


def monthly_counts(
    *, period: Period, now: datetime, counts: tuple[MonthlyCount, ...] = MONTHLY_COUNTS
) -> dict[str, list[tuple[date, int]]]:
    """Each count by clinic month of the period, zero-filled, in one query."""
    union = " UNION ALL ".join(
        f"SELECT %(key{n})s AS key, date_trunc('month', at AT TIME ZONE %(zone)s)::date AS m "
        f"FROM ({count.sql}) AS s{n}"
        for n, count in enumerate(counts)
    )
    sql = f"SELECT key, m, count(*) FROM ({union}) AS u GROUP BY key, m"
    params: dict[str, object] = {
        "start": period.start,
        "end": period.end,
        "now": now,
        "zone": str(clinic_zone()),
    }
    params.update({f"key{n}": count.key for n, count in enumerate(counts)})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {(key, month): n for key, month, n in cursor.fetchall()}
    months = period.months()
    return {c.key: [(m, found.get((c.key, m), 0)) for m in months] for c in counts}
