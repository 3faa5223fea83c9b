"""seed_demo: topology, households, accounts and tickets (API.md "Setting up and running")."""

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Max, Q

from complaints.demo import bulk_tickets, seed_tickets
from complaints.models import Deadline, Ticket, TicketEvent, TicketSequence
from stations.demo import ensure_accounts, seed_households
from stations.models import Area, Building, Community, Household, Profile, Unit

pytestmark = pytest.mark.django_db

N = 300
SNAPSHOT_FIELDS = (
    "account_number",
    "station__number",
    "area__name",
    "unit__building__community__name",
    "unit__building__number",
    "unit__building__network_position",
    "unit__number",
    "building_floors",
    "floor",
    "room",
    "address",
    "resident_name",
    "phone",
    "orientation",
    "area_m2",
    "heat_price",
)
FIXED_USERNAMES = (
    {"manager", "agent1", "agent2", "inspector", "resident1", "resident2"}
    | {f"head{n}" for n in range(1, 11)}
    | {f"worker{n}" for n in range(1, 11)}
)


def seed_demo(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **{"households": N, "tickets": 0, "seed": 7, **options})
    return out.getvalue()


def snapshot() -> list[tuple]:
    return list(Household.objects.order_by("account_number").values_list(*SNAPSHOT_FIELDS))


def wipe() -> None:
    """Back to an empty topology (the stations of the data migration stay)."""
    Profile.objects.all().delete()
    get_user_model().objects.all().delete()
    for model in (Household, Unit, Building, Community, Area):
        model.objects.all().delete()


def test_seed_demo_creates_households_and_every_account():
    seed_demo()

    assert Household.objects.count() == N
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert usernames >= FIXED_USERNAMES
    servicemen = {u for u in usernames if u.startswith("serviceman")}
    assert usernames == FIXED_USERNAMES | servicemen
    assert len(servicemen) == Area.objects.count() >= 10
    for area in Area.objects.select_related("serviceman__profile", "station"):
        assert area.serviceman.profile.role == "serviceman"
        assert area.serviceman.profile.station == area.station

    roles = dict(Profile.objects.values_list("user__username", "role"))
    assert roles["manager"] == "ops_chief"
    assert {roles["agent1"], roles["agent2"]} == {"agent"}
    assert roles["inspector"] == "inspector"
    for n in range(1, 11):
        assert roles[f"head{n}"] == "station_head"
        assert roles[f"worker{n}"] == "worker"
        assert Profile.objects.get(user__username=f"head{n}").station.number == n
        assert Profile.objects.get(user__username=f"worker{n}").station.number == n
    manager = get_user_model().objects.get(username="manager")
    assert manager.is_staff
    assert manager.is_superuser
    assert not get_user_model().objects.filter(is_superuser=True).exclude(username="manager").exists()
    for user in get_user_model().objects.prefetch_related("groups").select_related("profile"):
        assert [g.name for g in user.groups.all()] == [user.profile.role]
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", user.first_name), user.username

    resident1 = Profile.objects.select_related("household").get(user__username="resident1")
    resident2 = Profile.objects.select_related("household").get(user__username="resident2")
    assert resident1.role == resident2.role == "resident"
    assert resident1.household.account_number == "HS01000001"
    assert resident1.household.address.startswith("杏坛花园")
    assert resident2.household.account_number == "HS02000001"
    assert resident2.household.address.startswith("御景湾小区")
    assert resident1.household != resident2.household


def test_household_rows_are_realistic_and_consistent_with_their_units():
    seed_households(households=N, seed=7)

    rows = Household.objects.select_related("unit__building__community__area")
    assert len({h.account_number for h in rows}) == N
    for h in rows:
        building = h.unit.building
        assert h.area_id == building.community.area_id
        assert h.station_id == building.community.area.station_id
        assert h.building_floors == building.floors in {6, 11, 18, 26}
        assert 1 <= h.floor <= building.floors
        assert h.room == f"{h.floor:02d}{h.room[2:]}"
        assert len(h.room) == 4
        assert h.address == f"{building.community.name}{building.number}号楼{h.unit.number}单元{h.room}室"
        assert re.fullmatch(r"HS\d{8}", h.account_number)
        assert re.fullmatch(r"1[3-9]\d{9}", h.phone)
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", h.resident_name)
        assert 45 <= h.area_m2 <= 160
        assert h.area_m2.as_tuple().exponent == -2
        assert str(h.heat_price) == "22.00"
    assert set(Unit.objects.annotate(n=Count("building__units")).values_list("n", flat=True)) <= {2, 3, 4}


