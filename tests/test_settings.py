"""heatservice/settings.py read from the environment (STYLE.md rule 15; API.md "Setting up and running").

Each case imports the settings in a fresh interpreter with a clean environment, so nothing the test
run itself sets (DATABASE_URL, REDIS_URL, ...) leaks in, and no module-level settings are mutated.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

PROBE = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "heatservice.settings"
import django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "host": db.get("HOST", ""),
    "port": db.get("PORT", ""),
    "user": db.get("USER", ""),
    "broker": settings.CELERY_BROKER_URL,
    "broker_options": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "time_zone": settings.TIME_ZONE,
    "celery_timezone": settings.CELERY_TIMEZONE,
    "use_tz": settings.USE_TZ,
    "language_code": settings.LANGUAGE_CODE,
    "languages": [code for code, _ in settings.LANGUAGES],
    "demo_password": settings.DEMO_PASSWORD,
    "debug": settings.DEBUG,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "secret_key_set": bool(settings.SECRET_KEY),
    "var_dir": str(settings.VAR_DIR),
}))
"""

# Variables the settings module reads; all of them are removed unless a case sets them.
SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DEMO_PASSWORD",
    "SECRET_KEY",
    "CONN_MAX_AGE",
    "CELERY_TASK_ALWAYS_EAGER",
    "EMAIL_BACKEND",
    "DEFAULT_FROM_EMAIL",
    "DJANGO_SETTINGS_MODULE",
    "HEAT_VAR_DIR",
)


def settings_with(var_dir: Path, **env: str) -> dict:
    clean = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    clean.update(HEAT_VAR_DIR=str(var_dir), **env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def defaults(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("var")
    return var_dir, settings_with(var_dir)


def test_default_database_is_sqlite_under_the_var_dir(defaults):
    var_dir, values = defaults

    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(var_dir / "heatservice.sqlite3")
    assert values["var_dir"] == str(var_dir)


def test_default_broker_is_the_filesystem_under_the_var_dir(defaults):
    var_dir, values = defaults

    assert values["broker"] == "filesystem://"
    assert values["broker_options"]["data_folder_in"] == str(var_dir / "broker" / "out")
    assert values["broker_options"]["data_folder_out"] == str(var_dir / "broker" / "out")
    assert (var_dir / "broker" / "out").is_dir()
    assert (var_dir / "broker" / "processed").is_dir()
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_time_and_language_defaults(defaults):
    _, values = defaults

    assert values["time_zone"] == "Asia/Shanghai"
    assert values["celery_timezone"] == "Asia/Shanghai"
    assert values["use_tz"] is True
    assert values["language_code"] == "zh-hans"
    assert values["languages"] == ["zh-hans", "en"]


def test_demo_password_debug_and_hosts_defaults(defaults):
    _, values = defaults

    assert values["demo_password"] == "heat-demo-2026"
    assert values["debug"] is True
    assert values["allowed_hosts"] == ["127.0.0.1", "localhost", "[::1]", "testserver"]
    assert values["secret_key_set"] is True


def test_database_url_and_redis_url_are_used(tmp_path):
    values = settings_with(
        tmp_path,
        DATABASE_URL="postgres://heat:secret@db.example:5433/heat_prod",
        REDIS_URL="redis://cache.example:6380/2",
    )

    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["name"], values["host"], values["port"], values["user"]) == ("heat_prod", "db.example", 5433, "heat")
    assert values["broker"] == "redis://cache.example:6380/2"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["cache_location"] == "redis://cache.example:6380/2"
    assert not (tmp_path / "broker").exists()


@pytest.mark.parametrize(
    ("env", "debug", "hosts"),
    [
        pytest.param({"DEBUG": "0"}, False, None, id="debug-0"),
        pytest.param({"DEBUG": "false"}, False, None, id="debug-false"),
        pytest.param({"DEBUG": "True"}, True, None, id="debug-true"),
        pytest.param({"DEBUG": ""}, True, None, id="debug-empty-is-default"),
        pytest.param(
            {"ALLOWED_HOSTS": "heat.example.com, api.heat.example.com"},
            True,
            ["heat.example.com", "api.heat.example.com"],
            id="allowed-hosts-comma-list",
        ),
    ],
)
def test_debug_and_allowed_hosts_come_from_the_environment(tmp_path, env, debug, hosts):
    values = settings_with(tmp_path, **env)

    assert values["debug"] is debug
    if hosts is not None:
        assert values["allowed_hosts"] == hosts


def test_demo_password_comes_from_the_environment(tmp_path):
    assert settings_with(tmp_path, DEMO_PASSWORD="s3cret-demo")["demo_password"] == "s3cret-demo"
