"""The ten stations of DOMAIN.md §4, policy version 1 (the `juyuan` preset), and one group per role."""

from django.db import migrations

from stations.presets import DEFAULT_PRESET, preset_values

STATIONS = [
    (1, "第一供热所", "犁铧春秋安置房热力站"),
    (2, "第二供热所", "栖庭水岸热力站"),
    (3, "第三供热所", "职工中专热力站"),
    (4, "第四供热所", "御景湾热力站"),
    (5, "第五供热所", "奎文嘉苑热力站"),
    (6, "第六供热所", "文管会热力站"),
    (7, "第七供热所", "工商局热力站"),
    (8, "第八供热所", "体育局热力站"),
    (9, "第九供热所", "锦华苑热力站"),
    (10, "第十供热所", "自来水热力站"),
]
ROLES = [
    "agent",
    "station_head",
    "serviceman",
    "worker",
    "ops_chief",
    "deputy_chief",
    "inspector",
    "manager",
    "resident",
]


def forwards(apps, schema_editor):
    Station = apps.get_model("stations", "Station")
    ServicePolicy = apps.get_model("stations", "ServicePolicy")
    Group = apps.get_model("auth", "Group")
    for number, name, office in STATIONS:
        Station.objects.update_or_create(number=number, defaults={"name": name, "office": office})
    if not ServicePolicy.objects.exists():
        ServicePolicy.objects.create(
            version=1, preset=DEFAULT_PRESET, is_current=True, note="initial", **preset_values(DEFAULT_PRESET)
        )
    for role in ROLES:
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [("stations", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
