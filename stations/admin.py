"""Back office for organisation data: stations, the heating topology, households, people, policy, calendar.

Households can number a million: their changelist never counts the whole table exactly, never
computes facets, sorts only by the indexed account number, searches through the same indexed
lookups as the API (stations.selectors.household_search), and picks units by raw id.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from heatservice.errors import InvalidInput
from stations.models import Area, Building, CalendarDay, Community, Household, Profile, ServicePolicy, Station, Unit
from stations.selectors import household_search
from stations.services import policy_fields, policy_publish

User = get_user_model()

# Below this many rows (PostgreSQL's estimate) an exact COUNT(*) is cheap, so it is used.
EXACT_COUNT_BELOW = 100_000


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered changelist of a big table from PostgreSQL's statistics instead of a full
    COUNT(*); a filtered or searched list, or a small table, is counted exactly."""

    @cached_property
    def count(self):
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is not None and not query.where and not query.distinct:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                        [connection.ops.quote_name(queryset.model._meta.db_table)],
                    )
                    row = cursor.fetchone()
                if row and row[0] and row[0] >= EXACT_COUNT_BELOW:
                    return int(row[0])
        return super().count


class BigTableAdmin(admin.ModelAdmin):
    """Changelist settings for tables that grow without bound."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "office")
    list_display_links = ("number", "name")
    search_fields = ("name", "office")
    ordering = ("number",)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "station", "serviceman")
    list_filter = ("station",)
    list_select_related = ("station", "serviceman")
    search_fields = ("name", "station__name")
    autocomplete_fields = ("serviceman",)

    def get_queryset(self, request):
        # Area.__str__ names its station: also for the autocomplete of communities.
        return super().get_queryset(request).select_related("station")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "area", "address")
    list_filter = ("area__station",)
    list_select_related = ("area__station",)
    search_fields = ("name", "address")
    autocomplete_fields = ("area",)


@admin.register(Building)
class BuildingAdmin(BigTableAdmin):
    list_display = ("__str__", "community", "number", "floors", "network_position")
    list_filter = ("network_position", "community__area__station")
    list_select_related = ("community",)
    search_fields = ("community__name", "number")
    autocomplete_fields = ("community",)

    def get_queryset(self, request):
        # Building.__str__ names its community: also for the autocomplete of units.
        return super().get_queryset(request).select_related("community")


@admin.register(Unit)
class UnitAdmin(BigTableAdmin):
    list_display = ("__str__", "building", "number")
    list_filter = ("building__community__area__station",)
    list_select_related = ("building__community",)
    search_fields = ("building__community__name", "building__number")
    autocomplete_fields = ("building",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("building__community")


class HouseholdForm(forms.ModelForm):
    """Station, area and floor count are copied down from the unit (the model keeps them for indexed
    scoping), so the form asks only for the unit and fills them in."""

    class Meta:
        model = Household
        fields = (
            "account_number",
            "resident_name",
            "phone",
            "unit",
            "floor",
            "room",
            "address",
            "orientation",
            "area_m2",
            "heat_price",
        )

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit")
        if unit is not None:
            building = Building.objects.select_related("community__area__station").get(pk=unit.building_id)
            area = building.community.area
            self.instance.area = area
            self.instance.station = area.station
            self.instance.building_floors = building.floors
            floor = cleaned.get("floor")
            if floor is not None and floor > building.floors:
                self.add_error("floor", _("楼层不能高于楼栋层数(%(floors)s层)。") % {"floors": building.floors})
        return cleaned


@admin.register(Household)
class HouseholdAdmin(BigTableAdmin):
    form = HouseholdForm
    list_display = (
        "account_number",
        "resident_name",
        "masked_phone",
        "address",
        "station",
        "area_name",
        "orientation",
        "area_m2",
    )
    list_filter = ("station", "orientation")
    list_select_related = ("station", "area")
    # Sorting a million rows by an unindexed column is a full sort: only the account number sorts.
    sortable_by = ("account_number",)
    search_fields = ("account_number", "resident_name", "phone", "address")
    search_help_text = _("按电话(前几位或后几位)、户主姓名(开头)、地址(包含)或用户编号查找")
    raw_id_fields = ("unit",)
    readonly_fields = ("station", "area", "building_floors")
    fieldsets = (
        (None, {"fields": ("account_number", "resident_name", "phone")}),
        (_("位置"), {"fields": ("unit", "floor", "room", "address", ("station", "area", "building_floors"))}),
        (_("供热"), {"fields": ("orientation", "area_m2", "heat_price")}),
    )

    @admin.display(description=_("电话"))
    def masked_phone(self, obj):
        return obj.masked_phone

    @admin.display(description=_("片区"))
    def area_name(self, obj):
        return obj.area.name

    def get_search_results(self, request, queryset, search_term):
        # Indexed prefix and exact lookups, the same as the API's caller lookup.
        return household_search(queryset, search_term), False


class ProfileInline(admin.StackedInline):
    model = Profile
    fk_name = "user"
    can_delete = False
    max_num = 1
    raw_id_fields = ("household",)
    verbose_name = _("人员档案")
    verbose_name_plural = _("人员档案")


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin with the person's role, station and household alongside."""

    inlines = (ProfileInline,)
    list_display = ("username", "first_name", "last_name", "role", "station", "is_staff", "is_active")
    list_filter = ("profile__role", "profile__station", "is_staff", "is_superuser", "is_active")
    list_select_related = ("profile__station",)

    @admin.display(description=_("角色"), ordering="profile__role")
    def role(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.get_role_display() if profile else "-"

    @admin.display(description=_("供热所"), ordering="profile__station__number")
    def station(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.station if profile and profile.station else "-"


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "station", "phone", "household")
    list_filter = ("role", "station")
    list_select_related = ("user", "station", "household")
    search_fields = ("user__username", "user__first_name", "user__last_name", "phone")
    autocomplete_fields = ("user",)
    raw_id_fields = ("household",)


@admin.register(ServicePolicy)
class ServicePolicyAdmin(admin.ModelAdmin):
    """Versions are immutable (DOMAIN.md §1): tickets and clocks are pinned to the version they were
    started under. Nothing is edited or deleted here; a new version is published through the API
    (/api/v1/policy/, stations.services.policy_edit) or, to go back to an older version, with
    the action below, which publishes a copy of it as the new current version."""

    list_display = ("version", "preset", "is_current", "created_at", "created_by", "note")
    list_filter = ("is_current", "preset")
    list_select_related = ("created_by",)
    search_fields = ("note", "preset")
    actions = ("publish_copy",)
    fieldsets = (
        (_("版本"), {"fields": ("version", "preset", "is_current", "created_at", "created_by", "note")}),
        (
            _("采暖期与费用"),
            {
                "fields": (
                    ("season_start_month", "season_start_day", "season_end_month", "season_end_day"),
                    "season_days",
                    "promised_temperature",
                    "too_cold_threshold",
                )
            },
        ),
        (
            _("答复时限"),
            {
                "fields": (
                    ("reply_value", "reply_unit"),
                    ("misconduct_reply_value", "misconduct_reply_unit"),
                    ("heating_application_value", "heating_application_unit"),
                )
            },
        ),
        (
            _("报修时限(分钟)"),
            {
                "fields": (
                    "general_fault_fix_minutes",
                    "leak_on_site_minutes",
                    "repair_contact_minutes",
                    "repair_on_site_minutes",
                    "equipment_restore_minutes",
                    "repair_finish_minutes",
                    "too_cold_dispatch_minutes",
                    "outage_notice_minutes",
                    "unplanned_outage_notice_after_minutes",
                )
            },
        ),
        (
            _("投诉时限(分钟)"),
            {
                "fields": (
                    "transfer_minutes",
                    "contact_minutes",
                    "resolve_minutes",
                    "return_visit_general_minutes",
                    "return_visit_major_minutes",
                    "major_on_site_minutes",
                    "progress_report_minutes",
                )
            },
        ),
        (_("超期预警与上报"), {"fields": ("warning_share", "manager_escalation_minutes")}),
        (_("回访时间"), {"fields": (("call_window_start", "call_window_end"), "quiet_periods")}),
        (_("巡检"), {"fields": ("patrol_days", "patrol_share")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_publish_permission(self, request):
        return request.user.has_perm("stations.add_servicepolicy")

    @admin.action(description=_("以所选版本为准发布新的现行版本"), permissions=["publish"])
    def publish_copy(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("请只选择一个版本。"), messages.ERROR)
            return
        source = queryset.get()
        values = {name: getattr(source, name) for name in policy_fields()}
        try:
            policy = policy_publish(
                values=values, preset=source.preset, actor=request.user, note=f"copy of v{source.version}"
            )
        except (InvalidInput, ValidationError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            _("已发布第%(new)s版(内容同第%(old)s版),现行。") % {"new": policy.version, "old": source.version},
            messages.SUCCESS,
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The admins' overrides of the statutory calendar: extra holidays and make-up working days."""

    list_display = ("date", "weekday", "kind", "note")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("note",)
    ordering = ("-date",)

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return date_format(obj.date, "l")
