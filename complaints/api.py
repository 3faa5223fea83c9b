"""REST API of the ticket core (API.md "Tickets", "Staff assessment"). Thin: validate input, call
one service, answer with the ticket. Reads go through complaints.selectors (scoped by caller)."""

import datetime as dt

import django_filters
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from complaints import assessments, selectors, services
from complaints.models import (
    Assessment,
    Category,
    Channel,
    Deadline,
    Notification,
    RepairKind,
    Satisfaction,
    Severity,
    Status,
    Ticket,
)
from heatservice.errors import ActionNotAllowed
from stations.calendar import next_call_slot, parse_periods
from stations.models import Household, Station
from stations.selectors import is_manager, is_staff_member, policy_current, role_of

User = get_user_model()


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


class DeadlineOut(serializers.Serializer):
    kind = serializers.CharField()
    due_at = serializers.DateTimeField()
    met_at = serializers.DateTimeField(allow_null=True)
    state = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField()
    warned = serializers.SerializerMethodField()
    extended = serializers.BooleanField()
    appointment = serializers.BooleanField()
    calendar_confirmed = serializers.BooleanField()
    cycle = serializers.IntegerField()

    def get_state(self, d: Deadline) -> str:
        """`overdue` for a pending clock past due even before the sweep has marked it."""
        now = self.context["now"]
        if d.state == Deadline.State.PENDING and d.due_at < now:
            return Deadline.State.OVERDUE
        return d.state

    def get_warned(self, d: Deadline) -> bool:
        return d.state == Deadline.State.PENDING and d.warn_at <= self.context["now"]


