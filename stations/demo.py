"""Demo data for stations: the topology under the ten stations, households, and the demo accounts.

Used by `manage.py seed_demo` (API.md "Setting up and running"). Reproducible: everything comes
from one `random.Random(seed)`, consumed in a fixed order, so the same seed and household count
give the same rows (ids aside). Fast and bounded in memory: the topology (areas, communities,
buildings, units: a few tens of thousands of rows for a million households) is planned in memory
and bulk-inserted; households are streamed in chunks, with COPY on PostgreSQL and `bulk_create`
elsewhere.

The attributes are balanced per area so that a patrol sample (DOMAIN.md §6) can meet its quotas:
about 60 % of an area's households live in `end`-of-network buildings and 40 % in `middle` ones,
60 % face north and 40 % south, every building's floors are all populated (so the floor thirds
exist), and units hold many households (so "at most 3 per unit" never binds).
"""

import io
import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, reset_queries, transaction

from stations.models import Area, Building, Community, Household, Profile, Role, Station, Unit

CHUNK = 50_000
HEAT_PRICE = "22.00"
END_SHARE = 0.6  # DOMAIN.md §6: 60 % end of network, 40 % middle
AREA_TARGET = 5_000  # households per area (片区) once a station is large enough
MIN_AREAS, MAX_AREAS = 2, 20
COMMUNITY_TARGET = 1_200  # households per community (小区)
MAX_PER_STATION = 999_999  # account numbers are HS + 2-digit station + 6-digit counter

# Relative sizes of the ten stations (a real company's stations are not all alike).
STATION_WEIGHTS = {1: 12, 2: 10, 3: 9, 4: 11, 5: 10, 6: 8, 7: 10, 8: 9, 9: 11, 10: 10}


def _words(text: str) -> list[str]:
    return text.split()


# ---------------------------------------------------------------------------------------------
# Names: Qufu-flavoured places, common surnames (孔, 颜, 孟, 曾 are frequent in Qufu)
# ---------------------------------------------------------------------------------------------

SURNAMES = (
    "孔孔孔孔颜颜孟孟曾王王王王李李李张张张刘刘刘陈陈杨杨赵赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "许韩冯邓曹彭萧田董袁潘蒋蔡于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦"
)
GIVEN_NAMES = _words(
    "建国 建华 建军 国庆 国强 志强 志刚 志明 海燕 秀英 秀兰 桂英 玉兰 玉梅 丽华 丽娜 丽萍 晓燕 晓东 "
    "晓明 春梅 春华 红梅 红霞 明 伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 涛 超 霞 平 刚 桂兰 "
    "祥瑞 令军 令华 庆东 庆华 繁军 繁荣 德明 德胜 宪文 宪章 昭阳 昭华 祥林 祥云 维新 维民 凡 "
    "子涵 子轩 浩然 宇航 欣怡 思雨 雨桐 梓萱 一诺 佳怡 浩宇 俊杰 文博 天宇 博文 雅琪 "
    "传德 传文 广利 广辉 兆富 兆清 立新 立军 继红 继承 金生 玉珍 凤英 凤兰 淑珍 淑芬 慧敏 "
    "宏伟 振华 振东 守信 守仁 孝义 尚礼 崇文 修德 敬之 克勤 世英 学文 连生 长青 长江 永刚 永红"
)
MOBILE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 198 199"
)

