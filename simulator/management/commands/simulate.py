"""`manage.py simulate`: will the center keep its 72-hour promise?"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from navigation import selectors
from simulator import report, whatif
from simulator.runner import Scenario, stream_size
from simulator.services import next_monday, scenario_report
from simulator.stream import Mix, parse_sites
from tumorboard.errors import DomainError


def _session(text: str) -> whatif.SessionChange:
    try:
        return whatif.parse_session(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def _resource(text: str) -> whatif.SessionChange:
    try:
        return whatif.parse_resource(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = (
        "Replay a synthetic, seeded stream of referrals over N weeks against the current "
        "clinic templates through the real booking code, in a transaction that is rolled "
        "back, and report the 72-hour promise, lead times, utilization and the board. "
        "What-if options show the same referrals before and after the change."
    )

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=12)
        parser.add_argument("--rate", type=float, default=40, help="referrals a week")
        parser.add_argument(
            "--after-rate",
            type=float,
            help="what-if: the referral rate after (the before column keeps --rate)",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--emergency-share", type=float, default=Mix.emergency)
        parser.add_argument("--urgent-share", type=float, default=Mix.urgent)
        parser.add_argument(
            "--sites",
            default=",".join(f"{name}={share:g}" for name, share in Mix().sites),
            help="site mix, e.g. brain=0.45,spine=0.4,both=0.15",
        )
        parser.add_argument(
            "--board-share", type=float, default=0.25, help="share of new patients the board sees"
        )
        parser.add_argument(
            "--start", type=date.fromisoformat, help="first day (default: next Monday)"
        )
        parser.add_argument(
            "--add-session",
            action="append",
            default=[],
            metavar="WHO:WEEKDAY:HH:MM-HH:MM",
            help="what-if: a weekly session for a specialty or clinician "
            "(e.g. neurosurgery:tue:13:00-17:00); repeatable",
        )
        parser.add_argument(
            "--remove-session",
            action="append",
            default=[],
            metavar="WHO:WEEKDAY:HH:MM-HH:MM",
            help="what-if: cut that time out of a weekly session; repeatable",
        )
        parser.add_argument(
            "--add-resource",
            action="append",
            default=[],
            metavar="WHAT:WEEKDAY:HH:MM-HH:MM",
            help="what-if: a weekly session for a room, machine or interpreter, by kind or "
            "name (e.g. mri:tue:13:00-17:00; a second one when every one works then); "
            "repeatable",
        )
        parser.add_argument("--board-capacity", type=int, help="what-if: cases per meeting")
        parser.add_argument("--no-itineraries", action="store_true", help="consults only")
        parser.add_argument("--json", type=Path, help="write the report as JSON here")
        parser.add_argument("--plots", type=Path, help="write PNG plots into this directory")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["weeks"] < 1 or options["rate"] < 0:
            raise CommandError("--weeks must be 1 or more and --rate not negative.")
        try:
            mix = Mix(
                emergency=options["emergency_share"],
                urgent=options["urgent_share"],
                sites=parse_sites(options["sites"]),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        first_day = options["start"] or next_monday(timezone.now(), selectors.clinic_zone())
        scenario = Scenario(
            first_day=first_day,
            weeks=options["weeks"],
            rate=options["rate"],
            seed=options["seed"],
            mix=mix,
            board_share=options["board_share"],
            itineraries=not options["no_itineraries"],
            add_sessions=tuple(map(_session, options["add_session"])),
            remove_sessions=tuple(map(_session, options["remove_session"])),
            add_resources=tuple(map(_resource, options["add_resource"])),
            board_capacity=options["board_capacity"],
            after_rate=options["after_rate"],
        )
        total = stream_size(scenario.baseline())
        if scenario.has_what_if:
            total += stream_size(scenario)
        with tqdm(
            total=total,
            unit="referral",
            file=sys.stderr,
            disable=options["no_progress"],
            desc="simulating",
        ) as bar:
            try:
                document = scenario_report(scenario, progress=lambda: bar.update(1))
            except DomainError as exc:
                raise CommandError(exc.message) from None
        self.stdout.write(report.table(document))
        if options["json"]:
            options["json"].write_text(report.to_json(document))
            self.stdout.write(f"JSON written to {options['json']}")
        if options["plots"]:
            options["plots"].mkdir(parents=True, exist_ok=True)
            for name, png in report.plots(document).items():
                (options["plots"] / f"{name}.png").write_bytes(png)
            self.stdout.write(f"Plots written to {options['plots']}/")
