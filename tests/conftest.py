"""Role fixtures and helpers shared by all tests (STYLE.md rule 17)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from tests.factories import HouseholdFactory, ProfileFactory, UserFactory, station

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="session", autouse=True)
def _postgresql_only(django_db_setup, django_db_blocker):
    """The suite runs on PostgreSQL (locks, constraints and races are real only there)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.exit("Set DATABASE_URL to a PostgreSQL database (make test does): the suite needs PostgreSQL.", 2)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Hashing with the production hasher costs about a second per user; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def now():
    """A fixed, ordinary working Monday morning in the heating season."""
    return dt.datetime(2026, 12, 7, 9, 30, tzinfo=SHANGHAI)


def make_staff(username: str, role: str, station_number: int | None = None, household=None):
    user = UserFactory(username=username)
    ProfileFactory(
        user=user,
        role=role,
        station=station(station_number) if station_number else None,
        household=household,
    )
    return user


@pytest.fixture
def household(db):
    return HouseholdFactory()


@pytest.fixture
def other_household(db):
    """A household of station 2."""
    return HouseholdFactory(unit__building__community__area__station=station(2))


@pytest.fixture
def agent(db):
    return make_staff("agent1", "agent")


@pytest.fixture
def agent2(db):
    return make_staff("agent2", "agent")


@pytest.fixture
def station_head(db):
    return make_staff("head1", "station_head", 1)


@pytest.fixture
def head2(db):
    return make_staff("head2", "station_head", 2)


@pytest.fixture
def worker(db):
    return make_staff("worker1", "worker", 1)


@pytest.fixture
def manager(db):
    return make_staff("manager", "manager")


@pytest.fixture
def resident(db, household):
    return make_staff("resident1", "resident", household=household)


@pytest.fixture
def resident2(db, other_household):
    return make_staff("resident2", "resident", household=other_household)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def client_for(api):
    def _as(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _as
