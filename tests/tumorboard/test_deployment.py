"""docker-compose.yml cannot start here (no Docker engine); it must still parse and stay in
step with the settings."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_names_every_service_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_compose_gives_every_app_service_the_settings_it_reads():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("web", "worker", "beat"):
        environment = compose["services"][name]["environment"]
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"} <= set(
            environment
        )
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert compose["services"][name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_worker_does_not_pin_a_container_name_so_it_can_scale():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "container_name" not in compose["services"]["worker"]
    assert "ports" not in compose["services"]["worker"]
