from django.core.management.base import BaseCommand
from django.utils import timezone

from tumorboard.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo center (idempotent: a second run adds nothing)."

    def handle(self, *args, **options):
        added = load_demo(now=timezone.now())
        self.stdout.write(f"Demo data loaded ({added} new referrals).")
