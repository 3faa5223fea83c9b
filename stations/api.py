"""REST API of the stations app: household look-up (DOMAIN.md §3, §10) and the service policy (§1).

Thin views (STYLE.md rule 9): an input serializer or FilterSet validates, one selector or service
does the work, an output serializer renders. Errors reach the client through
heatservice.api.exception_handler as JSON with a message per field.
"""

from decimal import Decimal

import django_filters
from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from stations.models import DurationUnit, Household, ServicePolicy
from stations.presets import PRESETS
from stations.selectors import household_list_for, household_search, is_manager, policy_current
from stations.services import policy_edit, policy_switch_preset

# ------------------------------------------------------------------------------
# Authentication
# ------------------------------------------------------------------------------


class TokenOut(serializers.Serializer):
    token = serializers.CharField(help_text=_("用于 Authorization: Token <token>"))


class TokenView(ObtainAuthToken):
    """DRF's token endpoint, documented: the same token is returned on every call for a user."""

    @extend_schema(
        summary="Get an API token",
        description="`{username, password}` → `{token}`; then send `Authorization: Token <token>`.",
        tags=["auth"],
        auth=[],
        request=AuthTokenSerializer,
        responses={200: TokenOut, 400: OpenApiResponse(description="Wrong credentials or missing fields")},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


# ------------------------------------------------------------------------------
# Households
# ------------------------------------------------------------------------------


class HouseholdOut(serializers.ModelSerializer):
    """One household as staff see it in a look-up: the phone only masked (DOMAIN.md §10)."""

    station = serializers.IntegerField(source="station.number", help_text=_("供热所编号 1–10"))
    masked_phone = serializers.CharField(help_text=_("脱敏电话,如 138****5678"))

    class Meta:
        model = Household
        fields = [
            "id",
            "station",
            "address",
            "area_m2",
            "account_number",
            "resident_name",
            "masked_phone",
            "floor",
            "orientation",
        ]
        read_only_fields = fields


class IntegerFilter(django_filters.NumberFilter):
    """A whole-number filter: `station=1.5` or `station=abc` is a 400, not a silent miss."""

    field_class = forms.IntegerField


class HouseholdFilter(django_filters.FilterSet):
    station = IntegerFilter(field_name="station__number", min_value=1, help_text=_("供热所编号"))
    search = django_filters.CharFilter(method="filter_search", help_text=_("电话、户主姓名、用户编号或地址"))

    class Meta:
        model = Household
        fields = ["station", "search"]

    def filter_search(self, queryset, name, value):
        return household_search(queryset, value)


@extend_schema_view(
    list=extend_schema(
        summary="Look a household up",
        tags=["households"],
        description="Staff find a caller's household by phone, name, account number or address. "
        "Station staff see their station's households, residents only their own.",
        responses={200: HouseholdOut(many=True)},
    ),
    retrieve=extend_schema(
        summary="One household",
        tags=["households"],
        description="The same fields as a list row; a household the caller may not see is 404.",
        responses={200: HouseholdOut, 404: OpenApiResponse(description="Not found or not visible")},
    ),
)
class HouseholdViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = HouseholdOut
    filterset_class = HouseholdFilter

    def get_queryset(self):
        return household_list_for(user=self.request.user).order_by("account_number")

    def get_object(self):
        # The same 404 for "no such household" and "not yours", without naming the model.
        try:
            return super().get_object()
        except Http404:
            raise NotFound from None


# ------------------------------------------------------------------------------
# Service policy
# ------------------------------------------------------------------------------

TIME_FORMAT = "%H:%M"


@extend_schema_field({"type": "string", "enum": DurationUnit.values}, component_name="DurationUnit")
class DurationUnitField(serializers.ChoiceField):
    """One schema for every `*_unit` field, instead of one enum component per field name."""

    def __init__(self, **kwargs):
        super().__init__(choices=DurationUnit.choices, **kwargs)


class PolicyOut(serializers.ModelSerializer):
    """The policy version in force. Durations are minutes unless a `*_unit` names the unit of
    the `*_value` beside it; decimals are strings; times are "HH:MM" in Asia/Shanghai."""

    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    call_window_start = serializers.TimeField(format=TIME_FORMAT)
    call_window_end = serializers.TimeField(format=TIME_FORMAT)
    quiet_periods = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        help_text=_('例如 [["11:30", "14:30"], ["17:30", "19:00"]]'),
    )
    patrol_days = serializers.ListField(child=serializers.IntegerField())
    reply_unit = DurationUnitField()
    misconduct_reply_unit = DurationUnitField()
    heating_application_unit = DurationUnitField()

    class Meta:
        model = ServicePolicy
        # version, preset, created_at, created_by, note, then every promise in model order
        fields = [f.name for f in ServicePolicy._meta.concrete_fields if f.name not in {"id", "is_current"}]
        read_only_fields = fields


def _minutes(label: str) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1, help_text=label)


def _value(label: str) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=1, max_value=32767, help_text=label)


def _unit() -> DurationUnitField:
    return DurationUnitField(required=False)


def _temperature(label: str) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=4, decimal_places=1, required=False, help_text=label)


