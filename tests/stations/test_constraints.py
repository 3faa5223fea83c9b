"""The database itself refuses broken organisation data (STYLE.md rule 14), whatever code writes it."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from stations.models import Household, Profile
from tests.factories import BuildingFactory, HouseholdFactory, ProfileFactory, UnitFactory, UserFactory, station

pytestmark = pytest.mark.django_db


def negative_area():
    HouseholdFactory(area_m2=Decimal("-1.00"))


def zero_area():
    HouseholdFactory(area_m2=Decimal("0.00"))


def floor_above_building():
    unit = UnitFactory(building__floors=6)
    HouseholdFactory(unit=unit, floor=7)


def floor_zero():
    HouseholdFactory(floor=0)


def duplicate_account_number():
    HouseholdFactory(account_number="A0000001")
    HouseholdFactory(account_number="A0000001")


def non_positive_heat_price():
    HouseholdFactory(heat_price=Decimal("0.00"))


def unknown_orientation():
    HouseholdFactory(orientation="east")


def second_station_head():
    ProfileFactory(role="station_head", station=station(1))
    ProfileFactory(role="station_head", station=station(1))


def station_staff_without_station():
    ProfileFactory(role="worker", station=None)


def station_head_without_station():
    ProfileFactory(role="station_head", station=None)


def resident_without_household():
    ProfileFactory(role="resident", household=None)


def unknown_role():
    ProfileFactory(role="janitor")


def building_with_zero_floors():
    BuildingFactory(floors=0)


def building_with_unknown_network_position():
    BuildingFactory(network_position="edge")


@pytest.mark.parametrize(
    ("write", "constraint"),
    [
        pytest.param(negative_area, "household_area_positive", id="household-area-negative"),
        pytest.param(zero_area, "household_area_positive", id="household-area-zero"),
        pytest.param(floor_above_building, "household_floor_in_building", id="household-floor-7-of-6"),
        pytest.param(floor_zero, "household_floor_in_building", id="household-floor-0"),
        pytest.param(duplicate_account_number, "account_number", id="household-account-number-duplicate"),
        pytest.param(non_positive_heat_price, "household_price_positive", id="household-heat-price-zero"),
        pytest.param(unknown_orientation, "household_orientation_valid", id="household-orientation-unknown"),
        pytest.param(second_station_head, "profile_one_head_per_station", id="second-head-of-station-1"),
        pytest.param(station_staff_without_station, "profile_station_staff_have_station", id="worker-without-station"),
        pytest.param(
            station_head_without_station, "profile_station_staff_have_station", id="station-head-without-station"
        ),
        pytest.param(resident_without_household, "profile_resident_has_household", id="resident-without-household"),
        pytest.param(unknown_role, "profile_role_valid", id="profile-role-unknown"),
        pytest.param(building_with_zero_floors, "building_floors_range", id="building-0-floors"),
        pytest.param(
            building_with_unknown_network_position,
            "building_network_position_valid",
            id="building-network-position-unknown",
        ),
    ],
)
def test_database_refuses(write, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        write()


def test_valid_rows_are_accepted_alongside():
    """The refusals above are not just any failure: the same shapes with valid values are stored."""
    with transaction.atomic():
        HouseholdFactory(account_number="A0000001", floor=6, unit__building__floors=6)
        ProfileFactory(role="station_head", station=station(1))
        ProfileFactory(role="station_head", station=station(2))
        ProfileFactory(role="worker", station=station(1))
        ProfileFactory(role="worker", station=station(1))
        ProfileFactory(role="resident", household=Household.objects.get())
        ProfileFactory(role="agent", station=None, user=UserFactory(username="agent-without-station"))
        BuildingFactory(floors=1)

    assert Profile.objects.filter(role="station_head").count() == 2


def test_refused_write_leaves_earlier_rows_intact():
    HouseholdFactory(account_number="A0000001")

    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(account_number="A0000001")

    assert Household.objects.filter(account_number="A0000001").count() == 1
