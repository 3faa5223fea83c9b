"""Reads of organisation data, each scoped by the caller where it concerns residents."""

from django.db.models import Q, QuerySet

from stations.calendar import WorkCalendar
from stations.models import MANAGER_ROLES, CalendarDay, Household, Profile, Role, ServicePolicy, Station


def policy_current() -> ServicePolicy:
    """The policy version in force. The data migration creates version 1, so one always exists."""
    return ServicePolicy.objects.get(is_current=True)


def work_calendar() -> WorkCalendar:
    """The statutory calendar with the admins' overrides applied (DOMAIN.md §2)."""
    overrides = {day: kind == CalendarDay.Kind.WORKDAY for day, kind in CalendarDay.objects.values_list("date", "kind")}
    return WorkCalendar(overrides=overrides)


def profile_of(user) -> Profile | None:
    if not user or not user.is_authenticated:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def role_of(user) -> str | None:
    if user is not None and user.is_authenticated and user.is_superuser:
        return Role.MANAGER
    profile = profile_of(user)
    return profile.role if profile else None


def is_manager(user) -> bool:
    return role_of(user) in MANAGER_ROLES


def is_staff_member(user) -> bool:
    role = role_of(user)
    return role is not None and role != Role.RESIDENT


def station_head_of(station_id: int):
    """The head (所长) of a station, or None."""
    profile = Profile.objects.select_related("user").filter(station_id=station_id, role=Role.STATION_HEAD).first()
    return profile.user if profile else None


def manager_user_ids() -> list[int]:
    """Everyone who is told about major incidents and approves extensions."""
    return list(
        Profile.objects.filter(role__in=list(MANAGER_ROLES), user__is_active=True).values_list("user_id", flat=True)
    )


def household_list_for(*, user) -> QuerySet[Household]:
    """Households the caller may look up: staff see all (agents need every caller), station staff
    their station's, residents only their own."""
    qs = Household.objects.select_related("station")
    role = role_of(user)
    if role is None:
        return qs.none()
    if role == Role.RESIDENT:
        return qs.filter(pk=user.profile.household_id)
    if role in {Role.STATION_HEAD, Role.SERVICEMAN, Role.WORKER}:
        return qs.filter(station_id=user.profile.station_id)
    return qs


def household_search(qs: QuerySet[Household], text: str) -> QuerySet[Household]:
    """By phone, resident name, account number or address (DOMAIN.md §3: the caller lookup)."""
    text = text.strip()
    if not text:
        return qs
    if text.isdigit():
        return qs.filter(Q(phone__startswith=text) | Q(account_number__startswith=text) | Q(phone__endswith=text))
    return qs.filter(Q(resident_name__startswith=text) | Q(address__contains=text) | Q(account_number=text))


def stations_all() -> QuerySet[Station]:
    return Station.objects.order_by("number")
