"""The ticket core: tickets, their clocks (deadlines), history, extensions, assessments, notifications.

DOMAIN.md §1–3 and §8; API.md "Tickets". Deadlines are rows: the sweep and every list read them,
nothing is computed only at read time except the "overdue" view of a pending row past due.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stations.models import Household, ServicePolicy, Station


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WALK_IN = "walk_in", _("来访")
    PATROL = "patrol", _("走访")
    WEB = "web", _("网络")
    LETTER = "letter", _("信函")
    SUGGESTION_BOX = "suggestion_box", _("意见箱")


# Channels whose items may arrive before they are logged, so `received_at` may be given (API.md).
BACKDATABLE_CHANNELS = frozenset({Channel.LETTER, Channel.SUGGESTION_BOX})


class Category(models.TextChoices):
    ENQUIRY = "enquiry", _("咨询")
    REPAIR = "repair", _("报修")
    TOO_COLD = "too_cold", _("室温不达标")
    COMPLAINT = "complaint", _("投诉")
    MISCONDUCT = "misconduct", _("举报")
    SUGGESTION = "suggestion", _("建议")
    HEATING_APPLICATION = "heating_application", _("用热申请")
    STOP_RESUME = "stop_resume", _("停热/复热")


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    MAJOR = "major", _("重大")


class RepairKind(models.TextChoices):
    LEAK = "leak", _("跑冒滴漏")
    GENERAL_FAULT = "general_fault", _("一般用热故障")
    EQUIPMENT_FAULT = "equipment_fault", _("设备故障")


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    TRANSFERRED = "transferred", _("已转办")
    ACCEPTED = "accepted", _("已签收")
    CONTACTED = "contacted", _("已联系")
    ON_SITE = "on_site", _("已到场")
    RESOLVED = "resolved", _("已办结")
    FED_BACK = "fed_back", _("已反馈")
    CLOSED = "closed", _("已关闭")
    REOPENED = "reopened", _("重办")


OPEN_STATUSES = frozenset(
    {Status.RECEIVED, Status.TRANSFERRED, Status.ACCEPTED, Status.CONTACTED, Status.ON_SITE, Status.REOPENED}
)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class TicketSequence(models.Model):
    """The last number issued per day, bumped with one UPSERT so concurrent intakes never clash and
    the daily sequence has no gaps (a rolled-back intake rolls its bump back too)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("工单序号")
        verbose_name_plural = pgettext_lazy("plural", "工单序号")

    def __str__(self):
        return f"{self.day}: {self.last}"


