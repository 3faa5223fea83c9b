"""Organisation and reference data: stations, the heating topology, people, service policy, calendar.

DOMAIN.md §1 (policy), §2 (calendar), §4 (stations), §6 (topology attributes), §10 (roles).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Station(models.Model):
    """A heating station (供热所); the default company has ten (DOMAIN.md §4)."""

    number = models.PositiveSmallIntegerField(_("编号"), unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    office = models.CharField(_("办公地点(热力站)"), max_length=100)

    class Meta:
        ordering = ["number"]
        verbose_name = _("供热所")
        verbose_name_plural = pgettext_lazy("plural", "供热所")
        constraints = [models.CheckConstraint(condition=Q(number__gte=1), name="station_number_positive")]

    def __str__(self):
        return self.name


class Area(models.Model):
    """A service area (片区) of a station, looked after by one area serviceman (片区服务员)."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="areas", verbose_name=_("供热所"))
    name = models.CharField(_("名称"), max_length=50)
    serviceman = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="serviced_areas",
        verbose_name=_("片区服务员"),
    )

    class Meta:
        ordering = ["station__number", "name"]
        verbose_name = _("片区")
        verbose_name_plural = pgettext_lazy("plural", "片区")
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="area_unique_name_per_station")]

    def __str__(self):
        return f"{self.station} {self.name}"


class Community(models.Model):
    """A residential community (小区)."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="communities", verbose_name=_("片区"))
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("小区")
        verbose_name_plural = pgettext_lazy("plural", "小区")
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="community_unique_name_per_area")]

    def __str__(self):
        return self.name


class NetworkPosition(models.TextChoices):
    MIDDLE = "middle", _("中部")
    END = "end", _("末端")


class Orientation(models.TextChoices):
    NORTH = "north", _("阴面")
    SOUTH = "south", _("阳面")


class Building(models.Model):
    """A building (楼栋) with its floor count and position in the heating network (DOMAIN.md §6)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("小区"))
    number = models.CharField(_("楼号"), max_length=20)
    floors = models.PositiveSmallIntegerField(_("层数"))
    network_position = models.CharField(_("管网位置"), max_length=10, choices=NetworkPosition.choices)

    class Meta:
        ordering = ["community__name", "number"]
        verbose_name = _("楼栋")
        verbose_name_plural = pgettext_lazy("plural", "楼栋")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="building_unique_number"),
            models.CheckConstraint(condition=Q(floors__gte=1) & Q(floors__lte=120), name="building_floors_range"),
            models.CheckConstraint(
                condition=Q(network_position__in=NetworkPosition.values),
                name="building_network_position_valid",
            ),
        ]

    def __str__(self):
        return f"{self.community.name}{self.number}号楼"


class Unit(models.Model):
    """A stairwell unit (单元) of a building."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("楼栋"))
    number = models.PositiveSmallIntegerField(_("单元号"))

    class Meta:
        ordering = ["building", "number"]
        verbose_name = _("单元")
        verbose_name_plural = pgettext_lazy("plural", "单元")
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="unit_unique_number")]

    def __str__(self):
        return f"{self.building}{self.number}单元"


class Household(models.Model):
    """A household (户), the customer. `station`, `area` and `floors` are copied down from the
    topology when the household is created so that scoping and sampling read one indexed table."""

    account_number = models.CharField(_("用户编号"), max_length=20, unique=True)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="households", verbose_name=_("供热所"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="households", verbose_name=_("片区"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="households", verbose_name=_("单元"))
    building_floors = models.PositiveSmallIntegerField(_("楼栋层数"))
    floor = models.PositiveSmallIntegerField(_("楼层"))
    room = models.CharField(_("房号"), max_length=10)
    address = models.CharField(_("地址"), max_length=200)
    resident_name = models.CharField(_("户主姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20, db_index=True)
    orientation = models.CharField(_("朝向"), max_length=10, choices=Orientation.choices)
    area_m2 = models.DecimalField(_("供热面积(m²)"), max_digits=8, decimal_places=2)
    heat_price = models.DecimalField(_("热价(元/m²)"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["account_number"]
        verbose_name = _("住户")
        verbose_name_plural = pgettext_lazy("plural", "住户")
        constraints = [
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="household_area_positive"),
            models.CheckConstraint(condition=Q(heat_price__gt=0), name="household_price_positive"),
            models.CheckConstraint(
                condition=Q(floor__gte=1) & Q(floor__lte=F("building_floors")),
                name="household_floor_in_building",
            ),
            models.CheckConstraint(condition=Q(orientation__in=Orientation.values), name="household_orientation_valid"),
        ]
        indexes = [models.Index(fields=["station", "area"], name="household_station_area")]

    def __str__(self):
        return f"{self.account_number} {self.address}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


def mask_phone(phone: str) -> str:
    """138****5678: residents' phones are masked in lists (DOMAIN.md §10)."""
    if len(phone) >= 7:
        return f"{phone[:3]}****{phone[-4:]}"
    return "****"


