"""A SMART Backend Services client as an EHR would run one: its own key pair (ES384),
the public half registered with `manage.py smart_client_register`, assertions signed with
joserfc, and the token they buy sent as `Authorization: Bearer`."""

from __future__ import annotations

import json
import uuid
from io import StringIO
from urllib.parse import urlencode

from django.core.management import call_command
from joserfc import jwt
from joserfc.jwk import ECKey
from rest_framework.test import APIClient

TOKEN_URL = "http://testserver/fhir/R4/auth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class SmartClient:
    def __init__(self, tmp_path, scopes: str, role: str = "navigator"):
        self.key = ECKey.generate_key("P-384", parameters={"kid": uuid.uuid4().hex[:8]})
        jwks = tmp_path / f"jwks-{self.key.kid}.json"
        jwks.write_text(json.dumps({"keys": [self.key.as_dict(private=False)]}))
        out = StringIO()
        call_command(
            "smart_client_register",
            name="EHR scheduler",
            jwks=str(jwks),
            scopes=scopes,
            role=role,
            stdout=out,
        )
        self.client_id = out.getvalue().strip()
        self.http = APIClient()

    def assertion(self, *, now: int, key=None, aud=TOKEN_URL, lifetime=240, jti=None, **extra):
        key = key or self.key
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": aud,
            "exp": now + lifetime,
            "jti": jti or uuid.uuid4().hex,
            **extra,
        }
        return jwt.encode({"alg": "ES384", "kid": key.kid}, claims, key, algorithms=["ES384"])

    def ask(self, assertion: str, scope: str = "system/*.read"):
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
            "scope": scope,
        }
        return self.http.post(
            "/fhir/R4/auth/token", urlencode(form), content_type="application/x-www-form-urlencoded"
        )

    def login(self, *, now: int, scope: str) -> APIClient:
        response = self.ask(self.assertion(now=now), scope)
        assert response.status_code == 200, response.content
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
        return client