class PolicyUpdateIn(serializers.Serializer):
    """Either `{"preset": name}` to switch to a preset, or a partial set of policy fields to change
    (with an optional `note`). Each accepted change publishes a new version (DOMAIN.md §1)."""

    preset = serializers.ChoiceField(choices=sorted(PRESETS), required=False, help_text=_("切换到预设"))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text=_("修改说明"))

    season_start_month = serializers.IntegerField(required=False, min_value=1, max_value=12)
    season_start_day = serializers.IntegerField(required=False, min_value=1, max_value=31)
    season_end_month = serializers.IntegerField(required=False, min_value=1, max_value=12)
    season_end_day = serializers.IntegerField(required=False, min_value=1, max_value=31)
    season_days = serializers.IntegerField(required=False, min_value=1, max_value=366)
    promised_temperature = _temperature(_("承诺室温(°C)"))
    too_cold_threshold = _temperature(_("室温不达标阈值(°C)"))

    reply_value = _value(_("投诉咨询答复时限"))
    reply_unit = _unit()
    misconduct_reply_value = _value(_("举报答复时限"))
    misconduct_reply_unit = _unit()
    heating_application_value = _value(_("用热申请答复时限"))
    heating_application_unit = _unit()

    general_fault_fix_minutes = _minutes(_("一般用热故障处理完结"))
    leak_on_site_minutes = _minutes(_("跑冒滴漏到场"))
    repair_contact_minutes = _minutes(_("其他报修联系用户"))
    repair_on_site_minutes = _minutes(_("其他报修到场"))
    equipment_restore_minutes = _minutes(_("设备故障恢复供暖"))
    repair_finish_minutes = _minutes(_("其他维修完成"))
    too_cold_dispatch_minutes = _minutes(_("室温不达标派单上门"))
    outage_notice_minutes = _minutes(_("计划停热提前告知"))
    unplanned_outage_notice_after_minutes = _minutes(_("非计划停热超过此时长须公告"))

    transfer_minutes = _minutes(_("转办时限"))
    contact_minutes = _minutes(_("承办部门联系用户"))
    resolve_minutes = _minutes(_("一般投诉办结"))
    return_visit_general_minutes = _minutes(_("一般回访时限"))
    return_visit_major_minutes = _minutes(_("重大回访时限"))
    major_on_site_minutes = _minutes(_("重大事件到场"))
    progress_report_minutes = _minutes(_("重大事件进展通报间隔"))

    warning_share = serializers.DecimalField(
        max_digits=3, decimal_places=2, required=False, min_value=Decimal("0.01"), max_value=Decimal("0.99")
    )
    manager_escalation_minutes = _minutes(_("超期后上报管理人员(分钟)"))

    call_window_start = serializers.TimeField(required=False, format=TIME_FORMAT)
    call_window_end = serializers.TimeField(required=False, format=TIME_FORMAT)
    quiet_periods = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        required=False,
        help_text=_('例如 [["11:30", "14:30"], ["17:30", "19:00"]]'),
    )

    patrol_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=31), required=False, allow_empty=False
    )
    patrol_share = serializers.DecimalField(
        max_digits=3, decimal_places=2, required=False, min_value=Decimal("0.01"), max_value=Decimal("1.00")
    )

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"detail": [_("请求体应为 JSON 对象")]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: [_("未知字段")] for name in unknown})
        return super().to_internal_value(data)

    def validate(self, attrs):
        changes = {name: value for name, value in attrs.items() if name not in {"preset", "note"}}
        if "preset" in attrs and changes:
            raise serializers.ValidationError({"preset": [_("切换预设时不能同时修改其他字段")]})
        if "preset" not in attrs and not changes:
            raise serializers.ValidationError({"detail": [_("请提供 preset 或至少一个要修改的字段")]})
        return attrs


class IsManagerForWrites(permissions.BasePermission):
    """Anyone signed in reads the policy; only managers (运行科长 and above) change it (DOMAIN.md §10)."""

    message = _("只有管理人员可以修改服务承诺")

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or is_manager(request.user)


class PolicyView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsManagerForWrites]
    parser_classes = [JSONParser]

    @extend_schema(
        summary="The service policy in force",
        tags=["policy"],
        responses={200: PolicyOut},
    )
    def get(self, request):
        return Response(PolicyOut(policy_current()).data)

    @extend_schema(
        summary="Edit the policy or switch to a preset (managers)",
        tags=["policy"],
        description='`{"preset": "lanyu"}` switches to a preset; otherwise the given fields are '
        "changed. Either way a new version is published and applies to tickets received afterwards.",
        request=PolicyUpdateIn,
        responses={
            200: PolicyOut,
            400: OpenApiResponse(description="A message per invalid field"),
            403: OpenApiResponse(description="Not a manager"),
        },
        examples=[
            OpenApiExample("Switch preset", value={"preset": "lanyu"}, request_only=True),
            OpenApiExample("Edit fields", value={"transfer_minutes": 30, "note": "faster"}, request_only=True),
        ],
    )
    def put(self, request):
        data = PolicyUpdateIn(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        preset, note = changes.pop("preset", None), changes.pop("note", "")
        if preset:
            policy = policy_switch_preset(preset=preset, actor=request.user)
        else:
            policy = policy_edit(changes=changes, actor=request.user, note=note)
        return Response(PolicyOut(policy).data)