COMMUNITY_PREFIXES = _words(
    "杏坛 孔府 御景 奎文 洙泗 尼山 阙里 舞雩 春秋 鲁源 明德 大成 静轩 五马 书院 颜庙 逵泉 沂河 鼓楼 仓庚 "
    "东方 文昌 泮池 杏林 棂星 孝贤 崇圣 圣源 儒林 礼门 时庄 息陬 石门 九仙 防山 少昊 寿丘 东关 西关 南关"
)
COMMUNITY_SUFFIXES = _words(
    "花园 新村 小区 家园 嘉苑 名苑 雅居 水岸 华府 公馆 御园 佳园 丽景 雅苑 新城 锦苑 学府 东苑 西苑 山庄"
)
# The first community of stations 1 and 2 keeps a fixed, recognisable name: the two demo residents live there.
PINNED_COMMUNITIES = {1: "杏坛花园", 2: "御景湾小区"}
AREA_STEMS = _words(
    "东关 西关 南关 北关 鼓楼 五马祠 大成路 静轩路 春秋路 孔子大道 逵泉路 舞雩坛 时庄 息陬 小雪 陵城 "
    "书院 防山 王庄 吴村 尼山 姚村 石门山 董庄 杏坛路 仓庚路 沂河路 圣源路 颜庙街 阙里街"
)
ROADS = _words("静轩中路 春秋中路 大成路 鼓楼北街 五马祠街 逵泉路 沂河路 杏坛路 仓庚路 孔子大道 颜庙街 南新区大道")

# Building shapes (DOMAIN.md §6 needs floors, units and a network position): floors, possible unit
# counts, possible flats per floor (per unit), relative weight.
SHAPES = (
    (6, (2, 3, 4), (2,), 35),
    (11, (2, 3), (2, 2, 3), 25),
    (18, (2, 3), (2, 3), 20),
    (26, (2, 3, 4), (3, 4), 20),
)
_SHAPE_WEIGHTS = [s[3] for s in SHAPES]

# The demo residents' households: fixed name, phone and area whatever the seed.
RESIDENT_HOUSEHOLDS = {
    1: ("孔繁军", "13905370001", 9650),  # resident1: account HS01000001
    2: ("颜丽华", "13905370002", 11820),  # resident2: account HS02000001
}


def person_name(rng: random.Random) -> str:
    """A Chinese full name, surname first (int(random() * n) is much cheaper than choice())."""
    return SURNAMES[int(rng.random() * len(SURNAMES))] + GIVEN_NAMES[int(rng.random() * len(GIVEN_NAMES))]


def mobile(rng: random.Random) -> str:
    """A realistic mainland mobile number, 1[3-9] + 9 digits."""
    return f"{MOBILE_PREFIXES[int(rng.random() * len(MOBILE_PREFIXES))]}{int(rng.random() * 100_000_000):08d}"


def account_number(station_number: int, counter: int) -> str:
    """HS + two-digit station + six-digit counter (household_rows inlines the same format)."""
    return f"HS{station_number:02d}{counter:06d}"