def test_attributes_are_balanced_in_every_area():
    """DOMAIN.md §6 quotas must be satisfiable: ~60 % end of network and ~60 % north per area."""
    seed_households(households=N, seed=7)

    areas = Area.objects.annotate(
        total=Count("households"),
        end=Count("households", filter=Q(households__unit__building__network_position="end")),
        north=Count("households", filter=Q(households__orientation="north")),
    )
    assert areas.count() >= 10
    for area in areas:
        assert area.total >= 10
        assert abs(area.end - 0.6 * area.total) <= 0.5, area.name  # largest-remainder exact
        assert abs(area.north - 0.6 * area.total) <= 1.2, area.name  # blocks of five, 3 north
        assert 0.5 <= area.end / area.total <= 0.7
        assert 0.5 <= area.north / area.total <= 0.7
        floors = Household.objects.filter(area=area).values_list("floor", "building_floors")
        thirds = {min(2, (floor - 1) * 3 // total) for floor, total in floors}
        assert thirds == {0, 1, 2}, area.name  # lower, middle and upper floors all exist


def test_same_seed_gives_the_same_households_and_another_seed_differs():
    seed_households(households=N, seed=11)
    first = snapshot()
    wipe()
    seed_households(households=N, seed=11)
    assert snapshot() == first
    wipe()
    seed_households(households=N, seed=12)
    other = snapshot()
    assert len(other) == N
    assert other != first


def test_second_run_duplicates_nothing_and_if_empty_skips():
    seed_demo()
    users = get_user_model().objects.count()
    profiles = Profile.objects.count()
    snapshot_before = snapshot()

    out = seed_demo()

    assert "already present" in out
    assert get_user_model().objects.count() == users
    assert Profile.objects.count() == profiles
    assert snapshot() == snapshot_before
    out = seed_demo(if_empty=True)
    assert "nothing to do" in out


def test_demo_password_works():
    seed_demo()

    for username in ("manager", "resident1", "serviceman1_1"):
        assert authenticate(username=username, password=settings.DEMO_PASSWORD) is not None, username
    assert authenticate(username="manager", password="wrong") is None


def test_demo_tickets_go_through_the_services_with_clocks(now):
    seed_households(households=N, seed=7)
    ensure_accounts(password=settings.DEMO_PASSWORD)

    result = seed_tickets(count=30, seed=7, now=now)

    assert result.created == Ticket.objects.count() == 30
    assert sum(result.by_status.values()) == 30
    resident1 = Profile.objects.get(user__username="resident1")
    resident2 = Profile.objects.get(user__username="resident2")
    for profile in (resident1, resident2):
        tickets = Ticket.objects.filter(household=profile.household)
        assert tickets.count() >= 2
        for ticket in tickets:
            assert ticket.deadlines.exists()
            assert ticket.events.filter(kind="received").exists()
    assert Ticket.objects.filter(household=resident1.household, category="too_cold", status="closed").exists()
    assert Ticket.objects.filter(household=resident1.household, channel="web").exists()
    assert Ticket.objects.filter(received_at__gt=now).count() == 0
    assert Ticket.objects.filter(received_at__lt=now - dt.timedelta(days=13)).count() == 0  # letters: 2 days early
    assert set(Ticket.objects.values_list("first_responder__profile__role", flat=True)) <= {
        "agent",
        "serviceman",
        "resident",
    }
    assert len(set(Ticket.objects.values_list("status", flat=True))) >= 3
    assert not Ticket.objects.annotate(n=Count("events"), last=Max("events__seq")).exclude(last=F("n")).exists()


def test_bulk_tickets_writes_consistent_history_and_pending_clocks(now):
    seed_households(households=N, seed=7)
    ensure_accounts(password=settings.DEMO_PASSWORD)

    result = bulk_tickets(count=500, pending_overdue=7, now=now, seed=1)

    assert result.tickets == Ticket.objects.count() == 500
    assert result.deadlines == Deadline.objects.count()
    assert result.events == TicketEvent.objects.count()
    pending = Deadline.objects.filter(state="pending")
    assert pending.count() == 7
    assert not pending.exclude(due_at__lt=now, due_at__gte=now - dt.timedelta(minutes=1)).exists()
    assert set(Deadline.objects.values_list("state", flat=True)) == {"pending", "met", "met_late"}
    assert not Deadline.objects.filter(state="met", met_at__gt=F("due_at")).exists()
    assert not Deadline.objects.filter(state="met_late", met_at__lte=F("due_at")).exists()
    assert not Deadline.objects.exclude(state="pending").filter(met_at__gte=now).exists()
    assert Ticket.objects.filter(status="closed").count() == 493
    assert not Ticket.objects.annotate(n=Count("events"), last=Max("events__seq")).exclude(last=F("n")).exists()
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 500
    assert all(re.fullmatch(r"GD\d{8}-\d{4}", n) for n in numbers)
    for day, last in TicketSequence.objects.values_list("day", "last"):
        assert Ticket.objects.filter(number__startswith=f"GD{day:%Y%m%d}-").count() == last
