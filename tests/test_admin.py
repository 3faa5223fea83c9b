"""The admin site: every page opens for a superuser, read-only models stay read-only, and the
household changelist stays cheap however many households there are."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import stations.admin as stations_admin
from complaints import services
from complaints.models import Ticket, TicketEvent
from stations.models import Household, ServicePolicy, Station
from tests.factories import BuildingFactory, HouseholdFactory, UnitFactory, station

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def ticket(agent, household, now):
    """A complaint, so that tickets, clocks, events and outbound messages all have a row."""
    created, _ = services.ticket_create(
        actor=agent,
        data=services.TicketInput(
            category="complaint",
            caller_name="王建国",
            caller_phone="13912345678",
            content="暖气不热,室温只有14度",
            household=household,
        ),
        now=now,
    )
    return created


@pytest.fixture
def superuser_request(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_changelist_add_and_change_pages_open(admin_client, superuser_request, ticket, model):
    model_admin = admin.site._registry[model]
    response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200

    add = admin_client.get(url(model, "add"))
    assert add.status_code == (200 if model_admin.has_add_permission(superuser_request) else 403)

    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        assert admin_client.get(url(model, "change", obj.pk)).status_code == 200


def test_station_household_and_ticket_change_pages(admin_client, ticket, household):
    page = admin_client.get(url(Station, "change", station(1).pk))
    assert page.status_code == 200
    assert "第一供热所" in page.content.decode()

    page = admin_client.get(url(Household, "change", household.pk))
    assert page.status_code == 200
    assert household.account_number in page.content.decode()

    page = admin_client.get(url(Ticket, "change", ticket.pk))
    assert page.status_code == 200
    body = page.content.decode()
    assert ticket.number in body
    assert "时限" in body
    assert "工单事件" in body
    assert "received" in body


def test_labels_are_chinese(admin_client, household):
    body = admin_client.get(url(Household, "changelist")).content.decode()
    assert "用户编号" in body
    assert "户主姓名" in body
    assert "供热所" in body
    assert "朝向" in body  # the orientation filter


def test_household_search_and_filters(admin_client, household, other_household):
    changelist = url(Household, "changelist")
    for query in (household.phone, household.phone[:5], household.account_number, "王建国"):
        body = admin_client.get(changelist, {"q": query}).content.decode()
        assert household.account_number in body, query
    body = admin_client.get(changelist, {"station__id__exact": station(2).pk}).content.decode()
    assert other_household.account_number in body
    assert household.account_number not in body
    assert admin_client.get(changelist, {"orientation__exact": "south"}).status_code == 200
    # Phones are masked in the list (DOMAIN.md §10).
    assert household.phone not in admin_client.get(changelist).content.decode()


def test_ticket_search_and_filters(admin_client, ticket):
    changelist = url(Ticket, "changelist")
    for query in (ticket.number, ticket.caller_phone, ticket.caller_name):
        assert ticket.number in admin_client.get(changelist, {"q": query}).content.decode(), query
    for params in ({"status__exact": "received"}, {"category__exact": "complaint"}, {"channel__exact": "phone"}):
        assert ticket.number in admin_client.get(changelist, params).content.decode(), params
    body = admin_client.get(changelist, {"status__exact": "closed"}).content.decode()
    assert ticket.number not in body


def test_events_are_read_only(admin_client, ticket):
    event = TicketEvent.objects.filter(ticket=ticket).first()
    change = url(TicketEvent, "change", event.pk)
    page = admin_client.get(change)
    assert page.status_code == 200
    assert "deletelink" not in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, {"kind": "tampered", "note": "x"}).status_code == 403
    assert admin_client.get(url(TicketEvent, "delete", event.pk)).status_code == 403
    assert admin_client.post(url(TicketEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    assert admin_client.get(url(TicketEvent, "add")).status_code == 403
    assert "delete_selected" not in admin_client.get(url(TicketEvent, "changelist")).content.decode()
    event.refresh_from_db()
    assert event.kind == "received"


def test_tickets_are_never_deleted(admin_client, ticket):
    assert admin_client.get(url(Ticket, "delete", ticket.pk)).status_code == 403
    assert admin_client.post(url(Ticket, "delete", ticket.pk), {"post": "yes"}).status_code == 403
    response = admin_client.post(
        url(Ticket, "changelist"), {"action": "delete_selected", "_selected_action": [ticket.pk], "post": "yes"}
    )
    assert response.status_code in {200, 302}
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_policy_versions_are_immutable(admin_client):
    policy = ServicePolicy.objects.get(is_current=True)
    change = url(ServicePolicy, "change", policy.pk)
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"transfer_minutes": 1}).status_code == 403
    assert admin_client.get(url(ServicePolicy, "delete", policy.pk)).status_code == 403
    assert admin_client.get(url(ServicePolicy, "add")).status_code == 403


def test_policy_action_publishes_a_copy_as_a_new_version(admin_client):
    first = ServicePolicy.objects.get(is_current=True)
    response = admin_client.post(
        url(ServicePolicy, "changelist"), {"action": "publish_copy", "_selected_action": [first.pk]}
    )
    assert response.status_code == 302
    current = ServicePolicy.objects.get(is_current=True)
    assert current.version == first.version + 1
    assert current.transfer_minutes == first.transfer_minutes
    first.refresh_from_db()
    assert not first.is_current


def test_user_admin_shows_the_profile_inline(admin_client, station_head):
    page = admin_client.get(url(get_user_model(), "change", station_head.pk))
    assert page.status_code == 200
    body = page.content.decode()
    assert "人员档案" in body
    assert 'name="profile-0-role"' in body
    changelist = admin_client.get(url(get_user_model(), "changelist")).content.decode()
    assert "供热所所长" in changelist


def test_adding_a_household_copies_station_area_and_floors_from_the_unit(admin_client):
    unit = UnitFactory(building=BuildingFactory(floors=5))
    form = {
        "account_number": "A00000001",
        "resident_name": "李梅",
        "phone": "13800001111",
        "unit": unit.pk,
        "floor": 4,
        "room": "02",
        "address": "测试地址402室",
        "orientation": "north",
        "area_m2": "90.00",
        "heat_price": "22.00",
    }
    too_high = admin_client.post(url(Household, "add"), {**form, "floor": 6})
    assert too_high.status_code == 200
    assert not Household.objects.filter(account_number="A00000001").exists()

    response = admin_client.post(url(Household, "add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Household.objects.get(account_number="A00000001")
    area = unit.building.community.area
    assert (created.area, created.station, created.building_floors) == (area, area.station, 5)


def _changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(Household, "changelist")).status_code == 200
    return len(queries)


def test_household_changelist_queries_do_not_grow_with_rows(admin_client, household):
    few = _changelist_queries(admin_client)
    HouseholdFactory.create_batch(15)
    HouseholdFactory.create_batch(5, unit__building__community__area__station=station(3))
    assert Household.objects.count() == 21
    assert _changelist_queries(admin_client) == few


def test_unfiltered_big_changelist_is_not_counted_exactly(admin_client, monkeypatch):
    HouseholdFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Household._meta.db_table}")
    monkeypatch.setattr(stations_admin, "EXACT_COUNT_BELOW", 1)
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(url(Household, "changelist")).status_code == 200
    household_counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and Household._meta.db_table in q["sql"]]
    assert household_counts == []
    assert any("reltuples" in q["sql"] for q in queries)
    # A search is counted exactly.
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(url(Household, "changelist"), {"q": "王建国"}).status_code == 200
    assert any("COUNT(" in q["sql"] for q in queries)
