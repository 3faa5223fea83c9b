"""Writes of organisation data: the service policy versions (DOMAIN.md §1)."""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from heatservice.errors import InvalidInput
from stations.calendar import parse_periods
from stations.models import ServicePolicy
from stations.presets import PRESETS, preset_values

# Fields of ServicePolicy that describe a version rather than a promise.
META_FIELDS = {"id", "version", "preset", "is_current", "created_at", "created_by", "note"}


def _policy_lock_current() -> ServicePolicy | None:
    """Serialise policy writers, then return the current version (None only before migrations).

    Locking the current row itself is not enough under PostgreSQL's READ COMMITTED: a writer that
    waited for that lock re-checks `is_current` once the other writer commits, finds it False and
    gets no row at all (then fails on the one-current constraint). So every writer locks the oldest
    version, which all of them select without a predicate on a changing column, and reads the
    current row only after it holds that lock, in a statement that sees the committed winner.
    """
    list(ServicePolicy.objects.select_for_update().order_by("version").values_list("pk", flat=True)[:1])
    return ServicePolicy.objects.select_for_update().filter(is_current=True).first()


def policy_fields() -> list[str]:
    return [f.name for f in ServicePolicy._meta.concrete_fields if f.name not in META_FIELDS]


@transaction.atomic
def policy_publish(*, values: dict, preset: str, actor=None, note: str = "") -> ServicePolicy:
    """Create a new current version with `values`; the old version stays for the tickets pinned to it.

    Takes the policy lock (`_policy_lock_current`) so two managers publishing at once get versions
    n+1 and n+2 and exactly one current row, never a clash.
    """
    current = _policy_lock_current()
    try:
        parse_periods(values.get("quiet_periods") or [])
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_('免打扰时段格式应为 [["11:30", "14:30"], ...]'), field="quiet_periods") from exc
    next_version = (ServicePolicy.objects.aggregate(m=Max("version"))["m"] or 0) + 1
    policy = ServicePolicy(version=next_version, preset=preset, is_current=True, created_by=actor, note=note, **values)
    # Django's ValidationError (a message per field) becomes a 400 in heatservice.api.
    policy.full_clean(exclude=["is_current"])
    if not policy.call_window_start < policy.call_window_end:
        # next_call_slot needs a non-empty window (DOMAIN.md §2: no calls before 07:00 or after 22:00).
        raise InvalidInput(_("回访最晚时间应晚于最早时间"), field="call_window_end")
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    policy.save()
    return policy


def policy_switch_preset(*, preset: str, actor=None) -> ServicePolicy:
    if preset not in PRESETS:
        raise InvalidInput(_("未知的预设:%(name)s") % {"name": preset}, field="preset")
    return policy_publish(values=preset_values(preset), preset=preset, actor=actor, note=f"preset {preset}")


def policy_edit(*, changes: dict, actor=None, note: str = "") -> ServicePolicy:
    """Copy the current version, apply `changes` (field → value) and publish it as a new version."""
    with transaction.atomic():
        current = _policy_lock_current()
        if current is None:
            raise InvalidInput(_("尚无现行的服务承诺版本"), field="detail")
        unknown = set(changes) - set(policy_fields())
        if unknown:
            raise InvalidInput(_("不能修改的字段:%(f)s") % {"f": ", ".join(sorted(unknown))}, field="detail")
        values = {name: getattr(current, name) for name in policy_fields()}
        values.update(changes)
        return policy_publish(values=values, preset=current.preset, actor=actor, note=note)
