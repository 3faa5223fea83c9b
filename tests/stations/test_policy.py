"""The service policy (DOMAIN.md §1): presets, versions, the one-current rule, and /api/v1/policy/."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from heatservice.api import exception_handler
from heatservice.errors import InvalidInput
from stations.api import PolicyUpdateIn
from stations.models import ServicePolicy
from stations.presets import DEFAULT_PRESET, PRESETS, preset_values
from stations.selectors import policy_current
from stations.services import policy_edit, policy_fields, policy_switch_preset

H = 60
WD = "working_days"

# ------------------------------------------------------------------------------
# The presets: DOMAIN.md §1's table, column by column
# ------------------------------------------------------------------------------

# Every row where the presets differ: field, then its value in juyuan, lanyu and changchun.
DIFFERING = [
    pytest.param("reply_value", 24, 5, 24, id="reply-24h/5wd/24h-value"),
    pytest.param("reply_unit", "hours", WD, "hours", id="reply-24h/5wd/24h-unit"),
    pytest.param("misconduct_reply_value", 24, 10, 24, id="misconduct-24h/10wd/24h-value"),
    pytest.param("misconduct_reply_unit", "hours", WD, "hours", id="misconduct-24h/10wd/24h-unit"),
    pytest.param("general_fault_fix_minutes", 4 * H, 24 * H, 4 * H, id="general-fault-4h/24h/4h"),
    pytest.param("leak_on_site_minutes", 1 * H, 1 * H, 30, id="leak-on-site-1h/1h/30min"),
    pytest.param("repair_contact_minutes", 1 * H, 1 * H, 30, id="repair-contact-1h/1h/30min"),
    pytest.param("repair_on_site_minutes", 2 * H, 2 * H, 30, id="repair-on-site-2h/2h/30min"),
    pytest.param("season_days", 120, 120, 168, id="season-days-120/120/168"),
    pytest.param("season_start_month", 11, 11, 10, id="season-start-nov15/nov15/oct25-month"),
    pytest.param("season_start_day", 15, 15, 25, id="season-start-nov15/nov15/oct25-day"),
    pytest.param("season_end_month", 3, 3, 4, id="season-end-mar15/mar15/apr10-month"),
    pytest.param("season_end_day", 15, 15, 10, id="season-end-mar15/mar15/apr10-day"),
    pytest.param("promised_temperature", Decimal("18"), Decimal("16"), Decimal("18"), id="promised-18/16/18C"),
    pytest.param("too_cold_threshold", Decimal("16"), Decimal("16"), Decimal("16"), id="too-cold-threshold-16C"),
]

# Rows the three presets share: field and its value.
COMMON = [
    pytest.param("equipment_restore_minutes", 24 * H, id="equipment-restore-24h"),
    pytest.param("repair_finish_minutes", 24 * H, id="other-repair-finished-24h"),
    pytest.param("too_cold_dispatch_minutes", 24 * H, id="too-cold-dispatch-24h"),
    pytest.param("outage_notice_minutes", 48 * H, id="planned-outage-notice-48h"),
    pytest.param("unplanned_outage_notice_after_minutes", 8 * H, id="unplanned-outage-public-notice-8h"),
    pytest.param("heating_application_value", 3, id="heating-application-3wd-value"),
    pytest.param("heating_application_unit", WD, id="heating-application-3wd-unit"),
    pytest.param("transfer_minutes", 1 * H, id="transfer-1h"),
    pytest.param("contact_minutes", 2 * H, id="handler-contact-2h"),
    pytest.param("resolve_minutes", 24 * H, id="general-complaint-resolved-24h"),
    pytest.param("return_visit_general_minutes", 24 * H, id="return-visit-general-24h"),
    pytest.param("return_visit_major_minutes", 48 * H, id="return-visit-major-48h"),
    pytest.param("major_on_site_minutes", 30, id="major-on-site-30min"),
    pytest.param("progress_report_minutes", 2 * H, id="major-progress-report-2h"),
    pytest.param("call_window_start", dt.time(7, 0), id="call-window-from-0700"),
    pytest.param("call_window_end", dt.time(22, 0), id="call-window-until-2200"),
    pytest.param("quiet_periods", [["11:30", "14:30"], ["17:30", "19:00"]], id="quiet-meal-and-nap"),
    pytest.param("patrol_days", [5, 15, 25], id="patrol-5th-15th-25th"),
    pytest.param("patrol_share", Decimal("0.10"), id="patrol-10-percent"),
]


def test_there_are_exactly_three_presets_and_juyuan_is_default():
    assert set(PRESETS) == {"juyuan", "lanyu", "changchun"}
    assert DEFAULT_PRESET == "juyuan"


@pytest.mark.parametrize(("field", "juyuan", "lanyu", "changchun"), DIFFERING)
def test_preset_figures_that_differ(field, juyuan, lanyu, changchun):
    assert preset_values("juyuan")[field] == juyuan
    assert preset_values("lanyu")[field] == lanyu
    assert preset_values("changchun")[field] == changchun


@pytest.mark.parametrize(("field", "value"), COMMON)
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_preset_figures_shared_by_all(preset, field, value):
    assert preset_values(preset)[field] == value


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_sets_every_policy_field(preset):
    assert set(preset_values(preset)) == set(policy_fields())


def test_preset_values_is_a_fresh_copy():
    values = preset_values("juyuan")
    values["quiet_periods"][0][0] = "00:00"

    assert preset_values("juyuan")["quiet_periods"][0][0] == "11:30"


def test_unknown_preset_name_is_a_key_error():
    with pytest.raises(KeyError):
        preset_values("harbin")


# ------------------------------------------------------------------------------
# Versions in the database
# ------------------------------------------------------------------------------


def snapshot(policy: ServicePolicy) -> dict:
    return {f.name: getattr(policy, f.name) for f in ServicePolicy._meta.concrete_fields if f.name != "is_current"}


@pytest.mark.django_db
def test_version_1_is_juyuan_and_current_after_migrate():
    policy = ServicePolicy.objects.get()

    assert policy.version == 1
    assert policy.preset == "juyuan"
    assert policy.is_current is True
    assert policy_current() == policy
    assert {name: getattr(policy, name) for name in policy_fields()} == preset_values("juyuan")


@pytest.mark.django_db
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_switching_preset_stores_its_figures(preset, manager):
    policy = policy_switch_preset(preset=preset, actor=manager)
    policy.refresh_from_db()

    assert {name: getattr(policy, name) for name in policy_fields()} == preset_values(preset)
    assert policy.created_by == manager


@pytest.mark.django_db
def test_switching_preset_creates_version_2_and_keeps_version_1(manager):
    v1 = ServicePolicy.objects.get(version=1)
    before = snapshot(v1)

    v2 = policy_switch_preset(preset="lanyu", actor=manager)

    v1.refresh_from_db()
    assert snapshot(v1) == before
    assert v1.is_current is False
    assert (v2.version, v2.preset, v2.is_current) == (2, "lanyu", True)
    assert policy_current() == v2
    assert ServicePolicy.objects.filter(is_current=True).count() == 1


@pytest.mark.django_db
def test_editing_creates_a_new_version_with_only_the_change(manager):
    v1 = ServicePolicy.objects.get(version=1)

    v2 = policy_edit(changes={"transfer_minutes": 30}, actor=manager, note="faster hand-over")

    assert (v2.version, v2.preset, v2.note) == (2, "juyuan", "faster hand-over")
    assert v2.transfer_minutes == 30
    assert {
        k: v for k, v in snapshot(v2).items() if k not in {"id", "version", "created_at", "created_by", "note"}
    } == {
        **{k: v for k, v in snapshot(v1).items() if k not in {"id", "version", "created_at", "created_by", "note"}},
        "transfer_minutes": 30,
    }
    assert list(ServicePolicy.objects.filter(is_current=True).values_list("version", flat=True)) == [2]
    assert ServicePolicy.objects.get(version=1).transfer_minutes == 60


@pytest.mark.django_db
def test_edits_after_a_switch_keep_the_preset_name(manager):
    policy_switch_preset(preset="changchun", actor=manager)

    v3 = policy_edit(changes={"season_days": 170}, actor=manager)

    assert (v3.version, v3.preset, v3.season_days, v3.leak_on_site_minutes) == (3, "changchun", 170, 30)


@pytest.mark.django_db
def test_a_second_current_row_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ServicePolicy.objects.create(version=99, preset="juyuan", is_current=True, **preset_values("juyuan"))

    assert ServicePolicy.objects.filter(is_current=True).count() == 1


@pytest.mark.django_db
def test_a_duplicate_version_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ServicePolicy.objects.create(version=1, preset="juyuan", is_current=False, **preset_values("juyuan"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"transfer_minutes": 0}, "transfer_minutes", id="zero-minutes"),
        pytest.param({"transfer_minutes": "abc"}, "transfer_minutes", id="not-a-number"),
        pytest.param({"season_days": 0}, "season_days", id="zero-season-days"),
        pytest.param({"reply_unit": "weeks"}, "reply_unit", id="unknown-unit"),
        pytest.param({"warning_share": Decimal("1.00")}, "warning_share", id="warning-share-100-percent"),
    ],
)
def test_edit_validation_errors_name_the_field(changes, field):
    with pytest.raises(ValidationError) as caught:
        policy_edit(changes=changes)

    assert field in caught.value.message_dict
    assert ServicePolicy.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"quiet_periods": [["14:30", "11:30"]]}, "quiet_periods", id="quiet-period-backwards"),
        pytest.param({"quiet_periods": [["noon"]]}, "quiet_periods", id="quiet-period-malformed"),
        pytest.param({"quiet_periods": 5}, "quiet_periods", id="quiet-periods-not-a-list"),
        pytest.param(
            {"call_window_start": dt.time(22), "call_window_end": dt.time(7)}, "call_window_end", id="window-backwards"
        ),
        pytest.param({"version": 7}, "detail", id="meta-field-not-editable"),
    ],
)
def test_edit_refusals_are_invalid_input(changes, field):
    with pytest.raises(InvalidInput) as caught:
        policy_edit(changes=changes)

    assert caught.value.field == field
    assert ServicePolicy.objects.count() == 1


@pytest.mark.django_db
def test_unknown_preset_is_invalid_input():
    with pytest.raises(InvalidInput) as caught:
        policy_switch_preset(preset="harbin")

    assert caught.value.field == "preset"
    assert caught.value.message == "未知的预设:harbin"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_publishers_get_distinct_versions_and_one_current():
    """Two managers publish while a third holds the policy lock: both wait, then each gets its own
    version (PostgreSQL row locks; each thread has its own connection)."""
    assert connection.vendor == "postgresql"
    assert policy_current().version == 1
    started = threading.Barrier(3)
    results, errors = [], []

    def publish(preset):
        try:
            started.wait(timeout=10)
            results.append(policy_switch_preset(preset=preset).version)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(name,)) for name in ("lanyu", "changchun")]
    with transaction.atomic():
        holder = policy_edit(changes={"transfer_minutes": 45})  # takes the lock, version 2
        for thread in threads:
            thread.start()
        started.wait(timeout=10)
        time.sleep(0.5)  # let both threads block on the lock before this transaction commits
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert holder.version == 2
    assert sorted(results) == [3, 4]
    assert sorted(ServicePolicy.objects.values_list("version", flat=True)) == [1, 2, 3, 4]
    assert list(ServicePolicy.objects.filter(is_current=True).values_list("version", flat=True)) == [4]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_publishers_racing_freely_never_clash():
    assert connection.vendor == "postgresql"
    started = threading.Barrier(4)
    results, errors = [], []

    def publish(minutes):
        try:
            started.wait(timeout=10)
            results.append(policy_edit(changes={"transfer_minutes": minutes}).version)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(m,)) for m in (10, 20, 30, 40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(results) == [2, 3, 4, 5]
    assert ServicePolicy.objects.filter(is_current=True).count() == 1
    assert policy_current().version == 5


# ------------------------------------------------------------------------------
# /api/v1/policy/
# ------------------------------------------------------------------------------

URL = "/api/v1/policy/"


def test_input_serializer_covers_every_policy_field():
    assert set(PolicyUpdateIn().fields) == {*policy_fields(), "preset", "note"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", "station_head", "resident", "manager"])
def test_get_policy_for_any_signed_in_user(request, client_for, role):
    response = client_for(request.getfixturevalue(role)).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["preset"]) == (1, "juyuan")
    assert set(body) == {*policy_fields(), "version", "preset", "created_at", "created_by", "note"}


@pytest.mark.django_db
def test_get_policy_renders_minutes_units_times_and_decimals(client_for, agent):
    body = client_for(agent).get(URL).json()

    assert body["transfer_minutes"] == 60
    assert body["general_fault_fix_minutes"] == 240
    assert (body["reply_value"], body["reply_unit"]) == (24, "hours")
    assert (body["heating_application_value"], body["heating_application_unit"]) == (3, "working_days")
    assert (body["call_window_start"], body["call_window_end"]) == ("07:00", "22:00")
    assert body["quiet_periods"] == [["11:30", "14:30"], ["17:30", "19:00"]]
    assert (body["promised_temperature"], body["too_cold_threshold"]) == ("18.0", "16.0")
    assert (body["warning_share"], body["patrol_share"]) == ("0.75", "0.10")
    assert body["created_at"].endswith("+08:00")


@pytest.mark.django_db
def test_get_policy_anonymous_is_401(api):
    response = api.get(URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "身份认证信息未提供。"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", "station_head", "resident"])
def test_put_policy_by_non_manager_is_403(request, client_for, role):
    response = client_for(request.getfixturevalue(role)).put(URL, {"preset": "lanyu"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "只有管理人员可以修改服务承诺"}
    assert ServicePolicy.objects.count() == 1


@pytest.mark.django_db
def test_put_policy_anonymous_is_401(api):
    assert api.put(URL, {"preset": "lanyu"}, format="json").status_code == 401


@pytest.mark.django_db
def test_put_preset_as_manager_publishes_a_new_version(client_for, manager):
    response = client_for(manager).put(URL, {"preset": "lanyu"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["preset"], body["created_by"]) == (2, "lanyu", "manager")
    assert (body["reply_value"], body["reply_unit"]) == (5, "working_days")
    assert (body["misconduct_reply_value"], body["misconduct_reply_unit"]) == (10, "working_days")
    assert policy_current().version == 2
    assert client_for(manager).get(URL).json()["version"] == 2


@pytest.mark.django_db
def test_put_fields_as_manager_publishes_a_new_version(client_for, manager):
    response = client_for(manager).put(
        URL,
        {"transfer_minutes": 30, "quiet_periods": [["12:00", "14:00"]], "call_window_start": "08:00", "note": "test"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["preset"], body["note"]) == (2, "juyuan", "test")
    assert (body["transfer_minutes"], body["call_window_start"]) == (30, "08:00")
    assert body["quiet_periods"] == [["12:00", "14:00"]]
    assert body["contact_minutes"] == 120
    assert ServicePolicy.objects.get(version=1).transfer_minutes == 60


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        pytest.param({"transfer_minutes": 0}, {"transfer_minutes": ["请确保该值大于或者等于 1。"]}, id="zero-minutes"),
        pytest.param({"transfer_minutes": "abc"}, {"transfer_minutes": ["请填写合法的整数值。"]}, id="not-a-number"),
        pytest.param({"transfer_minutes": -5}, {"transfer_minutes": ["请确保该值大于或者等于 1。"]}, id="negative"),
        pytest.param(
            {"transfer_minutes": 2**31}, {"transfer_minutes": ["请确保该值小于或者等于 2147483647。"]}, id="overflow"
        ),
        pytest.param({"reply_value": 40000}, {"reply_value": ["请确保该值小于或者等于 32767。"]}, id="small-overflow"),
        pytest.param(
            {"promised_temperature": "18.25"},
            {"promised_temperature": ["请确保总计不超过 1 个小数位。"]},
            id="temperature-two-decimals",
        ),
        pytest.param({"warning_share": "1.00"}, {"warning_share": ["请确保该值小于或者等于 0.99。"]}, id="share-100"),
        pytest.param(
            {"call_window_start": "7"},
            {"call_window_start": ["时间格式错误。请从这些格式中选择：hh:mm[:ss[.uuuuuu]]。"]},
            id="time-malformed",
        ),
        pytest.param({"preset": "harbin"}, {"preset": ["“harbin” 不是合法选项。"]}, id="unknown-preset"),
        pytest.param({"reply_unit": "weeks"}, {"reply_unit": ["“weeks” 不是合法选项。"]}, id="unknown-unit"),
        pytest.param({"bogus": 1}, {"bogus": ["未知字段"]}, id="unknown-field"),
        pytest.param({"version": 9}, {"version": ["未知字段"]}, id="version-is-not-editable"),
        pytest.param({}, {"detail": ["请提供 preset 或至少一个要修改的字段"]}, id="nothing-to-change"),
        pytest.param(
            {"preset": "lanyu", "transfer_minutes": 5},
            {"preset": ["切换预设时不能同时修改其他字段"]},
            id="preset-and-fields",
        ),
        pytest.param(
            {"quiet_periods": [["14:30", "11:30"]]},
            {"quiet_periods": ['免打扰时段格式应为 [["11:30", "14:30"], ...]']},
            id="quiet-period-backwards",
        ),
        pytest.param(
            {"call_window_start": "22:00", "call_window_end": "07:00"},
            {"call_window_end": ["回访最晚时间应晚于最早时间"]},
            id="call-window-backwards",
        ),
        pytest.param([1, 2], {"detail": ["请求体应为 JSON 对象"]}, id="not-an-object"),
    ],
)
def test_put_bad_input_is_400_with_a_message_per_field(client_for, manager, payload, errors):
    response = client_for(manager).put(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert ServicePolicy.objects.count() == 1


@pytest.mark.django_db
def test_put_policy_with_a_token(api, manager):
    token = api.post("/api/v1/auth/token/", {"username": "manager", "password": "pw-for-tests"}).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.put(URL, {"preset": "changchun"}, format="json")

    assert response.status_code == 200
    assert response.json()["season_days"] == 168


def test_exception_handler_maps_django_validation_error_to_400_per_field():
    response = exception_handler(ValidationError({"transfer_minutes": ["确保该值大于或等于1。"]}), {})

    assert response.status_code == 400
    assert response.data == {"transfer_minutes": ["确保该值大于或等于1。"]}


def test_exception_handler_maps_invalid_input_to_400_per_field():
    response = exception_handler(InvalidInput("未知的预设:harbin", field="preset"), {})

    assert response.status_code == 400
    assert response.data == {"preset": ["未知的预设:harbin"]}
