"""`manage.py create_user NAME --role navigator`: a user with one of the four roles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tumorboard.roles import ADMIN, ROLES


class Command(BaseCommand):
    help = "Create (or update) a user with a role: navigator, specialist, patient or admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument("--password", help="Prompted for when omitted.")
        parser.add_argument("--email", default="")

    @transaction.atomic
    def handle(self, *args, username, role, password, email, **options):
        if not password:
            from getpass import getpass

            password = getpass(f"Password for {username}: ")
        if not password:
            raise CommandError("A password is required.")
        user, created = get_user_model().objects.get_or_create(username=username)
        user.email = email or user.email
        user.is_staff = role == ADMIN
        user.is_superuser = role == ADMIN
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        self.stdout.write(f"{'Created' if created else 'Updated'} {role} {username}.")
