"""docker-compose.yml, Dockerfile and .dockerignore: Docker does not run here, so the files are
checked statically, against the Compose Specification schema (tests/data/compose-spec.json) and
for the facts the deployment relies on."""

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft201909Validator

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "compose-spec.json"
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def schema_errors(schema: dict, document: dict) -> list[str]:
    # The schema names draft 2019-09 as "http://…/schema#", a spelling jsonschema does not map to a
    # validator (it would fall back to the latest draft with a warning): name the draft explicitly.
    assert "2019-09" in schema["$schema"]
    Draft201909Validator.check_schema(schema)
    validator = Draft201909Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(document)]


def command_words(service: dict) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else list(command)


def test_compose_file_matches_the_compose_specification(schema, compose):
    assert schema_errors(schema, compose) == []


def test_the_schema_rejects_what_compose_would_reject(schema):
    """The vendored schema actually bites: an unknown key and a bad depends_on condition fail."""
    bad = {
        "services": {
            "web": {"image": "x", "comand": ["gunicorn"]},
            "worker": {"image": "x", "depends_on": {"web": {"condition": "service_ready"}}},
        }
    }
    errors = schema_errors(schema, bad)
    assert any(e.startswith("services/web") for e in errors)
    assert any(e.startswith("services/worker") for e in errors)


def test_exactly_one_beat(services):
    beats = [name for name, s in services.items() if "beat" in command_words(s)]
    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert "container_name" not in services["beat"] or services["beat"].get("scale", 1) == 1


def test_web_worker_and_beat_run_the_same_image(services):
    images = {(s.get("image"), json.dumps(s.get("build"), sort_keys=True)) for s in map(services.get, APP_SERVICES)}
    assert len(images) == 1
    image, build = images.pop()
    assert image
    assert build != "null"
    assert (services["migrate"].get("image"), json.dumps(services["migrate"].get("build"), sort_keys=True)) == (
        image,
        build,
    )


def test_commands(services):
    web = command_words(services["web"])
    assert web[0] == "gunicorn"
    assert "heatservice.wsgi:application" in web or "heatservice.wsgi" in web
    joined = " ".join(web)
    for option in ("--workers", "--timeout", "--graceful-timeout", "--bind"):
        assert option in joined
    assert command_words(services["worker"])[:4] == ["celery", "-A", "heatservice", "worker"]
    assert command_words(services["beat"])[:4] == ["celery", "-A", "heatservice", "beat"]
    assert command_words(services["migrate"])[-2:] == ["migrate", "--noinput"]


def test_app_services_wait_for_migrations_and_healthy_backends(services):
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["db"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
        assert services[name]["restart"] == "unless-stopped", name
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert services["migrate"]["restart"] == "no"


def test_database_and_redis(compose, services):
    db = services["db"]
    assert db["image"].split(":")[1].split(".")[0] == "15"
    assert db["image"].startswith("postgres:")
    volume = next(v.split(":")[0] for v in db["volumes"] if v.endswith(":/var/lib/postgresql/data"))
    assert volume in compose["volumes"], "the database must live on a named volume"
    assert "pg_isready" in json.dumps(db["healthcheck"]["test"])
    redis = services["redis"]
    assert redis["image"].startswith("redis:7")
    assert "redis-cli" in json.dumps(redis["healthcheck"]["test"])
    assert "ping" in json.dumps(redis["healthcheck"]["test"])


def test_every_service_is_health_checked_or_waits_for_healthy_services(services):
    for name, service in services.items():
        depends = service.get("depends_on", {})
        waits_for_healthy = isinstance(depends, dict) and any(
            d.get("condition") == "service_healthy" for d in depends.values()
        )
        assert "healthcheck" in service or waits_for_healthy, name
        if isinstance(depends, dict):
            for other in depends:
                assert other in services, f"{name} depends on unknown service {other}"
    assert "/admin/login/" in json.dumps(services["web"]["healthcheck"]["test"])


def test_environment(services):
    for name in (*APP_SERVICES, "migrate"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"] == "postgres://postgres:postgres@db:5432/heatservice"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DEBUG"] == "false"
        assert "SECRET_KEY" in env
        assert "ALLOWED_HOSTS" in env
        assert "127.0.0.1" in env["ALLOWED_HOSTS"], "the web health check calls 127.0.0.1"


def test_dockerfile():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert [ln for ln in text.splitlines() if ln.startswith("FROM ")] == ["FROM python:3.12-slim"]
    assert "pip install -c requirements.lock ." in text
    assert "collectstatic --noinput" in text
    assert "SECRET_KEY=" in text
    assert "python -m heatservice.i18n" in text
    user_lines = [ln.split()[1] for ln in text.splitlines() if ln.startswith("USER ")]
    assert user_lines
    assert user_lines[-1] not in {"root", "0"}


def test_dockerignore():
    entries = {ln.strip() for ln in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()}
    assert {".venv", "var", ".git", "staticfiles"} <= entries
    assert any("__pycache__" in e for e in entries)
