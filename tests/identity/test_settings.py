"""Production settings ask for a second factor; the deploy check says when they do not."""

from __future__ import annotations

from tests.tumorboard.test_startup import manage

PRODUCTION = {
    "SECRET_KEY": "k7$Qv2!pX9@zL4#mR8^tW1&nB6*cY3(dF5)hJ0_sA-eG+uI=oP{yT}",
    "ALLOWED_HOSTS": "tumorboard.example.org",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
}


def test_the_deploy_check_warns_when_production_turns_the_second_factor_off():
    args = ("check", "--deploy", "--fail-level", "WARNING")
    assert manage(*args, **PRODUCTION).returncode == 0
    off = manage(*args, **PRODUCTION, MFA_REQUIRED="0")
    assert off.returncode == 1 and "identity.W001" in off.stderr + off.stdout
    sso_only = manage(*args, **PRODUCTION, MFA_REQUIRED="0", LOCAL_LOGIN_ENABLED="0")
    assert sso_only.returncode == 0, sso_only.stdout + sso_only.stderr
