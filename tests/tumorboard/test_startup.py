"""A missing or unreachable service at start-up is one clear line, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_unreachable_database_says_so_in_one_line():
    result = manage(
        "migrate", "--check", SECRET_KEY="x", DATABASE_URL="postgresql://nobody@127.0.0.1:1/nothing"
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: PostgreSQL is not reachable")
    assert "unset DATABASE_URL" in lines[0]


def test_a_missing_secret_key_outside_development_says_so_in_one_line():
    result = manage("check")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: SECRET_KEY must be set in the environment"


def test_production_settings_pass_the_deploy_check_with_no_warnings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k7$Qv2!pX9@zL4#mR8^tW1&nB6*cY3(dF5)hJ0_sA-eG+uI=oP{yT}",
        ALLOWED_HOSTS="tumorboard.example.org",
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="31536000",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def outside_development(**env):
    """`manage.py check` as production runs it: no DEBUG, not under the embedded runner."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "TUMORBOARD_EMBEDDED", "DATABASE_URL", "REDIS_URL", "SITE_URL")
    }
    environment.update({"SECRET_KEY": "x", **env})
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_a_database_url_refuses_to_start_instead_of_an_empty_database():
    result = outside_development(REDIS_URL=os.environ["REDIS_URL"], SITE_URL="https://x.org")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: DATABASE_URL must be set in the environment")


def test_production_without_a_site_url_refuses_to_start_rather_than_link_to_127_0_0_1():
    result = outside_development(
        DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"]
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: SITE_URL must be set in the environment")


def test_development_keeps_the_embedded_default():
    result = outside_development(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
