import os

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.services import patient_link
from patients.models import Patient
from tumorboard.demo import DEMO_LOGINS


class Command(BaseCommand):
    help = "Print where the running service is and the demo logins."

    def handle(self, *args, **options):
        port = os.environ.get("WEB_PORT", "8000")
        self.stdout.write(f"\nTumor board is starting at http://127.0.0.1:{port}/")
        self.stdout.write(f"  staff     http://127.0.0.1:{port}/login/")
        self.stdout.write(f"  API docs  http://127.0.0.1:{port}/api/docs/")
        self.stdout.write(f"  health    http://127.0.0.1:{port}/healthz")
        self.stdout.write(f"  admin     http://127.0.0.1:{port}/admin/")
        demo_patient = Patient.objects.filter(mrn="DEMO0001").first()
        if demo_patient:
            link = patient_link(demo_patient, timezone.now())
            self.stdout.write(f"  patient   {link}  (the private page a text links to)")
        self.stdout.write("Demo logins (username / password):")
        for username, password, role in DEMO_LOGINS:
            self.stdout.write(f"  {role:<11} {username} / {password}")
        self.stdout.write("Ctrl-C stops the web server, the worker, beat and the databases.\n")