class Role(models.TextChoices):
    AGENT = "agent", _("客服坐席")
    STATION_HEAD = "station_head", _("供热所所长")
    SERVICEMAN = "serviceman", _("片区服务员")
    WORKER = "worker", _("维修工")
    OPS_CHIEF = "ops_chief", _("运行科长")
    DEPUTY_CHIEF = "deputy_chief", _("分管副科长")
    INSPECTOR = "inspector", _("监察人员")
    MANAGER = "manager", _("管理人员")
    RESIDENT = "resident", _("住户")


# Roles that see every ticket and may approve, confirm and sign (DOMAIN.md §10: 运行科长 and above).
MANAGER_ROLES = frozenset({Role.MANAGER, Role.OPS_CHIEF, Role.DEPUTY_CHIEF})
STATION_ROLES = frozenset({Role.STATION_HEAD, Role.SERVICEMAN, Role.WORKER})


class Profile(models.Model):
    """Ties a user to a role, and to a station (station staff) or a household (residents)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("供热所"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("住户"),
    )
    phone = models.CharField(_("电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("人员档案")
        verbose_name_plural = pgettext_lazy("plural", "人员档案")
        constraints = [
            models.UniqueConstraint(
                fields=["station"], condition=Q(role="station_head"), name="profile_one_head_per_station"
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["station_head", "serviceman", "worker"]) | Q(station__isnull=False),
                name="profile_station_staff_have_station",
            ),
            models.CheckConstraint(
                condition=~Q(role="resident") | Q(household__isnull=False),
                name="profile_resident_has_household",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="profile_role_valid"),
        ]

    def __str__(self):
        return f"{self.user.get_username()} ({self.get_role_display()})"


class DurationUnit(models.TextChoices):
    HOURS = "hours", _("小时")
    WORKING_DAYS = "working_days", _("工作日")


def minutes_field(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, validators=[MinValueValidator(1)], help_text=_("分钟"))


class ServicePolicy(models.Model):
    """One immutable version of the company's service promises (服务承诺, DOMAIN.md §1).

    Editing or switching presets creates a new row; exactly one row is current. Clocks record the
    version they were started under, so editing never moves an existing deadline.
    """

    version = models.PositiveIntegerField(_("版本"), unique=True)
    preset = models.CharField(_("基于预设"), max_length=20)
    is_current = models.BooleanField(_("现行"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("创建人")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    # Heating season and fees
    season_start_month = models.PositiveSmallIntegerField(_("采暖期开始月"), validators=[MaxValueValidator(12)])
    season_start_day = models.PositiveSmallIntegerField(_("采暖期开始日"), validators=[MaxValueValidator(31)])
    season_end_month = models.PositiveSmallIntegerField(_("采暖期结束月"), validators=[MaxValueValidator(12)])
    season_end_day = models.PositiveSmallIntegerField(_("采暖期结束日"), validators=[MaxValueValidator(31)])
    season_days = models.PositiveSmallIntegerField(_("日费用除数(采暖天数)"), validators=[MinValueValidator(1)])
    promised_temperature = models.DecimalField(_("承诺室温(°C)"), max_digits=4, decimal_places=1)
    too_cold_threshold = models.DecimalField(_("室温不达标阈值(°C)"), max_digits=4, decimal_places=1)

    # Replies: hours or working days
    reply_value = models.PositiveSmallIntegerField(_("投诉咨询答复时限"), validators=[MinValueValidator(1)])
    reply_unit = models.CharField(_("单位"), max_length=20, choices=DurationUnit.choices)
    misconduct_reply_value = models.PositiveSmallIntegerField(_("举报答复时限"), validators=[MinValueValidator(1)])
    misconduct_reply_unit = models.CharField(_("单位"), max_length=20, choices=DurationUnit.choices)
    heating_application_value = models.PositiveSmallIntegerField(
        _("用热申请答复时限"), validators=[MinValueValidator(1)]
    )
    heating_application_unit = models.CharField(_("单位"), max_length=20, choices=DurationUnit.choices)

    # Repair clocks, in minutes
    general_fault_fix_minutes = minutes_field(_("一般用热故障处理完结"))
    leak_on_site_minutes = minutes_field(_("跑冒滴漏到场"))
    repair_contact_minutes = minutes_field(_("其他报修联系用户"))
    repair_on_site_minutes = minutes_field(_("其他报修到场"))
    equipment_restore_minutes = minutes_field(_("设备故障恢复供暖"))
    repair_finish_minutes = minutes_field(_("其他维修完成"))
    too_cold_dispatch_minutes = minutes_field(_("室温不达标派单上门"))
    outage_notice_minutes = minutes_field(_("计划停热提前告知"))
    unplanned_outage_notice_after_minutes = minutes_field(_("非计划停热超过此时长须公告"))

    # Complaint clocks, in minutes
    transfer_minutes = minutes_field(_("转办时限"))
    contact_minutes = minutes_field(_("承办部门联系用户"))
    resolve_minutes = minutes_field(_("一般投诉办结"))
    return_visit_general_minutes = minutes_field(_("一般回访时限"))
    return_visit_major_minutes = minutes_field(_("重大回访时限"))
    major_on_site_minutes = minutes_field(_("重大事件到场"))
    progress_report_minutes = minutes_field(_("重大事件进展通报间隔"))

    # Watching the clocks (issue #4)
    warning_share = models.DecimalField(
        _("超期预警比例"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.75"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("0.99"))],
    )
    manager_escalation_minutes = models.PositiveIntegerField(
        _("超期后上报管理人员(分钟)"), default=120, validators=[MinValueValidator(1)]
    )

    # Call-back windows (DOMAIN.md §2)
    call_window_start = models.TimeField(_("回访最早时间"))
    call_window_end = models.TimeField(_("回访最晚时间"))
    quiet_periods = models.JSONField(
        _("免打扰时段"), default=list, help_text=_('例如 [["11:30", "14:30"], ["17:30", "19:00"]]')
    )

    # Patrols (DOMAIN.md §6)
    patrol_days = models.JSONField(_("巡检日"), default=list)
    patrol_share = models.DecimalField(_("巡检抽样比例"), max_digits=3, decimal_places=2, default=Decimal("0.10"))

    class Meta:
        ordering = ["-version"]
        verbose_name = _("服务承诺版本")
        verbose_name_plural = pgettext_lazy("plural", "服务承诺版本")
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="policy_one_current"),
            models.CheckConstraint(condition=Q(season_days__gte=1), name="policy_season_days_positive"),
            models.CheckConstraint(
                condition=Q(warning_share__gt=0) & Q(warning_share__lt=1), name="policy_warning_share_range"
            ),
        ]

    def __str__(self):
        return f"v{self.version} ({self.preset})"


class CalendarDay(models.Model):
    """An admin's override of the statutory calendar (DOMAIN.md §2): a holiday or a make-up working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("节假日(休息)")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历调整")
        verbose_name_plural = pgettext_lazy("plural", "工作日历调整")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["holiday", "workday"]), name="calendarday_kind_valid")
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"
