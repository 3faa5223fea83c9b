"""The tickets API (API.md "Tickets"): scoping, the transition table over HTTP, errors, query counts."""

import datetime as dt

import pytest
from django.utils import timezone

from complaints.models import Status, Ticket
from tests.complaints.helpers import make_ticket

pytestmark = pytest.mark.django_db

CREATE = {
    "category": "repair",
    "repair_kind": "general_fault",
    "caller_name": "李秀英",
    "caller_phone": "13812345678",
    "content": "暖气片不热",
}


def test_agent_logs_a_repair_and_reads_it_back(client_for, agent, household):
    api = client_for(agent)
    response = api.post("/api/v1/tickets/", {**CREATE, "household": household.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("GD")
    assert body["status"] == "received"
    assert body["first_responder"] == "agent1"
    assert body["station"] == 1
    assert body["received_at"].endswith("+08:00")
    assert sorted(d["kind"] for d in body["deadlines"]) == ["contact", "on_site", "reply", "resolve"]
    assert {d["state"] for d in body["deadlines"]} == {"pending"}
    assert [e["kind"] for e in body["events"]] == ["received"]
    assert api.get(f"/api/v1/tickets/{body['number']}/").json()["query_code"] == body["query_code"]


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"category": "nonsense"}, {"category"}),
        ({"caller_phone": "12345"}, {"caller_phone"}),
        ({"repair_kind": ""}, {"repair_kind"}),
        ({"household": None}, {"household"}),
        ({"household": 999999}, {"household"}),
        ({"received_at": "2099-01-01T00:00:00+08:00", "channel": "letter"}, {"received_at"}),
        ({"received_at": "not a date"}, {"received_at"}),
        ({"content": ""}, {"content"}),
        ({"household": 10**30}, {"household"}),
        ({"caller_name": "名" * 51}, {"caller_name"}),
    ],
    ids=[
        "bad-category",
        "bad-phone",
        "repair-without-kind",
        "no-household",
        "unknown-household",
        "future",
        "bad-date",
        "empty",
        "huge-household-id",
        "long-name",
    ],
)
def test_bad_input_answers_400_per_field_and_creates_nothing(client_for, agent, household, change, errors):
    response = client_for(agent).post(
        "/api/v1/tickets/", {**CREATE, "household": household.pk, **change}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == errors
    assert not Ticket.objects.exists()


def test_idempotency_key_returns_the_first_ticket(client_for, agent, household):
    api = client_for(agent)
    payload = {**CREATE, "household": household.pk}
    first = api.post("/api/v1/tickets/", payload, format="json", HTTP_IDEMPOTENCY_KEY="call-42")
    again = api.post("/api/v1/tickets/", payload, format="json", HTTP_IDEMPOTENCY_KEY="call-42")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Ticket.objects.count() == 1
    assert api.post("/api/v1/tickets/", payload, format="json").status_code == 201


def test_resident_complains_online_on_the_web_channel(client_for, resident, household):
    response = client_for(resident).post(
        "/api/v1/tickets/", {"category": "complaint", "caller_name": "王建国", "caller_phone": "13912345678",
                             "content": "维修工态度差", "channel": "phone"}, format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["channel"], body["household"]) == ("web", household.pk)
    assert body["query_code"] is None
    assert body["caller_phone"] is None
    assert body["first_responder"] is None


def test_resident_sees_only_their_households_tickets(
    client_for, agent, resident, resident2, household, other_household, now
):
    own = make_ticket(agent, household, now)
    other = make_ticket(agent, other_household, now)
    api = client_for(resident)
    listed = api.get("/api/v1/tickets/").json()
    assert [t["number"] for t in listed["results"]] == [own.number]
    assert api.get(f"/api/v1/tickets/{other.number}/").status_code == 404
    assert api.get(f"/api/v1/tickets/?search={other.caller_phone}").json()["count"] == 1  # own only, same phone
    assert api.get(f"/api/v1/tickets/?search={other.number}").json()["count"] == 0
    for action in ["transfer", "resolve", "feedback", "return-visit", "reopen", "approve-extension"]:
        response = api.post(f"/api/v1/tickets/{other.number}/{action}/", {}, format="json")
        assert response.status_code == 404, action
    assert other.events.count() == 1
    detail = api.get(f"/api/v1/tickets/{own.number}/").json()
    assert detail["query_code"] is None
    assert detail["caller_name"] is None
    assert detail["caller_phone"] is None
    assert all(e["actor"] != "agent1" for e in detail["events"])


def test_station_head_sees_only_their_station(client_for, agent, station_head, household, other_household, now):
    own = make_ticket(agent, household, now)
    other = make_ticket(agent, other_household, now)
    api = client_for(station_head)
    assert [t["number"] for t in api.get("/api/v1/tickets/").json()["results"]] == [own.number]
    assert api.get("/api/v1/tickets/?station=2").json()["count"] == 0
    assert api.get(f"/api/v1/tickets/{other.number}/").status_code == 404
    assert api.get(f"/api/v1/tickets/{own.number}/").json()["query_code"] == own.query_code


def test_anonymous_gets_401(api, agent, household, now):
    ticket = make_ticket(agent, household, now)
    assert api.get("/api/v1/tickets/").status_code == 401
    assert api.get(f"/api/v1/tickets/{ticket.number}/").status_code == 401


def test_filters(client_for, agent, household):
    now = timezone.now()
    make_ticket(agent, household, now - dt.timedelta(days=3), category="enquiry")
    make_ticket(agent, household, now, category="complaint")
    api = client_for(agent)
    assert api.get("/api/v1/tickets/?category=enquiry").json()["count"] == 1
    assert api.get("/api/v1/tickets/?overdue=true").json()["count"] == 1  # the old enquiry's reply
    assert api.get("/api/v1/tickets/?overdue=false").json()["count"] == 1
    assert api.get("/api/v1/tickets/?station=1&status=received").json()["count"] == 2
    since = (now - dt.timedelta(days=1)).isoformat().replace("+", "%2B")
    assert api.get(f"/api/v1/tickets/?received_after={since}").json()["count"] == 1
    assert api.get("/api/v1/tickets/?search=王建").json()["count"] == 2
    assert api.get("/api/v1/tickets/?overdue=maybe").status_code == 400
    assert api.get("/api/v1/tickets/?station=abc").status_code == 400


@pytest.mark.parametrize("count", [2, 12])
def test_list_and_detail_query_counts_are_flat(client_for, agent, household, now, django_assert_num_queries, count):
    for _ in range(count):
        ticket = make_ticket(agent, household, now)
    api = client_for(agent)
    with django_assert_num_queries(3):  # count, tickets, deadlines (+ the caller's profile, cached)
        assert api.get("/api/v1/tickets/").json()["count"] == count
    with django_assert_num_queries(3):  # ticket, deadlines, events
        api.get(f"/api/v1/tickets/{ticket.number}/")


# The transition table over HTTP: every move not allowed from a state answers 409 and writes nothing.
ACTIONS = {
    "transfer": {"station": 1},
    "accept": {},
    "send-back": {"reason": "不属于本所"},
    "contact": {},
    "on-site": {},
    "resolve": {},
    "feedback": {"note": "已修好"},
    "return-visit": {"satisfaction": "satisfied"},
    "reopen": {"reason": "住户再次来电"},
}
PATHS = {
    Status.RECEIVED: [],
    Status.TRANSFERRED: ["transfer"],
    Status.ACCEPTED: ["transfer", "accept"],
    Status.CONTACTED: ["transfer", "accept", "contact"],
    Status.ON_SITE: ["transfer", "accept", "contact", "on-site"],
    Status.RESOLVED: ["resolve"],
    Status.FED_BACK: ["resolve", "feedback"],
    Status.CLOSED: ["resolve", "feedback", "return-visit"],
    Status.REOPENED: ["resolve", "feedback", "reopen"],
}
ALLOWED = {
    Status.RECEIVED: {"transfer", "contact", "on-site", "resolve"},
    Status.TRANSFERRED: {"accept", "send-back"},
    Status.ACCEPTED: {"contact", "on-site", "resolve"},
    Status.CONTACTED: {"on-site", "resolve"},
    Status.ON_SITE: {"resolve"},
    Status.RESOLVED: {"feedback"},
    Status.FED_BACK: {"return-visit", "reopen"},
    Status.CLOSED: {"reopen"},
    Status.REOPENED: {"transfer", "contact", "on-site", "resolve"},
}
FORBIDDEN = [(state, action) for state in PATHS for action in ACTIONS if action not in ALLOWED[state]]


@pytest.mark.parametrize(("state", "action"), FORBIDDEN, ids=[f"{s}-{a}" for s, a in FORBIDDEN])
def test_every_forbidden_move_answers_409(client_for, manager, household, now, state, action):
    api = client_for(manager)
    number = make_ticket(manager, household, now).number
    for step in PATHS[state]:
        assert api.post(f"/api/v1/tickets/{number}/{step}/", ACTIONS[step], format="json").status_code == 200, step
    events_before = Ticket.objects.get(number=number).events.count()
    response = api.post(f"/api/v1/tickets/{number}/{action}/", ACTIONS[action], format="json")
    assert response.status_code == 409
    assert "不能执行" in response.json()["status"][0]
    assert Ticket.objects.get(number=number).events.count() == events_before


@pytest.mark.parametrize(("state", "action"), [(s, a) for s in PATHS for a in sorted(ALLOWED[s])][:12])
def test_allowed_moves_succeed(client_for, manager, household, now, state, action):
    api = client_for(manager)
    number = make_ticket(manager, household, now).number
    for step in PATHS[state]:
        api.post(f"/api/v1/tickets/{number}/{step}/", ACTIONS[step], format="json")
    assert api.post(f"/api/v1/tickets/{number}/{action}/", ACTIONS[action], format="json").status_code == 200


def test_second_papers_request_answers_409_and_is_recorded(client_for, agent, household, now):
    api = client_for(agent)
    number = make_ticket(agent, household, now).number
    assert (
        api.post(f"/api/v1/tickets/{number}/request-papers/", {"items": ["身份证"]}, format="json").status_code == 200
    )
    again = api.post(f"/api/v1/tickets/{number}/request-papers/", {"items": ["户口本"]}, format="json")
    assert again.status_code == 409
    assert Ticket.objects.get(number=number).events.filter(kind="papers_rerequested").count() == 1


def test_assessments_are_for_managers(client_for, agent, manager, household, now):
    ticket = make_ticket(agent, household, now)
    assert client_for(agent).get("/api/v1/assessments/").status_code == 403
    api = client_for(manager)
    made = api.post(
        "/api/v1/assessments/", {"rule": "rudeness", "staff": "agent1", "ticket": ticket.number, "facts": "与住户争吵"},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    entry = made.json()[0]
    assert (entry["amount"], entry["state"], entry["ticket"]) == ("100.00", "proposed", ticket.number)
    assert api.get("/api/v1/assessments/?state=proposed&staff=agent1").json()["count"] == 1
    confirmed = api.post(f"/api/v1/assessments/{entry['id']}/confirm/", {"reason": "录音属实"}, format="json")
    assert confirmed.json()["state"] == "confirmed"
    assert api.post(f"/api/v1/assessments/{entry['id']}/dismiss/", {"reason": "x"}, format="json").status_code == 409
    assert client_for(agent).post(f"/api/v1/assessments/{entry['id']}/confirm/", {"reason": "x"}).status_code == 403


def test_falsified_measurement_makes_head_and_deputy_jointly_liable(client_for, manager, worker, station_head):
    from tests.conftest import make_staff

    make_staff("deputy", "deputy_chief")
    made = client_for(manager).post(
        "/api/v1/assessments/",
        {"rule": "falsified_measurement", "staff": "worker1", "facts": "测温记录造假", "deputy": "deputy"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    assert sorted((e["staff"], e["points"], e["jointly_liable"]) for e in made.json()) == [
        ("deputy", 5, True), ("head1", 5, True), ("worker1", 5, False),
    ]  # fmt: skip


def test_return_visit_queue_suggests_the_next_allowed_slot(client_for, agent, manager, household, now):
    ticket = make_ticket(agent, household, now)
    api = client_for(manager)
    for step in ["resolve", "feedback"]:
        api.post(f"/api/v1/tickets/{ticket.number}/{step}/", ACTIONS[step], format="json")
    rows = client_for(agent).get("/api/v1/return-visits/").json()["results"]
    assert [r["ticket"] for r in rows] == [ticket.number]
    slot = dt.datetime.fromisoformat(rows[0]["next_call_at"])
    local = slot.astimezone(timezone.get_default_timezone()).time()
    assert dt.time(7) <= local < dt.time(22)
    assert not (dt.time(11, 30) <= local < dt.time(14, 30))
    assert not (dt.time(17, 30) <= local < dt.time(19))


def test_schema_documents_every_ticket_action(client_for, agent):
    schema = client_for(agent).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for action in [*ACTIONS, "request-papers", "papers-complete", "request-extension", "approve-extension"]:
        assert f"/api/v1/tickets/{{number}}/{action}/" in paths, action
    assert "/api/v1/assessments/{id}/confirm/" in paths
    create = paths["/api/v1/tickets/"]["post"]
    assert "201" in create["responses"]
    assert "requestBody" in create


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("transfer", {"station": 10**30}, "station"),
        ("transfer", {"station": 11}, "station"),
        ("transfer", {"user": "nobody"}, "user"),
        ("transfer", {}, "station"),
        ("send-back", {"reason": ""}, "reason"),
        ("return-visit", {"satisfaction": "happy"}, "satisfaction"),
        ("request-extension", {"kind": "reply", "due_at": "soon", "reason": "x"}, "due_at"),
        ("request-extension", {"kind": "lunch", "due_at": "2026-12-09T10:00:00+08:00", "reason": "x"}, "kind"),
        ("request-papers", {"items": []}, "items"),
        ("appointment", {"at": "tomorrow"}, "at"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_action_input_answers_400_naming_the_field(client_for, manager, household, now, action, body, field):
    number = make_ticket(manager, household, now).number
    response = client_for(manager).post(f"/api/v1/tickets/{number}/{action}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
