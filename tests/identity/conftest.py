"""A real OpenID Connect provider on loopback (panva's oidc-provider, from the npm registry
through `make oidc-provider`, run by Debian's Node.js), and the settings that point the
site at it. Nothing of the flow is mocked."""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from mozilla_django_oidc.utils import generate_code_challenge

PROVIDER_DIR = Path(__file__).parent / "provider"
CLIENT_ID, CLIENT_SECRET = "tumorboard", "test-only-client-secret"
OTHER_ID, OTHER_SECRET = "another-app", "another-test-only-secret"
OUTSIDE_REDIRECT = "http://127.0.0.1:9/callback"  # never requested: the code is read off
ROLE_MAP = {"tb-navigators": "navigator", "tb-specialists": "specialist", "tb-admins": "admin"}
ACCOUNTS = {
    "sub-nina": {
        "email": "nina.sso@example.org",
        "preferred_username": "nina.sso",
        "given_name": "Nina",
        "family_name": "Navigator",
        "groups": ["tb-navigators", "all-staff"],
    },
}


@dataclass
class Provider:
    issuer: str
    accounts_file: Path

    def accounts_set(self, accounts: dict) -> None:
        self.accounts_file.write_text(json.dumps(accounts))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    node = shutil.which("node") or "/usr/bin/node"
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("oidc-provider is not installed: run `make oidc-provider`", pytrace=False)
    folder = tmp_path_factory.mktemp("oidc")
    port = _free_port()
    provider = Provider(f"http://127.0.0.1:{port}", folder / "accounts.json")
    provider.accounts_set(ACCOUNTS)
    client = {"grant_types": ["authorization_code"], "response_types": ["code"]}
    config = {
        "port": port,
        "accounts": str(provider.accounts_file),
        "clients": [
            {
                **client,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{live_server.url}/oidc/callback/", OUTSIDE_REDIRECT],
                "token_endpoint_auth_method": "client_secret_post",
            },
            {
                **client,
                "client_id": OTHER_ID,
                "client_secret": OTHER_SECRET,
                "redirect_uris": [OUTSIDE_REDIRECT, f"{live_server.url}/oidc/callback/"],
                "token_endpoint_auth_method": "client_secret_post",
            },
        ],
    }
    (folder / "config.json").write_text(json.dumps(config))
    process = subprocess.Popen(
        [node, str(PROVIDER_DIR / "provider.mjs"), str(folder / "config.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready = threading.Event()
    output: list[str] = []

    def read():
        for line in process.stdout:
            output.append(line)
            if line.startswith("ready "):
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(30):
        process.kill()
        pytest.fail("the OpenID Connect provider did not start:\n" + "".join(output))
    for warm_up in ("/.well-known/openid-configuration", "/jwks"):  # its first answers are slow
        requests.get(provider.issuer + warm_up, timeout=30).raise_for_status()
    yield provider
    process.terminate()
    process.wait(10)


@pytest.fixture
def oidc(settings, oidc_provider):
    """The site configured for the local provider, with a fresh account list."""
    oidc_provider.accounts_set(ACCOUNTS)
    issuer = oidc_provider.issuer
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_ISSUER = issuer
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/me"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/jwks"
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_ROLE_MAP = ROLE_MAP
    settings.OIDC_PROVIDER_NAME = "Test Hospital ID"
    return oidc_provider


def provider_login(
    provider: Provider, *, client_id: str, secret: str, login: str, nonce: str
) -> dict:
    """The authorization code flow with PKCE against the real provider, by HTTP without a
    browser (its development login form takes any password): returns the token response
    (`id_token`, `access_token`) issued to `client_id`."""
    verifier = secrets.token_urlsafe(48)
    session = requests.Session()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": OUTSIDE_REDIRECT,
            "scope": "openid email profile groups",
            "state": "s" * 16,
            "nonce": nonce,
            "code_challenge": generate_code_challenge(verifier, "S256"),
            "code_challenge_method": "S256",
        }
    )
    url = f"{provider.issuer}/auth?{query}"
    for _ in range(10):
        answer = session.get(url, allow_redirects=False, timeout=10)
        if answer.status_code == 200:  # the sign-in form
            form_action = answer.text.split('action="', 1)[1].split('"', 1)[0]
            answer = session.post(
                provider.issuer + form_action if form_action.startswith("/") else form_action,
                data={"prompt": "login", "login": login, "password": "any"},
                allow_redirects=False,
                timeout=10,
            )
        location = answer.headers.get("Location")
        assert location, f"{answer.status_code} {answer.url}: {answer.text[:500]}"
        if location.startswith(OUTSIDE_REDIRECT):
            code = parse_qs(urlsplit(location).query)["code"][0]
            break
        url = location if location.startswith("http") else provider.issuer + location
    else:
        pytest.fail("the provider never redirected back")
    tokens = requests.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": OUTSIDE_REDIRECT,
            "client_id": client_id,
            "client_secret": secret,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    tokens.raise_for_status()
    return tokens.json()


def sso_by_http(base_url: str, *, login: str, path: str = "/oidc/authenticate/"):
    """The whole single sign-on through the site and the real provider by plain HTTP (no
    browser): returns the requests session (our session cookie in it) and the last
    answer, after every redirect."""
    session = requests.Session()
    answer = session.get(f"{base_url}{path}", timeout=10)
    for _ in range(3):
        if 'name="prompt" value="login"' not in answer.text:
            break
        action = answer.text.split('action="', 1)[1].split('"', 1)[0]
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(answer.url))
        answer = session.post(
            origin + action if action.startswith("/") else action,
            data={"prompt": "login", "login": login, "password": "any"},
            timeout=10,
        )
    return session, answer
