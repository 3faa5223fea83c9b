"""/api/v1/households/ and /api/v1/auth/token/ (API.md "Households"; DOMAIN.md §10 confidentiality)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import make_staff
from tests.factories import HouseholdFactory, UserFactory, station

URL = "/api/v1/households/"
ROW_FIELDS = {
    "id",
    "station",
    "address",
    "area_m2",
    "account_number",
    "resident_name",
    "masked_phone",
    "floor",
    "orientation",
}


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def caller(db):
    """The household whose caller the agent looks up: station 1, with a distinct phone, name and address."""
    return HouseholdFactory(
        phone="13812345678",
        resident_name="李秀英",
        account_number="20260001",
        address="曲阜市幸福小区3号楼2单元501室",
        area_m2="92.35",
        floor=5,
        orientation="north",
    )


@pytest.fixture
def neighbour(db):
    """Another household of station 1."""
    return HouseholdFactory(
        phone="13900001111", resident_name="王建国", account_number="HS-0002", address="曲阜市和平小区1号楼101室"
    )


# ------------------------------------------------------------------------------
# Rows and masking
# ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_row_has_the_documented_fields_and_a_masked_phone(client_for, agent, caller):
    response = client_for(agent).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    assert body["results"] == [
        {
            "id": caller.pk,
            "station": 1,
            "address": "曲阜市幸福小区3号楼2单元501室",
            "area_m2": "92.35",
            "account_number": "20260001",
            "resident_name": "李秀英",
            "masked_phone": "138****5678",
            "floor": 5,
            "orientation": "north",
        }
    ]


@pytest.mark.django_db
def test_full_phone_never_appears_in_list_or_detail(client_for, agent, caller):
    client = client_for(agent)

    for response in (client.get(URL), client.get(f"{URL}{caller.pk}/"), client.get(URL, {"search": "13812345678"})):
        assert response.status_code == 200
        assert "13812345678" not in response.content.decode()
        assert "138****5678" in response.content.decode()


@pytest.mark.django_db
def test_short_phone_is_fully_masked(client_for, agent):
    HouseholdFactory(phone="12345")

    assert client_for(agent).get(URL).json()["results"][0]["masked_phone"] == "****"


@pytest.mark.django_db
def test_detail_has_the_same_fields_as_a_row(client_for, agent, caller):
    client = client_for(agent)

    detail = client.get(f"{URL}{caller.pk}/")

    assert detail.status_code == 200
    assert set(detail.json()) == ROW_FIELDS
    assert detail.json() == client.get(URL).json()["results"][0]


# ------------------------------------------------------------------------------
# Search and filters
# ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param("13812345678", ["caller"], id="full-phone"),
        pytest.param("1381234", ["caller"], id="phone-prefix"),
        pytest.param("5678", ["caller"], id="phone-last-4-digits"),
        pytest.param("1111", ["neighbour"], id="other-phone-last-4-digits"),
        pytest.param("李秀英", ["caller"], id="full-name"),
        pytest.param("李", ["caller"], id="family-name"),
        pytest.param("  李秀英 ", ["caller"], id="name-with-spaces"),
        pytest.param("20260001", ["caller"], id="numeric-account-number"),
        pytest.param("HS-0002", ["neighbour"], id="account-number-with-letters"),
        pytest.param("幸福小区", ["caller"], id="address-community"),
        pytest.param("3号楼2单元", ["caller"], id="address-building-and-unit"),
        pytest.param("曲阜市", ["caller", "neighbour"], id="address-town-matches-both"),
        pytest.param("张三", [], id="no-match"),
        pytest.param("", ["caller", "neighbour"], id="empty-search-is-everything"),
    ],
)
def test_agent_searches_by_phone_name_account_or_address(request, client_for, agent, caller, neighbour, text, found):
    response = client_for(agent).get(URL, {"search": text})

    assert response.status_code == 200
    assert sorted(ids(response)) == sorted(request.getfixturevalue(name).pk for name in found)


@pytest.mark.django_db
def test_station_filter_is_the_station_number(client_for, agent, caller, other_household):
    client = client_for(agent)

    assert ids(client.get(URL, {"station": 2})) == [other_household.pk]
    assert ids(client.get(URL, {"station": 1})) == [caller.pk]
    assert ids(client.get(URL, {"station": 7})) == []
    assert client.get(URL, {"station": 2}).json()["results"][0]["station"] == 2


@pytest.mark.django_db
def test_station_filter_and_search_combine(client_for, agent, caller, other_household):
    response = client_for(agent).get(URL, {"station": 2, "search": "李秀英"})

    assert ids(response) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("abc", "输入整数。", id="letters"),
        pytest.param("1.5", "输入整数。", id="fraction"),
        pytest.param("0", "确保该值大于或等于1。", id="zero"),
        pytest.param("-3", "确保该值大于或等于1。", id="negative"),
    ],
)
def test_bad_station_filter_is_400_with_a_message(client_for, agent, caller, value, message):
    response = client_for(agent).get(URL, {"station": value})

    assert response.status_code == 400
    assert response.json() == {"station": [message]}


# ------------------------------------------------------------------------------
# Who sees what (DOMAIN.md §10)
# ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_resident_sees_only_their_own_household(client_for, resident, household, other_household, caller):
    client = client_for(resident)

    assert ids(client.get(URL)) == [household.pk]
    assert ids(client.get(URL, {"search": "李秀英"})) == []
    assert client.get(f"{URL}{household.pk}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("other", ["other_household", "caller"], ids=["other-station", "same-station"])
def test_resident_gets_404_for_any_other_household(request, client_for, resident, other):
    response = client_for(resident).get(f"{URL}{request.getfixturevalue(other).pk}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["station_head", "worker"])
def test_station_staff_see_only_their_stations_households(
    request, client_for, role, household, caller, other_household
):
    client = client_for(request.getfixturevalue(role))

    assert sorted(ids(client.get(URL))) == sorted([household.pk, caller.pk])
    assert ids(client.get(URL, {"station": 2})) == []
    assert ids(client.get(URL, {"search": other_household.account_number})) == []
    assert client.get(f"{URL}{caller.pk}/").status_code == 200
    assert client.get(f"{URL}{other_household.pk}/").status_code == 404


@pytest.mark.django_db
def test_head_of_station_2_sees_station_2(client_for, head2, household, other_household):
    assert ids(client_for(head2).get(URL)) == [other_household.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", "manager"])
def test_agents_and_managers_see_every_station(request, client_for, role, household, other_household):
    response = client_for(request.getfixturevalue(role)).get(URL)

    assert sorted(ids(response)) == sorted([household.pk, other_household.pk])


@pytest.mark.django_db
def test_user_without_a_profile_sees_nothing(client_for, household):
    client = client_for(UserFactory(username="nobody"))

    assert ids(client.get(URL)) == []
    assert client.get(f"{URL}{household.pk}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", [URL, f"{URL}1/"], ids=["list", "detail"])
def test_anonymous_is_401(api, household, path):
    response = api.get(path)

    assert response.status_code == 401
    assert response.json() == {"detail": "身份认证信息未提供。"}


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_households_are_read_only(client_for, manager, household, method):
    path = URL if method == "post" else f"{URL}{household.pk}/"

    assert getattr(client_for(manager), method)(path, {}, format="json").status_code == 405


# ------------------------------------------------------------------------------
# Query count: constant, whatever the page size
# ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_is_constant(client_for, agent, django_assert_num_queries, rows):
    HouseholdFactory.create_batch(rows // 2)
    HouseholdFactory.create_batch(rows - rows // 2, unit__building__community__area__station=station(3))
    client = client_for(agent)

    with django_assert_num_queries(2):  # count, page (station joined); the role comes with the user
        response = client.get(URL)

    assert len(response.json()["results"]) == rows
    assert {row["station"] for row in response.json()["results"]} == {1, 3}


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_is_constant_with_a_token(api, agent, django_assert_num_queries, rows):
    HouseholdFactory.create_batch(rows)
    token = Token.objects.create(user=agent)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    with django_assert_num_queries(4):  # token+user, profile, count, page
        response = api.get(URL, {"search": "王"})

    assert len(response.json()["results"]) == rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 50])
def test_station_head_query_count_is_constant(client_for, station_head, django_assert_num_queries, rows):
    HouseholdFactory.create_batch(rows)
    client = client_for(station_head)

    with django_assert_num_queries(2):
        response = client.get(URL)

    assert response.json()["count"] == rows


# ------------------------------------------------------------------------------
# /api/v1/auth/token/
# ------------------------------------------------------------------------------

TOKEN_URL = "/api/v1/auth/token/"


@pytest.mark.django_db
def test_token_for_username_and_password_then_used(api, agent, household):
    response = api.post(TOKEN_URL, {"username": "agent1", "password": "pw-for-tests"}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=agent).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert ids(client.get(URL)) == [household.pk]


@pytest.mark.django_db
def test_token_is_the_same_on_a_second_login(api, agent):
    body = {"username": "agent1", "password": "pw-for-tests"}

    assert api.post(TOKEN_URL, body).json() == api.post(TOKEN_URL, body, format="json").json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "errors"),
    [
        pytest.param(
            {"username": "agent1", "password": "wrong"},
            {"non_field_errors": ["无法使用提供的认证信息登录。"]},
            id="wrong-password",
        ),
        pytest.param(
            {"username": "nobody", "password": "pw-for-tests"},
            {"non_field_errors": ["无法使用提供的认证信息登录。"]},
            id="unknown-user",
        ),
        pytest.param({"username": "agent1"}, {"password": ["该字段是必填项。"]}, id="no-password"),
        pytest.param({}, {"username": ["该字段是必填项。"], "password": ["该字段是必填项。"]}, id="empty"),
    ],
)
def test_token_refusals_are_400_with_a_message(api, agent, body, errors):
    response = api.post(TOKEN_URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_inactive_user_gets_no_token(api):
    make_staff("retired", "agent")
    UserFactory._meta.model.objects.filter(username="retired").update(is_active=False)

    response = api.post(TOKEN_URL, {"username": "retired", "password": "pw-for-tests"}, format="json")

    assert response.status_code == 400


@pytest.mark.django_db
def test_bad_token_is_401(api, household):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api.get(URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "认证令牌无效。"}


# ------------------------------------------------------------------------------
# OpenAPI
# ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_documents_the_stations_endpoints(api):
    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert set(paths["/api/v1/households/"]) == {"get"}
    assert {p["name"] for p in paths["/api/v1/households/"]["get"]["parameters"]} >= {"station", "search", "page"}
    assert set(paths["/api/v1/households/{id}/"]) == {"get"}
    assert set(paths["/api/v1/policy/"]) == {"get", "put"}
    assert set(paths["/api/v1/auth/token/"]) == {"post"}
    components = schema["components"]["schemas"]
    assert set(components["HouseholdOut"]["properties"]) == ROW_FIELDS
    assert "transfer_minutes" in components["PolicyUpdateInRequest"]["properties"]
    assert {"version", "preset", "created_at"} <= set(components["PolicyOut"]["properties"])
    assert components["DurationUnit"]["enum"] == ["hours", "working_days"]