class Ticket(models.Model):
    """A call, visit, letter or web complaint (工单). Never deleted (DOMAIN.md §3)."""

    number = models.CharField(_("工单号"), max_length=20, unique=True)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices)
    severity = models.CharField(_("等级"), max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    repair_kind = models.CharField(_("报修类型"), max_length=20, choices=RepairKind.choices, blank=True)
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("住户"),
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("所属供热所"),
    )
    caller_name = models.CharField(_("来电人"), max_length=50)
    caller_phone = models.CharField(_("联系电话"), max_length=20)
    content = models.TextField(_("内容"))
    received_at = models.DateTimeField(_("受理时间"))
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    first_responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="first_responded",
        verbose_name=_("首问责任人"),
    )
    handler_station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办供热所"),
    )
    handler_department = models.CharField(_("承办部门"), max_length=50, blank=True)
    handler_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_tickets",
        verbose_name=_("承办人"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    policy = models.ForeignKey(
        ServicePolicy, on_delete=models.PROTECT, related_name="+", verbose_name=_("服务承诺版本")
    )
    query_code = models.CharField(_("提取码"), max_length=6)
    awaiting_papers = models.BooleanField(_("待补材料"), default=False)
    satisfaction = models.CharField(_("满意度"), max_length=30, choices=Satisfaction.choices, blank=True)
    cycle = models.PositiveSmallIntegerField(_("办理轮次"), default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("工单")
        verbose_name_plural = pgettext_lazy("plural", "工单")
        constraints = [
            models.CheckConstraint(
                condition=Q(category="enquiry") | Q(household__isnull=False), name="ticket_household_required"
            ),
            models.CheckConstraint(
                condition=(Q(category="repair") & ~Q(repair_kind="")) | (~Q(category="repair") & Q(repair_kind="")),
                name="ticket_repair_kind_iff_repair",
            ),
            models.CheckConstraint(
                condition=Q(received_at__lte=models.F("created_at")), name="ticket_received_not_future"
            ),
            models.CheckConstraint(condition=Q(query_code__regex=r"^[0-9]{6}$"), name="ticket_query_code_six_digits"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="ticket_status_valid"),
        ]
        indexes = [
            models.Index(fields=["station", "-received_at"], name="ticket_station_received"),
            models.Index(fields=["household", "-received_at"], name="ticket_household_received"),
            models.Index(fields=["status", "-received_at"], name="ticket_status_received"),
            models.Index(fields=["caller_phone"], name="ticket_caller_phone"),
        ]

    def __str__(self):
        return self.number


class Deadline(models.Model):
    """One clock of a ticket (DOMAIN.md §2): kind, due time, when it was met, state, who answers for it.

    At most one live (pending or paused) clock per (ticket, kind); historic rows of earlier cycles
    and re-armed progress reports stay as they were, so a miss is never erased.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", _("答复")
        TRANSFER = "transfer", _("转办")
        CONTACT = "contact", _("联系用户")
        ON_SITE = "on_site", _("到场")
        RESOLVE = "resolve", _("办结")
        RESTORE = "restore", _("恢复供暖")
        RETURN_VISIT = "return_visit", _("回访")
        PROGRESS_REPORT = "progress_report", _("进展通报")

    class State(models.TextChoices):
        PENDING = "pending", _("计时中")
        MET = "met", _("按时完成")
        MET_LATE = "met_late", _("超期完成")
        OVERDUE = "overdue", _("已超期")
        PAUSED = "paused", _("已暂停")
        CANCELLED = "cancelled", _("已取消")

    # Indexed by deadline_ticket_kind (ticket, kind).
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="deadlines", verbose_name=_("工单"), db_index=False
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    cycle = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    policy = models.ForeignKey(
        ServicePolicy, on_delete=models.PROTECT, related_name="+", verbose_name=_("服务承诺版本")
    )
    duration_value = models.PositiveIntegerField(_("时限"))
    duration_unit = models.CharField(_("单位"), max_length=20)
    started_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("到期时间"))
    warn_at = models.DateTimeField(_("预警时间"))
    calendar_confirmed = models.BooleanField(_("日历已确认"), default=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    warned_at = models.DateTimeField(_("已预警"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("标记超期时间"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("上报级别"), default=0)
    escalate_at = models.DateTimeField(_("上报管理人员时间"), null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    extended = models.BooleanField(_("已批准延时"), default=False)
    appointment = models.BooleanField(_("预约时间"), default=False)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("责任人"),
        db_index=False,  # indexed by deadline_responsible_state (responsible, state)
    )
    responsible_station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任供热所"),
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("时限")
        verbose_name_plural = pgettext_lazy("plural", "时限")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(state__in=["pending", "paused"]),
                name="deadline_one_live_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["met", "met_late"], met_at__isnull=False)
                | (~Q(state__in=["met", "met_late"]) & Q(met_at__isnull=True)),
                name="deadline_met_at_iff_met",
            ),
            models.CheckConstraint(
                condition=~Q(state="overdue") | Q(overdue_at__isnull=False), name="deadline_overdue_marked"
            ),
            models.CheckConstraint(condition=Q(due_at__gte=models.F("started_at")), name="deadline_due_after_start"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "met", "met_late", "overdue", "paused", "cancelled"]),
                name="deadline_state_valid",
            ),
        ]
        indexes = [
            # The sweep reads only these partial indexes: its cost follows live clocks, not history.
            models.Index(fields=["due_at"], condition=Q(state="pending"), name="deadline_pending_due"),
            models.Index(
                fields=["warn_at"],
                condition=Q(state="pending", warned_at__isnull=True),
                name="deadline_pending_warn",
            ),
            models.Index(
                fields=["escalate_at"],
                condition=Q(state="overdue", escalation_level__lt=2),
                name="deadline_escalate",
            ),
            models.Index(fields=["responsible", "state"], name="deadline_responsible_state"),
            models.Index(fields=["ticket", "kind"], name="deadline_ticket_kind"),
        ]

    def __str__(self):
        return f"{self.ticket_id}:{self.kind} due {self.due_at:%Y-%m-%d %H:%M}"


class TicketEvent(models.Model):
    """One entry of a ticket's history (API.md `events`). Append-only: a database trigger refuses
    UPDATE and DELETE (migration 0002)."""

    # Indexed by event_unique_seq (ticket, seq), which also gives the next seq.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="events", verbose_name=_("工单"), db_index=False
    )
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("事件"), max_length=40)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    public = models.BooleanField(_("住户可见"), default=True)

    class Meta:
        ordering = ["ticket", "seq"]
        verbose_name = _("工单事件")
        verbose_name_plural = pgettext_lazy("plural", "工单事件")
        constraints = [models.UniqueConstraint(fields=["ticket", "seq"], name="event_unique_seq")]

    def __str__(self):
        return f"{self.ticket_id}#{self.seq} {self.kind}"


class PapersRequest(models.Model):
    """The one list of missing papers told to the resident at once (一次性告知, DOMAIN.md §3)."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.PROTECT, related_name="papers_request", verbose_name=_("工单")
    )
    items = models.JSONField(_("所缺材料"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("告知时间"))
    completed_at = models.DateTimeField(_("补齐时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("一次性告知")
        verbose_name_plural = pgettext_lazy("plural", "一次性告知")

    def __str__(self):
        return f"{self.ticket_id}: {', '.join(self.items)}"


class Extension(models.Model):
    """A request to extend one clock (延时办理): needs a reason and a manager's approval (DOMAIN.md §3)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    deadline = models.ForeignKey(Deadline, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("时限"))
    reason = models.TextField(_("理由"))
    requested_due_at = models.DateTimeField(_("申请延至"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("原到期时间"))

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("延时申请")
        verbose_name_plural = pgettext_lazy("plural", "延时申请")
        constraints = [
            models.UniqueConstraint(fields=["deadline"], condition=Q(state="requested"), name="extension_one_open"),
            models.CheckConstraint(
                condition=Q(requested_due_at__gt=models.F("original_due_at")), name="extension_moves_later"
            ),
        ]

    def __str__(self):
        return f"{self.deadline} → {self.requested_due_at:%Y-%m-%d %H:%M}"


class Assessment(models.Model):
    """An entry of the staff assessment ledger (考核, DOMAIN.md §8). Proposed from facts by the sweep
    or added by a manager; confirmed or dismissed by a manager; never charged silently."""

    class Rule(models.TextChoices):
        STALLING = "stalling", _("推诿、敷衍、拖延")
        TRANSFER_LATE = "transfer_late", _("未及时转办")
        RUDENESS = "rudeness", _("态度生硬或未告知应知事项")
        NO_REPLY = "no_reply", _("超期未明确答复且无理由")
        FALSIFIED_MEASUREMENT = "falsified_measurement", _("测温记录弄虚作假")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DISMISSED = "dismissed", _("已驳回")

    rule = models.CharField(_("条款"), max_length=30, choices=Rule.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("责任人"),
    )
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("工单"),
    )
    deadline = models.ForeignKey(Deadline, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments")
    amount = models.DecimalField(_("金额(元)"), max_digits=8, decimal_places=2, null=True, blank=True)
    points = models.PositiveSmallIntegerField(_("扣分"), null=True, blank=True)
    jointly_liable = models.BooleanField(_("连带责任"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PROPOSED)
    facts = models.TextField(_("事实"))
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提出人"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审核理由"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("考核记录")
        verbose_name_plural = pgettext_lazy("plural", "考核记录")
        constraints = [
            # Proposed from a clock exactly once per (clock, rule, person): a constraint, not an if.
            models.UniqueConstraint(
                fields=["deadline", "rule", "staff"],
                condition=Q(deadline__isnull=False),
                name="assessment_once_per_deadline",
            ),
            models.UniqueConstraint(
                fields=["ticket", "rule", "staff"],
                condition=Q(rule="stalling", created_by__isnull=True),
                name="assessment_stalling_once_per_ticket",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(points__isnull=False),
                name="assessment_amount_or_points",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0), name="assessment_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(state="proposed") | Q(decided_by__isnull=False),
                name="assessment_decided_has_decider",
            ),
        ]
        indexes = [models.Index(fields=["state", "-created_at"], name="assessment_state_created")]

    def __str__(self):
        return f"{self.get_rule_display()} {self.staff_id}"


class Notification(models.Model):
    """A message in a staff member's inbox (shown in the UI later). `key` makes sends idempotent."""

    # Indexed by notification_once_per_key (user, key) and notification_inbox (user, read_at).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("类型"), max_length=30)
    message = models.TextField(_("内容"))
    key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内通知")
        verbose_name_plural = pgettext_lazy("plural", "站内通知")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_inbox")]

    def __str__(self):
        return f"{self.user_id}: {self.kind}"


class OutboundMessage(models.Model):
    """A message to a resident (SMS or e-mail). SMS is not reachable here: the backend records it."""

    channel = models.CharField(_("渠道"), max_length=10, default="sms")
    to = models.CharField(_("收件人"), max_length=100)
    body = models.TextField(_("内容"))
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("对外消息")
        verbose_name_plural = pgettext_lazy("plural", "对外消息")

    def __str__(self):
        return f"{self.channel} {self.to}"


class IdempotencyKey(models.Model):
    """`Idempotency-Key` of a ticket create (API.md): the same key from the same user within 24 h
    returns the first ticket."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]

    def __str__(self):
        return self.key
