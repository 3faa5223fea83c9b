"""factory-boy factories shared by every app's tests."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from stations.models import Area, Building, Community, Household, Profile, Station, Unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    role = "agent"


def station(number: int = 1) -> Station:
    return Station.objects.get(number=number)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    station = factory.LazyFunction(lambda: station(1))
    name = factory.Sequence(lambda n: f"片区{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    area = factory.SubFactory(AreaFactory)
    name = factory.Sequence(lambda n: f"测试小区{n}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    community = factory.SubFactory(CommunityFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    floors = 6
    network_position = "middle"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    number = 1


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    unit = factory.SubFactory(UnitFactory)
    area = factory.LazyAttribute(lambda o: o.unit.building.community.area)
    station = factory.LazyAttribute(lambda o: o.area.station)
    building_floors = factory.LazyAttribute(lambda o: o.unit.building.floors)
    account_number = factory.Sequence(lambda n: f"T{n:08d}")
    floor = 3
    room = factory.Sequence(lambda n: f"{n % 4 + 1:02d}")
    address = factory.LazyAttribute(lambda o: f"{o.unit}{o.floor}{o.room}室")
    resident_name = "王建国"
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    orientation = "south"
    area_m2 = Decimal("86.50")
    heat_price = Decimal("22.00")


SHANGHAI = dt.timezone(dt.timedelta(hours=8))
