"""The reminder policy, pure: offsets, quiet hours, the frequency cap, DST."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from notifications.reminders import plan_reminders

NY = ZoneInfo("America/New_York")
LA = "America/Los_Angeles"


def at(*args, zone=NY):
    return datetime(*args, tzinfo=zone)


def local_times(texts, zone=NY):
    return [t.send_at.astimezone(zone).strftime("%a %d %H:%M") for t in texts]


def test_it_plans_72_24_and_2_hours_before_a_midday_visit():
    texts = plan_reminders(
        visit_starts=[at(2026, 6, 12, 13, 0)], time_zone="America/New_York", now=at(2026, 6, 1, 9)
    )
    assert local_times(texts) == ["Tue 09 13:00", "Thu 11 13:00", "Fri 12 11:00"]


def test_a_reminder_that_falls_in_quiet_hours_goes_before_them_not_after():
    # 2 h before an 08:30 visit is 06:30, in quiet hours: it moves to 19:45 the evening
    # before, where the 24-hour reminder already is: the cap merges them into one text.
    texts = plan_reminders(
        visit_starts=[at(2026, 6, 12, 8, 30)], time_zone="America/New_York", now=at(2026, 6, 1, 9)
    )
    assert local_times(texts) == ["Tue 09 08:30", "Thu 11 08:30"]
    with_consent = plan_reminders(
        visit_starts=[at(2026, 6, 12, 8, 30)],
        time_zone="America/New_York",
        now=at(2026, 6, 1, 9),
        express_consent=True,
    )
    assert local_times(with_consent) == ["Tue 09 08:30", "Thu 11 08:30", "Thu 11 19:45"]
    for text in with_consent:
        hour = text.send_at.astimezone(NY).hour
        assert 8 <= hour < 20


def test_quiet_hours_are_the_patients_own():
    # 13:00 in New York is 10:00 in Los Angeles; 2 h before a 09:00 LA visit is 07:00 LA.
    texts = plan_reminders(
        visit_starts=[at(2026, 6, 12, 9, 0, zone=ZoneInfo(LA))],
        time_zone=LA,
        now=at(2026, 6, 1, 9),
        express_consent=True,
    )
    assert local_times(texts, ZoneInfo(LA))[-1] == "Thu 11 19:45"


def test_a_same_day_visit_plan_is_one_text_per_reminder():
    day = [at(2026, 6, 12, 9), at(2026, 6, 12, 10, 30), at(2026, 6, 12, 13)]
    texts = plan_reminders(visit_starts=day, time_zone="America/New_York", now=at(2026, 6, 1, 9))
    # 72 h and 24 h before the first visit; the 2 h one (07:00) would fall in quiet hours
    # and move to the evening before, a day that already has its one text: merged.
    assert local_times(texts) == ["Tue 09 09:00", "Thu 11 09:00"]
    assert all(t.days == [day[0].date()] for t in texts)


def test_the_cap_allows_one_text_a_day_and_merges_the_rest():
    visits = [at(2026, 6, 15, 14), at(2026, 6, 16, 14)]  # Monday and Tuesday afternoons
    texts = plan_reminders(visit_starts=visits, time_zone="America/New_York", now=at(2026, 6, 1, 9))
    per_day = [t.send_at.astimezone(NY).date() for t in texts]
    assert len(per_day) == len(set(per_day))  # never two texts on one day
    covered = {day for t in texts for day in t.days}
    assert covered == {visits[0].date(), visits[1].date()}  # both visits still reminded
    for start in visits:
        assert any(start.date() in t.days and t.send_at < start for t in texts)


def test_the_cap_allows_three_texts_a_week():
    visits = [at(2026, 6, d, 14) for d in (15, 16, 17, 18, 19)]
    texts = plan_reminders(visit_starts=visits, time_zone="America/New_York", now=at(2026, 6, 1, 9))
    sends = sorted(t.send_at for t in texts)
    for index, send in enumerate(sends):
        in_week = [s for s in sends[: index + 1] if send - s < timedelta(days=7)]
        assert len(in_week) <= 3
    assert {day for t in texts for day in t.days} == {v.date() for v in visits}


def test_texts_already_sent_count_toward_the_cap():
    sent = [at(2026, 6, 11, 9)]
    texts = plan_reminders(
        visit_starts=[at(2026, 6, 12, 14)],
        time_zone="America/New_York",
        now=at(2026, 6, 11, 10),
        already_sent=sent,
    )
    assert local_times(texts) == ["Fri 12 12:00"]  # the 24 h one fell on a day with a text


def test_nothing_is_planned_in_the_past_or_after_the_visit_started():
    texts = plan_reminders(
        visit_starts=[at(2026, 6, 12, 14)],
        time_zone="America/New_York",
        now=at(2026, 6, 12, 12, 30),
    )
    assert texts == []
    assert (
        plan_reminders(
            visit_starts=[at(2026, 6, 12, 9)], time_zone="America/New_York", now=at(2026, 6, 12, 10)
        )
        == []
    )


def test_reminders_keep_their_wall_clock_across_the_november_dst_change():
    # Visit Monday 2 November 2026 14:00 EST; clocks fell back on Sunday 1 November.
    texts = plan_reminders(
        visit_starts=[at(2026, 11, 2, 14)], time_zone="America/New_York", now=at(2026, 10, 25, 9)
    )
    assert local_times(texts) == ["Fri 30 15:00", "Sun 01 14:00", "Mon 02 12:00"]
    assert texts[0].send_at == at(2026, 11, 2, 14).astimezone(UTC) - timedelta(hours=72)


def test_reminders_across_the_march_dst_change_stay_out_of_quiet_hours():
    texts = plan_reminders(
        visit_starts=[at(2026, 3, 9, 8, 0)],
        time_zone="America/New_York",
        now=at(2026, 3, 1, 9),
        express_consent=True,
    )
    for text in texts:
        assert 8 <= text.send_at.astimezone(NY).hour < 20
    assert local_times(texts)[-1] == "Sun 08 19:45"


def test_reminders_land_on_29_february_and_stay_out_of_its_quiet_hours():
    texts = plan_reminders(
        visit_starts=[at(2028, 3, 1, 8, 30)],
        time_zone="America/New_York",
        now=at(2028, 2, 20, 9),
        express_consent=True,
    )
    assert [t.send_at.astimezone(NY).strftime("%m-%d %H:%M") for t in texts] == [
        "02-27 08:30",
        "02-29 08:30",
        "02-29 19:45",
    ]


def test_a_visit_type_with_its_own_offsets_is_reminded_at_those():
    visit = at(2026, 6, 12, 13, 0)
    texts = plan_reminders(
        visit_starts=[visit],
        time_zone="America/New_York",
        now=at(2026, 6, 1, 9),
        visit_offsets={visit: [timedelta(hours=48)]},
    )
    assert local_times(texts) == ["Wed 10 13:00"]


def test_a_day_takes_the_offsets_of_all_its_visits_from_its_first_visit():
    morning, afternoon = at(2026, 6, 12, 10, 0), at(2026, 6, 12, 15, 0)
    texts = plan_reminders(
        visit_starts=[morning, afternoon],
        time_zone="America/New_York",
        now=at(2026, 6, 1, 9),
        offsets=[timedelta(hours=24)],
        visit_offsets={afternoon: [timedelta(hours=120)]},
        express_consent=True,
    )
    assert local_times(texts) == ["Sun 07 10:00", "Thu 11 10:00"]
    assert all(t.days == [morning.date()] for t in texts)
