"""`manage.py simulate`: the table a director reads, the JSON, the PNGs, the progress bar."""

import json

import pytest
from django.core.management import CommandError, call_command

from tests.simulator.conftest import MONDAY

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"


def test_it_prints_before_and_after_and_writes_json_and_plots(solo, tmp_path, capsys):
    call_command(
        "simulate",
        "--start",
        MONDAY.isoformat(),
        "--weeks",
        "2",
        "--rate",
        "6",
        "--seed",
        "3",
        "--add-session",
        "neurosurgery:wed:09:00-11:00",
        "--json",
        str(tmp_path / "report.json"),
        "--plots",
        str(tmp_path / "plots"),
    )
    out, err = capsys.readouterr()
    assert "2 weeks from 2026-04-06 at 6 referrals a week (seed 3)" in out
    assert "after: + session neurosurgery:wed:09:00-11:00" in out
    header = next(line for line in out.splitlines() if "before" in line)
    assert header.split() == ["before", "after"]
    assert "New consults within 72 h" in out and "Bottleneck specialty" in out
    assert "simulating" in err and "referral" in err  # tqdm, on stderr
    document = json.loads((tmp_path / "report.json").read_text())
    assert set(document) == {"parameters", "before", "after"}
    assert document["before"]["referrals"] == document["after"]["referrals"]
    for name in ("weekly", "lead_times", "utilization", "board"):
        assert (tmp_path / "plots" / f"{name}.png").read_bytes().startswith(PNG)


def test_without_a_what_if_it_prints_one_column(solo, capsys):
    call_command("simulate", "--start", MONDAY.isoformat(), "--weeks", "1", "--no-progress")
    out, err = capsys.readouterr()
    assert "result" in out and "after" not in out.split("\n\n")[1]
    assert err == ""


def test_it_refuses_a_session_it_cannot_read(solo):
    with pytest.raises(CommandError, match="WHO:WEEKDAY"):
        call_command("simulate", "--add-session", "neurosurgery-tuesday", "--no-progress")


def test_it_says_when_no_clinician_works_the_session_to_remove(solo):
    with pytest.raises(CommandError, match="No neurosurgery clinician works mon"):
        call_command(
            "simulate",
            "--start",
            MONDAY.isoformat(),
            "--weeks",
            "1",
            "--remove-session",
            "neurosurgery:mon:09:00-11:00",
            "--no-progress",
        )
