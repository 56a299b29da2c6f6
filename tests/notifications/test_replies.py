"""The reply classifier's examples as data: every row of replies.csv (real-world replies in
English and Spanish, with the outcome each must have) is a test (issue 15, finding 2)."""

import csv
from collections import Counter
from pathlib import Path

import pytest

from notifications.inbound import classify

ROWS = list(csv.DictReader((Path(__file__).parent / "replies.csv").open(encoding="utf-8")))


def test_the_table_holds_at_least_80_replies_in_each_spoken_language_mix():
    languages = Counter(row["language"] for row in ROWS)
    assert len(ROWS) >= 80
    assert languages["en"] >= 40 and languages["es"] >= 30
    outcomes = {row["expected"] for row in ROWS}
    assert outcomes == {"opt_out", "cancel", "opt_in", "help", "confirm", "reschedule", "unknown"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [(row["body"], row["expected"]) for row in ROWS],
    ids=[f"{n}-{row['language']}-{row['body'][:30]}" for n, row in enumerate(ROWS, 2)],
)
def test_it_takes_each_real_world_reply_as_the_table_says(body, expected):
    assert classify(body) == expected
