"""Reads of tickets and their clocks, always scoped to what the caller may see (DOMAIN.md §10)."""

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from complaints.models import Assessment, Deadline, Notification, Ticket, TicketEvent
from stations.models import Role
from stations.selectors import role_of

ALL_TICKETS_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.OPS_CHIEF, Role.DEPUTY_CHIEF, Role.INSPECTOR})


def ticket_list_for(*, user) -> QuerySet[Ticket]:
    """Agents, managers and inspectors see every ticket; a station head and area servicemen their
    station's (as its station or its handler); a worker the tickets assigned to them; a resident
    their own household's. Anything else is invisible (404, never 403: no oracle)."""
    qs = Ticket.objects.all()
    role = role_of(user)
    if role in ALL_TICKETS_ROLES:
        return qs
    if role in {Role.STATION_HEAD, Role.SERVICEMAN}:
        station_id = user.profile.station_id
        return qs.filter(Q(station_id=station_id) | Q(handler_station_id=station_id))
    if role == Role.WORKER:
        return qs.filter(Q(handler_user=user) | Q(deadlines__responsible=user)).distinct()
    if role == Role.RESIDENT:
        return qs.filter(household_id=user.profile.household_id)
    return qs.none()


def overdue_exists(now: dt.datetime) -> Exists:
    """A ticket is overdue while one of its clocks is missed and unmet: marked overdue by the sweep,
    or still pending past its due time (right even between two sweeps)."""
    return Exists(
        Deadline.objects.filter(ticket=OuterRef("pk")).filter(
            Q(state=Deadline.State.OVERDUE) | Q(state=Deadline.State.PENDING, due_at__lt=now)
        )
    )


def with_list_data(qs: QuerySet[Ticket], *, now: dt.datetime) -> QuerySet[Ticket]:
    """What the list shows, in a constant number of queries."""
    return (
        qs.select_related("station", "handler_station", "handler_user", "first_responder", "household")
        .prefetch_related(Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at", "pk")))
        .annotate(is_overdue=overdue_exists(now))
    )


def with_detail_data(qs: QuerySet[Ticket], *, now: dt.datetime, public_only: bool) -> QuerySet[Ticket]:
    events = TicketEvent.objects.select_related("actor__profile").order_by("seq")
    if public_only:
        events = events.filter(public=True)
    return with_list_data(qs, now=now).select_related("policy").prefetch_related(Prefetch("events", queryset=events))


def ticket_search(qs: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """By ticket number, caller phone or name, or household address; never widens the scope."""
    text = text.strip()
    if not text:
        return qs
    if text.upper().startswith("GD"):
        return qs.filter(number__startswith=text.upper())
    if text.replace("-", "").isdigit():
        return qs.filter(Q(caller_phone__startswith=text) | Q(caller_phone__endswith=text) | Q(household__phone=text))
    return qs.filter(
        Q(caller_name__startswith=text)
        | Q(household__resident_name__startswith=text)
        | Q(household__address__contains=text)
    )


def return_visit_queue(*, now: dt.datetime) -> QuerySet[Deadline]:
    """Return visits due (回访), earliest first."""
    return (
        Deadline.objects.filter(
            kind=Deadline.Kind.RETURN_VISIT, state__in=[Deadline.State.PENDING, Deadline.State.OVERDUE]
        )
        .select_related("ticket", "ticket__household", "responsible")
        .order_by("due_at", "pk")
    )


def assessment_list() -> QuerySet[Assessment]:
    return Assessment.objects.select_related("staff", "ticket", "decided_by", "created_by")


def inbox_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("ticket")