class EventOut(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    note = serializers.CharField()
    data = serializers.JSONField()

    def get_actor(self, e) -> str:
        if e.actor is None:
            return "system"
        if self.context.get("staff_view"):
            return e.actor.get_username()
        # Residents see the role that acted, never a staff member's personal data.
        profile = getattr(e.actor, "profile", None)
        return str(profile.get_role_display()) if profile else _("客服中心")


class TicketListOut(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    category = serializers.CharField()
    severity = serializers.CharField()
    channel = serializers.CharField()
    repair_kind = serializers.CharField()
    received_at = serializers.DateTimeField()
    station = serializers.SerializerMethodField()
    handler = serializers.SerializerMethodField()
    first_responder = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    awaiting_papers = serializers.BooleanField()
    deadlines = serializers.SerializerMethodField()

    def get_station(self, t: Ticket) -> int | None:
        return t.station.number if t.station_id else None

    def get_handler(self, t: Ticket) -> str | None:
        if t.handler_user_id:
            if self.context.get("staff_view"):
                return t.handler_user.get_username()
            return str(t.handler_station) if t.handler_station_id else None  # residents: never a staff name
        if t.handler_station_id:
            return str(t.handler_station)
        return t.handler_department or None

    def get_first_responder(self, t: Ticket) -> str | None:
        return t.first_responder.get_username() if self.context.get("staff_view") else None

    def get_overdue(self, t: Ticket) -> bool:
        return bool(getattr(t, "is_overdue", False))

    @extend_schema_field(DeadlineOut(many=True))
    def get_deadlines(self, t: Ticket) -> list[dict]:
        return DeadlineOut(t.deadlines.all(), many=True, context=self.context).data


class TicketOut(TicketListOut):
    household = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    caller_name = serializers.SerializerMethodField()
    caller_phone = serializers.SerializerMethodField()
    query_code = serializers.SerializerMethodField()
    content = serializers.CharField()
    satisfaction = serializers.CharField()
    cycle = serializers.IntegerField()
    policy_version = serializers.IntegerField(source="policy.version")
    events = serializers.SerializerMethodField()

    def _staff(self) -> bool:
        return bool(self.context.get("staff_view"))

    def get_household(self, t: Ticket) -> int | None:
        return t.household_id

    def get_address(self, t: Ticket) -> str | None:
        return t.household.address if t.household_id else None

    def get_caller_name(self, t: Ticket) -> str | None:
        return t.caller_name if self._staff() else None

    def get_caller_phone(self, t: Ticket) -> str | None:
        return t.caller_phone if self._staff() else None

    def get_query_code(self, t: Ticket) -> str | None:
        return t.query_code if self._staff() else None

    @extend_schema_field(EventOut(many=True))
    def get_events(self, t: Ticket) -> list[dict]:
        return EventOut(t.events.all(), many=True, context=self.context).data


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


class TicketIn(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.GENERAL)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)
    household = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    caller_name = serializers.CharField(max_length=50)
    caller_phone = serializers.CharField(max_length=20)
    content = serializers.CharField(max_length=5000)
    repair_kind = serializers.ChoiceField(choices=RepairKind.choices, required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    answered_on_spot = serializers.BooleanField(required=False, default=False)


class NoteIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class RequiredNoteIn(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class TransferIn(serializers.Serializer):
    station = serializers.IntegerField(required=False, min_value=1, help_text="station number 1–10")
    user = serializers.CharField(required=False, help_text="username of the handler")
    department = serializers.CharField(required=False, allow_blank=True, max_length=50)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate_station(self, value):
        try:
            return Station.objects.get(number=value)
        except Station.DoesNotExist:
            raise serializers.ValidationError(gettext_lazy("没有这个供热所。")) from None

    def validate_user(self, value):
        try:
            return User.objects.select_related("profile").get(username=value, is_active=True)
        except User.DoesNotExist:
            raise serializers.ValidationError(gettext_lazy("没有这个工作人员。")) from None


class AppointmentIn(serializers.Serializer):
    at = serializers.DateTimeField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReturnVisitIn(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PapersIn(serializers.Serializer):
    items = serializers.ListField(child=serializers.CharField(max_length=200), allow_empty=False, max_length=50)


class ExtensionIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Deadline.Kind.choices)
    due_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=2000)


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# ---------------------------------------------------------------------------------------------
# Tickets
# ---------------------------------------------------------------------------------------------


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    category = django_filters.MultipleChoiceFilter(choices=Category.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    station = django_filters.NumberFilter(field_name="station__number")
    overdue = django_filters.ChoiceFilter(choices=[("true", "true"), ("false", "false")], method="filter_overdue")
    received_after = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Ticket
        fields = ["status", "category", "severity", "channel", "station", "overdue"]

    def filter_overdue(self, qs, name, value):
        return qs.filter(is_overdue=value == "true") if value else qs

    def filter_search(self, qs, name, value):
        return selectors.ticket_search(qs, value)


ACTION_IN = {
    "accept": NoteIn,
    "contact": NoteIn,
    "on_site": NoteIn,
    "resolve": NoteIn,
    "papers_complete": NoteIn,
    "feedback": RequiredNoteIn,
    "report_progress": RequiredNoteIn,
}


class TicketViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tickets (工单). Everyone sees only what their role allows; others' tickets answer 404."""

    lookup_field = "number"
    lookup_value_regex = r"GD\d{8}-\d{4,}"
    filterset_class = TicketFilter

    def get_queryset(self):
        now = self.now
        qs = selectors.ticket_list_for(user=self.request.user)
        if self.action == "retrieve" or self.action not in {"list"}:
            return selectors.with_detail_data(qs, now=now, public_only=not is_staff_member(self.request.user))
        return selectors.with_list_data(qs, now=now)

    @property
    def now(self):
        if not hasattr(self, "_now"):
            self._now = timezone.now()
        return self._now

    def initial(self, request, *args, **kwargs):
        """Actions resolve the ticket before reading the body: another's ticket is 404, never 400."""
        super().initial(request, *args, **kwargs)
        if self.action not in {"list", "create", "retrieve"}:
            self.get_object()

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = super().get_object()
        return self._object

    def get_serializer_class(self):
        return TicketListOut if self.action == "list" else TicketOut

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": self.now, "staff_view": is_staff_member(self.request.user)}

    def _answer(self, ticket: Ticket, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=ticket.pk)
        return Response(TicketOut(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        request=TicketIn,
        responses={201: TicketOut, 200: TicketOut},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def create(self, request):
        """Log a ticket. The caller becomes its first responder (首问负责制); a resident's own
        ticket is the web channel. Same `Idempotency-Key` within 24 h → the first ticket, 200."""
        if role_of(request.user) is None:
            raise PermissionDenied(_("您的账号未关联角色。"))
        data = validated(TicketIn, request.data)
        household = None
        if data.get("household"):
            household = Household.objects.filter(pk=data["household"]).first()
            if household is None:
                return Response({"household": [_("没有这个住户。")]}, status=400)
        ticket_input = services.TicketInput(
            category=data["category"],
            severity=data["severity"],
            channel=data["channel"],
            household=household,
            caller_name=data["caller_name"],
            caller_phone=data["caller_phone"],
            content=data["content"],
            repair_kind=data.get("repair_kind") or "",
            received_at=data.get("received_at"),
            answered_on_spot=data["answered_on_spot"],
        )
        key = request.headers.get("Idempotency-Key", "")[:100]
        ticket, created = services.ticket_create(
            actor=request.user, data=ticket_input, now=self.now, idempotency_key=key
        )
        return self._answer(ticket, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=TransferIn, responses=TicketOut)
    @action(detail=True, methods=["post"])
    def transfer(self, request, number=None):
        """转办: pass to a station (`station`: 1–10), a person (`user`) or a department."""
        data = validated(TransferIn, request.data)
        ticket = services.ticket_transfer(
            ticket_id=self.get_object().pk,
            actor=request.user,
            now=self.now,
            station=data.get("station"),
            user=data.get("user"),
            department=data.get("department", ""),
            note=data["note"],
        )
        return self._answer(ticket)

    def _simple(self, request, name: str, service):
        data = validated(ACTION_IN[name], request.data)
        ticket = service(ticket_id=self.get_object().pk, actor=request.user, now=self.now, note=data["note"])
        return self._answer(ticket)

    @extend_schema(request=NoteIn, responses=TicketOut)
    @action(detail=True, methods=["post"])
    def accept(self, request, number=None):
        """签收: the handler accepts the transferred ticket."""
        return self._simple(request, "accept", services.ticket_accept)

    @extend_schema(request=ReasonIn, responses=TicketOut)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, number=None):
        """退单: the handler returns the ticket to the first responder, with a reason."""
        data = validated(ReasonIn, request.data)
        ticket = services.ticket_send_back(
            ticket_id=self.get_object().pk, actor=request.user, now=self.now, reason=data["reason"]
        )
        return self._answer(ticket)

    @extend_schema(request=NoteIn, responses=TicketOut)
    @action(detail=True, methods=["post"])
    def contact(self, request, number=None):
        """The handler contacted the resident: meets `contact` and `reply`."""
        return self._simple(request, "contact", services.ticket_contact)

    @extend_schema(request=AppointmentIn, responses=TicketOut)
    @action(detail=True, methods=["post"])
    def appointment(self, request, number=None):
        """A visit time agreed with the resident replaces the `on_site` due time."""
        data = validated(AppointmentIn, request.data)
        ticket = services.ticket_set_appointment(
            ticket_id=self.get_object().pk, actor=request.user, now=self.now, at=data["at"], note=data["note"]
        )
        return self._answer(ticket)

    @extend_schema(request=NoteIn, responses=TicketOut)
    @action(detail=True, methods=["post"], url_path="on-site")
    def on_site(self, request, number=None):
        """Staff arrived on site: meets `on_site`."""
        return self._simple(request, "on_site", services.ticket_on_site)

    @extend_schema(request=RequiredNoteIn, responses=TicketOut)
    @action(detail=True, methods=["post"], url_path="report-progress")
    def report_progress(self, request, number=None):
        """Major incidents: progress told to the resident; the next report is due 2 h later."""
        return self._simple(request, "report_progress", services.ticket_report_progress)

    @extend_schema(request=NoteIn, responses=TicketOut)
    @action(detail=True, methods=["post"])
    def resolve(self, request, number=None):
        """办结: meets `resolve`/`restore`, stops progress reports."""
        return self._simple(request, "resolve", services.ticket_resolve)

    @extend_schema(request=RequiredNoteIn, responses=TicketOut)
    @action(detail=True, methods=["post"])
    def feedback(self, request, number=None):
        """The first responder gives the result to the resident: meets `reply`, starts `return_visit`."""
        return self._simple(request, "feedback", services.ticket_feedback)

    @extend_schema(request=ReturnVisitIn, responses=TicketOut)
    @action(detail=True, methods=["post"], url_path="return-visit")
    def return_visit(self, request, number=None):
        """回访 with 满意 / 基本满意 / 不满意; 不满意 reopens the ticket with fresh clocks."""
        data = validated(ReturnVisitIn, request.data)
        ticket = services.ticket_return_visit(
            ticket_id=self.get_object().pk,
            actor=request.user,
            now=self.now,
            satisfaction=data["satisfaction"],
            note=data["note"],
        )
        return self._answer(ticket)

    @extend_schema(request=ReasonIn, responses=TicketOut)
    @action(detail=True, methods=["post"])
    def reopen(self, request, number=None):
        """重办: a new cycle with fresh clocks."""
        data = validated(ReasonIn, request.data)
        ticket = services.ticket_reopen(
            ticket_id=self.get_object().pk, actor=request.user, now=self.now, reason=data["reason"]
        )
        return self._answer(ticket)

    @extend_schema(
        request=PapersIn,
        responses={200: TicketOut, 409: inline_serializer("Refused", {"status": serializers.ListField()})},
    )
    @action(detail=True, methods=["post"], url_path="request-papers")
    def request_papers(self, request, number=None):
        """一次性告知: list every missing paper at once; clocks pause. A second request is refused
        (409) and recorded as stalling."""
        data = validated(PapersIn, request.data)
        ticket, accepted = services.ticket_request_papers(
            ticket_id=self.get_object().pk, actor=request.user, now=self.now, items=data["items"]
        )
        if not accepted:
            message = _("已一次性告知过所缺材料,不能再次要求补充;此次要求已记为违规。")
            return Response(ActionNotAllowed(message, field="status").as_dict(), status=status.HTTP_409_CONFLICT)
        return self._answer(ticket)

    @extend_schema(request=NoteIn, responses=TicketOut)
    @action(detail=True, methods=["post"], url_path="papers-complete")
    def papers_complete(self, request, number=None):
        """The papers are complete: paused clocks start afresh."""
        return self._simple(request, "papers_complete", services.ticket_papers_complete)

    @extend_schema(request=ExtensionIn, responses=TicketOut)
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request, number=None):
        """延时办理: ask a manager to move one clock, with a reason."""
        data = validated(ExtensionIn, request.data)
        ticket = self.get_object()
        services.ticket_request_extension(
            ticket_id=ticket.pk,
            actor=request.user,
            now=self.now,
            kind=data["kind"],
            due_at=data["due_at"],
            reason=data["reason"],
        )
        return self._answer(ticket)

    @extend_schema(request=NoteIn, responses=TicketOut)
    @action(detail=True, methods=["post"], url_path="approve-extension")
    def approve_extension(self, request, number=None):
        """A manager approves the open extension request; the resident is told the reason."""
        return self._decide(request, approve=True)

    @extend_schema(request=NoteIn, responses=TicketOut)
    @action(detail=True, methods=["post"], url_path="reject-extension")
    def reject_extension(self, request, number=None):
        return self._decide(request, approve=False)

    def _decide(self, request, *, approve: bool):
        data = validated(NoteIn, request.data)
        ticket = self.get_object()
        services.ticket_decide_extension(
            ticket_id=ticket.pk, actor=request.user, now=self.now, approve=approve, note=data["note"]
        )
        return self._answer(ticket)


# ---------------------------------------------------------------------------------------------
# Return-visit queue
# ---------------------------------------------------------------------------------------------


class ReturnVisitOut(serializers.Serializer):
    ticket = serializers.CharField(source="ticket.number")
    caller_name = serializers.CharField(source="ticket.caller_name")
    caller_phone = serializers.CharField(source="ticket.caller_phone")
    severity = serializers.CharField(source="ticket.severity")
    due_at = serializers.DateTimeField()
    state = serializers.CharField()
    responsible = serializers.CharField(source="responsible.username", allow_null=True)
    next_call_at = serializers.SerializerMethodField()

    def get_next_call_at(self, d: Deadline) -> dt.datetime:
        return self.context["slot"](max(self.context["now"], d.started_at))


class ReturnVisitViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """回访 queue: due return visits, each with the next moment a call is allowed (07:00–22:00
    minus the policy's quiet periods)."""

    serializer_class = ReturnVisitOut
    queryset = Deadline.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if role_of(self.request.user) not in selectors.ALL_TICKETS_ROLES:
            raise PermissionDenied(_("只有客服和管理人员可以查看回访队列。"))
        return selectors.return_visit_queue(now=timezone.now())

    def get_serializer_context(self):
        policy = policy_current()
        quiet = parse_periods(policy.quiet_periods)

        def slot(at):
            return next_call_slot(
                at, window_start=policy.call_window_start, window_end=policy.call_window_end, quiet_periods=quiet
            )

        return {**super().get_serializer_context(), "now": timezone.now(), "slot": slot}


# ---------------------------------------------------------------------------------------------
# Staff assessment
# ---------------------------------------------------------------------------------------------


class AssessmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = serializers.CharField(source="ticket.number", allow_null=True)
    staff = serializers.CharField(source="staff.username")
    rule = serializers.CharField()
    amount = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    points = serializers.IntegerField(allow_null=True)
    jointly_liable = serializers.BooleanField()
    state = serializers.CharField()
    facts = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()


class AssessmentIn(serializers.Serializer):
    rule = serializers.ChoiceField(choices=Assessment.Rule.choices)
    staff = serializers.CharField()
    ticket = serializers.CharField(required=False, allow_blank=True)
    facts = serializers.CharField(max_length=2000)
    deputy = serializers.CharField(required=False, allow_blank=True)

    def _user(self, username):
        try:
            return User.objects.select_related("profile").get(username=username)
        except User.DoesNotExist:
            raise serializers.ValidationError(gettext_lazy("没有这个工作人员。")) from None

    def validate_staff(self, value):
        return self._user(value)

    def validate_deputy(self, value):
        return self._user(value) if value else None

    def validate_ticket(self, value):
        if not value:
            return None
        try:
            return Ticket.objects.get(number=value)
        except Ticket.DoesNotExist:
            raise serializers.ValidationError(gettext_lazy("没有这个工单。")) from None


class AssessmentFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Assessment.State.choices)
    staff = django_filters.CharFilter(field_name="staff__username")
    ticket = django_filters.CharFilter(field_name="ticket__number")
    rule = django_filters.ChoiceFilter(choices=Assessment.Rule.choices)

    class Meta:
        model = Assessment
        fields = ["state", "staff", "ticket", "rule"]


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """考核 ledger (managers only): proposals from the sweep and entries added by hand."""

    serializer_class = AssessmentOut
    filterset_class = AssessmentFilter
    queryset = Assessment.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if not is_manager(self.request.user):
            raise PermissionDenied(_("只有管理人员可以查看考核。"))
        return selectors.assessment_list()

    @extend_schema(request=AssessmentIn, responses={201: AssessmentOut(many=True)})
    def create(self, request):
        """Add an entry by hand (e.g. rudeness, 100 元); falsified measurement adds the jointly
        liable station head and deputy chief."""
        if not is_manager(request.user):
            raise PermissionDenied(_("只有管理人员可以录入考核。"))
        data = validated(AssessmentIn, request.data)
        with transaction.atomic():
            entries = assessments.assessment_add(
                actor=request.user,
                rule=data["rule"],
                staff=data["staff"],
                ticket=data.get("ticket"),
                facts=data["facts"],
                deputy=data.get("deputy"),
                now=timezone.now(),
            )
        return Response(AssessmentOut(entries, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonIn, responses=AssessmentOut)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._decide(request, confirm=True)

    @extend_schema(request=ReasonIn, responses=AssessmentOut)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._decide(request, confirm=False)

    def _decide(self, request, *, confirm: bool):
        data = validated(ReasonIn, request.data)
        entry = assessments.assessment_decide(
            assessment_id=self.get_object().pk,
            actor=request.user,
            confirm=confirm,
            reason=data["reason"],
            now=timezone.now(),
        )
        return Response(AssessmentOut(selectors.assessment_list().get(pk=entry.pk)).data)


# ---------------------------------------------------------------------------------------------
# Inbox
# ---------------------------------------------------------------------------------------------


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    message = serializers.CharField()
    ticket = serializers.CharField(source="ticket.number", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own inbox: warnings, overdue notices, transfers, escalations."""

    serializer_class = NotificationOut
    queryset = Notification.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.inbox_for(user=self.request.user)

    @extend_schema(request=None, responses=NotificationOut)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notice = self.get_object()
        Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
        notice.refresh_from_db()
        return Response(NotificationOut(notice).data)
