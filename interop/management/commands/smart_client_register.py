"""Register a SMART Backend Services client: its public JWK Set, scopes and role.

    manage.py smart_client_register --name "EHR scheduler" --jwks ehr-jwks.json \
        --scopes "system/Appointment.cruds system/Patient.cr system/ServiceRequest.cr" \
        --role navigator

Prints the client_id the client puts in `iss` and `sub` of its assertions.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from interop.models import SmartClient
from interop.smart import Refused, parse_scopes
from tumorboard.roles import ROLES


class Command(BaseCommand):
    help = "Register a SMART Backend Services client (private_key_jwt) with its JWKS."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--jwks", required=True, help="Path to the public JWK Set (JSON).")
        parser.add_argument("--scopes", required=True, help="Space-separated system/ scopes.")
        parser.add_argument("--role", default="navigator", choices=ROLES)

    def handle(self, *args, name, jwks, scopes, role, **options):
        try:
            keys = json.loads(Path(jwks).read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the JWKS: {exc}") from None
        if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
            raise CommandError("the JWKS must be a JSON object with a list of keys")
        if any("d" in key for key in keys["keys"] if isinstance(key, dict)):
            raise CommandError("the JWKS holds a private key; register the public keys only")
        try:
            if not parse_scopes(scopes):
                raise CommandError("give at least one system/ scope")
        except Refused as exc:
            raise CommandError(exc.reason) from None
        client = SmartClient(name=name, jwks=keys, scopes=scopes)
        user = get_user_model().objects.create_user(username=f"smart-{client.client_id}"[:150])
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        client.user = user
        client.save()
        self.stdout.write(client.client_id)
