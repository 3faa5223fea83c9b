"""Back office for tickets and everything hanging off them: all read-only.

Every write of a ticket, a clock, an extension or an assessment goes through complaints.services
(or complaints.assessments), which records the history, moves the clocks and checks roles; an edit
here would bypass all of that. Tickets are never deleted (DOMAIN.md §3), and the event log is
append-only (a database trigger refuses UPDATE and DELETE). So the admin is for finding and reading.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    Assessment,
    Deadline,
    Extension,
    Notification,
    OutboundMessage,
    PapersRequest,
    Ticket,
    TicketEvent,
)
from complaints.selectors import ticket_search
from stations.admin import EstimatedCountPaginator


class ReadOnlyMixin:
    """View only: no add, no change, no delete, for superusers too."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadFilter(admin.SimpleListFilter):
    title = _("是否已读")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return (("no", _("未读")), ("yes", _("已读")))

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


class OutboundChannelFilter(admin.SimpleListFilter):
    """Fixed choices: a filter over the column's distinct values would scan the whole table."""

    title = _("渠道")
    parameter_name = "channel"

    def lookups(self, request, model_admin):
        return (("sms", _("短信")), ("email", _("邮件")))

    def queryset(self, request, queryset):
        return queryset.filter(channel=self.value()) if self.value() else queryset


class SentFilter(admin.SimpleListFilter):
    title = _("是否已发送")
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return (("no", _("未发送")), ("yes", _("已发送")))

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(sent_at__isnull=self.value() == "no")
        return queryset


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


class DeadlineInline(ReadOnlyMixin, admin.TabularInline):
    model = Deadline
    fk_name = "ticket"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("kind", "cycle", "state", "started_at", "due_at", "met_at", "responsible", "responsible_station")
    readonly_fields = fields
    ordering = ("due_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("responsible", "responsible_station")


class TicketEventInline(ReadOnlyMixin, admin.TabularInline):
    model = TicketEvent
    fk_name = "ticket"
    extra = 0
    can_delete = False
    fields = ("seq", "at", "kind", "actor", "note", "public")
    readonly_fields = fields
    ordering = ("seq",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("number", "category", "severity", "status", "station", "received_at", "first_responder")
    list_filter = ("status", "category", "severity", "channel", "station")
    list_select_related = ("station", "first_responder")
    search_fields = ("number", "caller_phone", "caller_name")
    search_help_text = _("按工单号(GD开头)、来电号码、来电人或住户姓名、地址查找")
    date_hierarchy = "received_at"
    sortable_by = ("number", "received_at")
    raw_id_fields = ("household",)
    inlines = (DeadlineInline, TicketEventInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("number", "status", "cycle"),
                    ("channel", "category", "severity", "repair_kind"),
                    ("received_at", "created_at", "updated_at"),
                    "policy",
                )
            },
        ),
        (_("来电"), {"fields": (("caller_name", "caller_phone"), "household", "station", "content")}),
        (
            _("办理"),
            {
                "fields": (
                    "first_responder",
                    ("handler_station", "handler_department", "handler_user"),
                    ("awaiting_papers", "satisfaction"),
                )
            },
        ),
    )

    def get_search_results(self, request, queryset, search_term):
        # Indexed lookups, the same as the API's ticket search.
        return ticket_search(queryset, search_term), False


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "kind", "state", "due_at", "met_at", "responsible")
    list_filter = ("kind", "state")
    list_select_related = ("ticket", "responsible")
    search_fields = ("ticket__number",)
    raw_id_fields = ("ticket",)
    sortable_by = ("due_at",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().upper()
        return (queryset.filter(ticket__number__startswith=term) if term else queryset), False


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "seq", "kind", "at", "actor", "public")
    list_filter = ("public",)
    list_select_related = ("ticket", "actor")
    search_fields = ("ticket__number",)
    raw_id_fields = ("ticket",)
    sortable_by = ()

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().upper()
        return (queryset.filter(ticket__number__startswith=term) if term else queryset), False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    """Entries are confirmed or dismissed with a reason through the API (complaints.assessments)."""

    list_display = ("rule", "staff", "ticket", "amount", "points", "state", "created_at")
    list_filter = ("state", "rule", "jointly_liable")
    list_select_related = ("staff", "ticket")
    search_fields = ("staff__username", "ticket__number")
    raw_id_fields = ("ticket", "deadline")


@admin.register(Extension)
class ExtensionAdmin(ReadOnlyAdmin):
    """Extensions are approved or rejected through the API (complaints.services)."""

    list_display = ("deadline", "state", "requested_by", "requested_at", "original_due_at", "requested_due_at")
    list_filter = ("state",)
    list_select_related = ("deadline", "requested_by")
    search_fields = ("deadline__ticket__number",)
    raw_id_fields = ("deadline",)


@admin.register(PapersRequest)
class PapersRequestAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "items", "requested_by", "requested_at", "completed_at")
    list_select_related = ("ticket", "requested_by")
    search_fields = ("ticket__number",)
    raw_id_fields = ("ticket",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "ticket", "created_at", "read_at")
    list_filter = (ReadFilter,)
    list_select_related = ("user", "ticket")
    search_fields = ("user__username", "ticket__number")
    raw_id_fields = ("ticket",)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("channel", "to", "ticket", "created_at", "sent_at")
    list_filter = (OutboundChannelFilter, SentFilter)
    list_select_related = ("ticket",)
    search_fields = ("to", "ticket__number")
    raw_id_fields = ("ticket",)