def split_evenly(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of `total` by `weights` (sums to `total` exactly)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


# ---------------------------------------------------------------------------------------------
# Planning the topology (pure: a random generator in, plain objects out)
# ---------------------------------------------------------------------------------------------


@dataclass
class PlannedBuilding:
    number: int
    floors: int
    units: int
    flats_per_floor: int
    position: str
    flat_areas: list[int]  # area in 1/100 m² per flat column (the same floor plan on every floor)
    skipped: set[int] = field(default_factory=set)  # flat indexes that are not heating customers
    pk: int | None = None
    unit_pks: list[int] = field(default_factory=list)

    @property
    def capacity(self) -> int:
        return self.floors * self.units * self.flats_per_floor


@dataclass
class PlannedCommunity:
    name: str
    address: str
    buildings: list[PlannedBuilding] = field(default_factory=list)
    pk: int | None = None


@dataclass
class PlannedArea:
    station: Station
    name: str
    households: int
    communities: list[PlannedCommunity] = field(default_factory=list)
    pk: int | None = None


def _plan_group(rng: random.Random, count: int, position: str) -> list[PlannedBuilding]:
    """Buildings of one network position holding exactly `count` households: add buildings until
    their flats suffice, then leave the surplus flats empty (not every flat takes district heating)."""
    buildings: list[PlannedBuilding] = []
    capacity = 0
    while capacity < count:
        floors, unit_choices, flat_choices, _weight = rng.choices(SHAPES, weights=_SHAPE_WEIGHTS)[0]
        flats = rng.choice(flat_choices)
        areas = [int(rng.triangular(4500, 16000, 9000)) for _ in range(flats)]
        building = PlannedBuilding(0, floors, rng.choice(unit_choices), flats, position, areas)
        buildings.append(building)
        capacity += building.capacity
    surplus = capacity - count
    if surplus * 2 > capacity:
        # Sparse (a small demo): keep evenly spaced flats, so that every unit and every third of
        # the floors still has households (the patrol quotas need them, DOMAIN.md §6).
        keep = {int((i + 0.5) * capacity / count) for i in range(count)}
        offset = 0
        for building in buildings:
            building.skipped = {f for f in range(building.capacity) if offset + f not in keep}
            offset += building.capacity
        return buildings
    # Otherwise leave random flats empty, uniformly over all the group's flats.
    starts, offset = [], 0
    for building in buildings:
        starts.append(offset)
        offset += building.capacity
    for flat in rng.sample(range(capacity), surplus):
        i = bisect_right(starts, flat) - 1
        buildings[i].skipped.add(flat - starts[i])
    return buildings


class _NamePool:
    """Names drawn in a shuffled order; once all are used, again with a round mark (二期, 三期…)."""

    def __init__(self, rng: random.Random, items: list[str], *, taken=(), marks=("二期", "三期", "四期", "五期")):
        self.items = [item for item in items if item not in set(taken)]
        rng.shuffle(self.items)
        self.marks = marks
        self.i = 0

    def next(self) -> str:
        rounds, index = divmod(self.i, len(self.items))
        self.i += 1
        if rounds == 0:
            return self.items[index]
        mark = self.marks[rounds - 1] if rounds <= len(self.marks) else f"{rounds + 1}期"
        return self.items[index] + mark


def plan_topology(rng: random.Random, *, households: int, stations: list[Station]) -> list[PlannedArea]:
    """Areas, communities and buildings for `households` households over `stations`."""
    per_station = split_evenly(households, [STATION_WEIGHTS.get(s.number, 10) for s in stations])
    community_names = _NamePool(
        rng, [p + s for p in COMMUNITY_PREFIXES for s in COMMUNITY_SUFFIXES], taken=PINNED_COMMUNITIES.values()
    )
    area_stems = _NamePool(rng, list(AREA_STEMS), marks=("二", "三", "四", "五", "六", "七", "八", "九"))
    areas: list[PlannedArea] = []
    for station, count in zip(stations, per_station, strict=True):
        if count > MAX_PER_STATION:
            raise ValueError(f"at most {MAX_PER_STATION} households per station")
        if count == 0:
            continue
        n_areas = max(MIN_AREAS, min(MAX_AREAS, round(count / AREA_TARGET)))
        n_areas = min(n_areas, count)
        weights = [rng.randint(80, 120) for _ in range(n_areas)]
        used_names: set[str] = set()
        for a, area_count in enumerate(split_evenly(count, weights)):
            name = area_stems.next() + "片区"
            while name in used_names:
                name = area_stems.next() + "片区"
            used_names.add(name)
            area = PlannedArea(station, name, area_count)
            n_end = round(area_count * END_SHARE)
            buildings = _plan_group(rng, n_end, "end") + _plan_group(rng, area_count - n_end, "middle")
            rng.shuffle(buildings)
            n_communities = max(1, min(len(buildings), round(area_count / COMMUNITY_TARGET)))
            for c in range(n_communities):
                pinned = PINNED_COMMUNITIES.get(station.number) if a == 0 and c == 0 else None
                address = f"曲阜市{rng.choice(ROADS)}{rng.randint(1, 299)}号"
                community = PlannedCommunity(pinned or community_names.next(), address)
                community.buildings = buildings[c::n_communities]
                for number, building in enumerate(community.buildings, start=1):
                    building.number = number
                area.communities.append(community)
            areas.append(area)
    return areas


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


@dataclass
class HouseholdSeedResult:
    households: int = 0
    areas: int = 0
    communities: int = 0
    buildings: int = 0
    units: int = 0
    skipped: bool = False


def _insert_topology(areas: list[PlannedArea]) -> None:
    area_rows = [Area(station=a.station, name=a.name) for a in areas]
    for planned, row in zip(areas, Area.objects.bulk_create(area_rows, batch_size=2000), strict=True):
        planned.pk = row.pk
    communities = [(a, c) for a in areas for c in a.communities]
    rows = [Community(area_id=a.pk, name=c.name, address=c.address) for a, c in communities]
    for (_a, planned), row in zip(communities, Community.objects.bulk_create(rows, batch_size=2000), strict=True):
        planned.pk = row.pk
    buildings = [(c, b) for a in areas for c in a.communities for b in c.buildings]
    rows = [
        Building(community_id=c.pk, number=str(b.number), floors=b.floors, network_position=b.position)
        for c, b in buildings
    ]
    for (_c, planned), row in zip(buildings, Building.objects.bulk_create(rows, batch_size=2000), strict=True):
        planned.pk = row.pk
    units = [(b, n) for _c, b in buildings for n in range(1, b.units + 1)]
    rows = [Unit(building_id=b.pk, number=n) for b, n in units]
    for (planned, _n), row in zip(units, Unit.objects.bulk_create(rows, batch_size=2000), strict=True):
        planned.unit_pks.append(row.pk)


def household_rows(rng: random.Random, areas: list[PlannedArea]) -> Iterator[tuple]:
    """Household rows in a fixed order: (account_number, station_id, area_id, unit_id,
    building_floors, floor, room, address, resident_name, phone, orientation, area in 1/100 m²).

    Orientation comes in shuffled blocks of five (3 north, 2 south) per area: 60/40 however small
    the area is (DOMAIN.md §6)."""
    counters: dict[int, int] = {}
    rand, shuffle = rng.random, rng.shuffle  # int(rand() * n) is several times cheaper than choice()
    surnames, given, prefixes = SURNAMES, GIVEN_NAMES, MOBILE_PREFIXES
    n_surnames, n_given, n_prefixes = len(surnames), len(given), len(prefixes)
    for area in areas:
        station = area.station
        number = station.number
        block: list[str] = []
        for community in area.communities:
            for building in community.buildings:
                flats, floors, flat_areas = building.flats_per_floor, building.floors, building.flat_areas
                per_unit = floors * flats
                skipped = building.skipped
                for u, unit_pk in enumerate(building.unit_pks):
                    prefix = f"{community.name}{building.number}号楼{u + 1}单元"
                    for f in range(floors):
                        for col in range(flats):
                            if skipped and (u * per_unit + f * flats + col) in skipped:
                                continue
                            if not block:
                                block = ["north", "north", "north", "south", "south"]
                                shuffle(block)
                            counter = counters[number] = counters.get(number, 0) + 1
                            room = f"{f + 1:02d}{col + 1:02d}"
                            name = surnames[int(rand() * n_surnames)] + given[int(rand() * n_given)]
                            phone = f"{prefixes[int(rand() * n_prefixes)]}{int(rand() * 100_000_000):08d}"
                            area_cents = flat_areas[col]
                            if counter == 1 and number in RESIDENT_HOUSEHOLDS:
                                name, phone, area_cents = RESIDENT_HOUSEHOLDS[number]
                            yield (
                                f"HS{number:02d}{counter:06d}",
                                station.pk,
                                area.pk,
                                unit_pk,
                                floors,
                                f + 1,
                                room,
                                f"{prefix}{room}室",
                                name,
                                phone,
                                block.pop(),
                                area_cents,
                            )


HOUSEHOLD_COLUMNS = (
    "account_number",
    "station_id",
    "area_id",
    "unit_id",
    "building_floors",
    "floor",
    "room",
    "address",
    "resident_name",
    "phone",
    "orientation",
    "area_m2",
    "heat_price",
)


def _copy_households(rows: list[tuple]) -> None:
    """COPY one chunk (text format; no value contains a tab, newline or backslash). The buffer is
    UTF-8 bytes: a str buffer of Chinese text would take four bytes a character."""
    text = "".join(
        f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{r[6]}\t{r[7]}\t{r[8]}\t{r[9]}\t{r[10]}\t"
        f"{r[11] // 100}.{r[11] % 100:02d}\t{HEAT_PRICE}\n"
        for r in rows
    )
    buf = io.BytesIO(text.encode())
    del text
    table = Household._meta.db_table
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({', '.join(HOUSEHOLD_COLUMNS)}) FROM STDIN", buf, 1 << 20)


def _bulk_create_households(rows: list[tuple]) -> None:
    price = Decimal(HEAT_PRICE)
    Household.objects.bulk_create(
        [
            Household(
                account_number=r[0],
                station_id=r[1],
                area_id=r[2],
                unit_id=r[3],
                building_floors=r[4],
                floor=r[5],
                room=r[6],
                address=r[7],
                resident_name=r[8],
                phone=r[9],
                orientation=r[10],
                area_m2=Decimal(r[11]).scaleb(-2),
                heat_price=price,
            )
            for r in rows
        ],
        batch_size=2000,
    )


def skip_foreign_key_checks() -> bool:
    """Inside a transaction on PostgreSQL: skip the foreign-key triggers for its bulk inserts.

    PostgreSQL checks each foreign key with a trigger, one lookup and one row lock per inserted
    row, which is about a third of a bulk load. The bulk writers here write only ids they have
    just read or inserted, so a superuser session may skip the checks for this transaction
    (`SET LOCAL session_replication_role = replica`, reset at commit). Without the privilege, the
    checks run per statement instead of piling up until commit. Returns whether they are skipped."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        return True
    except DatabaseError:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return False


def seed_households(*, households: int, seed: int, chunk: int = CHUNK) -> HouseholdSeedResult:
    """Create the topology and `households` households, unless households already exist (then
    nothing is written and `skipped` is set: a second run never duplicates them)."""
    if Household.objects.exists():
        return HouseholdSeedResult(skipped=True)
    if households <= 0:
        return HouseholdSeedResult()
    rng = random.Random(seed)
    stations = list(Station.objects.order_by("number"))
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            skip_foreign_key_checks()
        areas = plan_topology(rng, households=households, stations=stations)
        _insert_topology(areas)
        write = _copy_households if postgres else _bulk_create_households
        buffer: list[tuple] = []
        total = 0
        for row in household_rows(rng, areas):
            buffer.append(row)
            if len(buffer) >= chunk:
                write(buffer)
                total += len(buffer)
                buffer = []
                reset_queries()
        if buffer:
            write(buffer)
            total += len(buffer)
        reset_queries()
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Household._meta.db_table}")
    return HouseholdSeedResult(
        households=total,
        areas=len(areas),
        communities=sum(len(a.communities) for a in areas),
        buildings=sum(len(c.buildings) for a in areas for c in a.communities),
        units=sum(len(b.unit_pks) for a in areas for c in a.communities for b in c.buildings),
    )


# ---------------------------------------------------------------------------------------------
# Accounts (API.md "Setting up and running")
# ---------------------------------------------------------------------------------------------

HEAD_NAMES = ["孔庆东", "颜世英", "孟宪章", "曾昭阳", "王德明", "李传文", "张广利", "刘兆富", "陈立新", "杨振华"]
WORKER_NAMES = ["孔祥林", "颜守信", "孟凡", "曾维民", "赵长青", "周永刚", "吴连生", "徐继承", "孙宏伟", "马金生"]
SERVICEMAN_SURNAMES = "孔颜孟曾王李张刘陈杨赵黄周吴徐孙马朱胡郭"
SERVICEMAN_GIVEN = _words(
    "建军 志刚 海涛 国华 德胜 振东 守仁 广辉 立军 长江 兆清 传德 学文 永红 继红 克勤 修德 崇文 尚礼 孝义"
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    station_number: int | None = None
    superuser: bool = False
    phone: str = ""


def demo_accounts() -> list[DemoAccount]:
    """The fixed accounts of API.md (servicemen are per area, see `ensure_accounts`)."""
    accounts = [
        DemoAccount("manager", "孔令华", Role.OPS_CHIEF, superuser=True, phone="13905370100"),
        DemoAccount("agent1", "颜丽娜", Role.AGENT, phone="13905370101"),
        DemoAccount("agent2", "孟晓燕", Role.AGENT, phone="13905370102"),
        DemoAccount("inspector", "曾宪文", Role.INSPECTOR, phone="13905370103"),
    ]
    for n in range(1, 11):
        accounts.append(DemoAccount(f"head{n}", HEAD_NAMES[n - 1], Role.STATION_HEAD, n, phone=f"1390537{200 + n:04d}"))
        accounts.append(DemoAccount(f"worker{n}", WORKER_NAMES[n - 1], Role.WORKER, n, phone=f"1390537{300 + n:04d}"))
    return accounts


def _upsert_user(
    account: DemoAccount, *, password_hash: str, groups: dict[str, Group], stations: dict[int, Station], household=None
):
    User = get_user_model()
    user, _created = User.objects.get_or_create(username=account.username)
    user.first_name = account.name
    user.last_name = ""
    user.is_staff = account.superuser
    user.is_superuser = account.superuser
    user.is_active = True
    user.password = password_hash
    user.save()
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "role": account.role,
            "station": stations.get(account.station_number),
            "household": household,
            "phone": account.phone,
        },
    )
    user.groups.set([groups[account.role]])
    return user


def _resident_household(username: str, station_number: int, exclude: set[int]) -> Household | None:
    """The household a demo resident is linked to: kept if already linked, else the first
    household of the station (account HS0N000001), else any household not already taken."""
    current = Profile.objects.filter(user__username=username).exclude(household=None).first()
    if current is not None:
        return current.household
    candidates = Household.objects.exclude(pk__in=exclude)
    return (
        candidates.filter(account_number=account_number(station_number, 1)).first()
        or candidates.filter(station__number=station_number).order_by("account_number").first()
        or candidates.order_by("pk").first()
    )


@transaction.atomic
def ensure_accounts(*, password: str) -> dict[str, object]:
    """Create or update every demo account (idempotent: keyed on usernames) and return them by
    username. One password hash serves all accounts, so a hundred servicemen cost one hash."""
    password_hash = make_password(password)
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    stations = {s.number: s for s in Station.objects.all()}
    users = {}
    for account in demo_accounts():
        users[account.username] = _upsert_user(account, password_hash=password_hash, groups=groups, stations=stations)
    taken: set[int] = set()
    for n, (username, name) in enumerate([("resident1", "孔繁军"), ("resident2", "颜丽华")], start=1):
        household = _resident_household(username, n, taken)
        if household is None:
            continue
        taken.add(household.pk)
        account = DemoAccount(username, household.resident_name or name, Role.RESIDENT, phone=household.phone)
        users[username] = _upsert_user(
            account, password_hash=password_hash, groups=groups, stations=stations, household=household
        )
    per_station: dict[int, int] = {}
    for area in Area.objects.select_related("station").order_by("station__number", "pk"):
        number = area.station.number
        index = per_station[number] = per_station.get(number, 0) + 1
        seq = number * 31 + index * 7
        name = SERVICEMAN_SURNAMES[seq % len(SERVICEMAN_SURNAMES)]
        name += SERVICEMAN_GIVEN[(seq // 3) % len(SERVICEMAN_GIVEN)]
        account = DemoAccount(
            f"serviceman{number}_{index}", name, Role.SERVICEMAN, number, phone=f"139{number:02d}{index:06d}"
        )
        user = users[account.username] = _upsert_user(
            account, password_hash=password_hash, groups=groups, stations=stations
        )
        if area.serviceman_id != user.pk:
            area.serviceman = user
            area.save(update_fields=["serviceman"])
    return users
