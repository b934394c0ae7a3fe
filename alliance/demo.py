"""Demo data of the alliance, drawn from the story (../shared/seed/).

Running it again changes nothing.

People named in the news report keep their names; everyone else, every phone number and every
credit code here is fictional.
"""

from datetime import date
from itertools import cycle

from django.db import transaction

from alliance import services
from alliance.models import (
    Enterprise,
    Federation,
    Member,
    Project,
    ProjectParticipation,
    Township,
    User,
    Village,
)
from alliance.validators import credit_code_check_character

DEMO_PASSWORD = "huakai-2026"
STAFF_USERNAME = "staff"

HOME = ("奉化区妇联", "浙江省宁波市奉化区", "330283")
PARTNER = ("甘洛县妇联", "四川省凉山彝族自治州甘洛县", "513435")

# township: (kind, villages)
FENGHUA_PLACES = {
    "西坞街道": ("subdistrict", ["金峨村", "白杜村", "西坞村", "东岙村"]),
    "尚田街道": ("subdistrict", ["鸣雁村", "印家坑村", "尚田村", "冷西村"]),
    "溪口镇": ("town", ["岩头村", "畸山村", "班溪村", "溪口村"]),
    "萧王庙街道": ("subdistrict", ["滕头村", "青云村", "林家村"]),
    "锦屏街道": ("subdistrict", ["桃花坞村", "南门社区"]),
    "莼湖街道": ("subdistrict", ["桐照村", "栖凤村"]),
    "大堰镇": ("town", ["大堰村", "董家村"]),
    "江口街道": ("subdistrict", ["南渡村"]),
    "岳林街道": ("subdistrict", ["东郊村"]),
}
GANLUO_PLACES = {
    "新市坝镇": ("town", ["田坝村"]),
    "斯觉镇": ("town", ["觉呷村"]),
}

# mobile: (name, (township, village), roles, joined, has login, story)
NAMED_MEMBERS = {
    "13800000001": (
        "林夏女",
        ("溪口镇", "岩头村"),
        ("is_seller",),
        date(2021, 3, 8),
        True,
        "溪口山里的山货，笋干、千层饼，直播间卖出去，我在家里直接发货。",
    ),
    "13800000002": (
        "宋小赞",
        ("尚田街道", "鸣雁村"),
        ("is_seller", "is_streamer", "is_leader"),
        date(2020, 5, 1),
        True,
        "全国优秀农民工，浙江省首届巾帼村播大赛优秀奖。发起尚田“小阿莓”农创联盟。",
    ),
    "13800000003": (
        "毛美儿",
        ("西坞街道", "西坞村"),
        ("is_seller", "is_streamer", "is_leader"),
        date(2020, 9, 1),
        True,
        "西坞街道美食主播，分享非遗手作美食，招募留守妇女一起做美食。",
    ),
    "13800000004": (
        "石优琴",
        ("西坞街道", "金峨村"),
        ("is_seller", "is_courtyard_owner"),
        date(2021, 4, 20),
        True,
        "金峨村的庭院里种满杜鹃和盆景，过年过节生意最好。",
    ),
    "13800000005": (
        "应寅盈",
        ("江口街道", "南渡村"),
        ("is_streamer", "is_leader"),
        date(2020, 6, 1),
        False,
        "近800万粉丝的女主播，帮助家乡农户销售农副产品。",
    ),
    "13800000006": (
        "汪彬",
        ("萧王庙街道", "滕头村"),
        ("is_seller", "is_leader"),
        date(2020, 7, 1),
        False,
        "",
    ),
    "13800000007": (
        "姚春飞",
        ("西坞街道", "白杜村"),
        ("is_seller", "is_leader"),
        date(2020, 7, 1),
        False,
        "",
    ),
    "13800000008": (
        "刘尔",
        ("岳林街道", "东郊村"),
        ("is_seller", "is_leader"),
        date(2020, 8, 1),
        False,
        "",
    ),
    "13800000009": (
        "陈巧燕",
        ("西坞街道", "金峨村"),
        ("is_designer", "is_courtyard_owner"),
        date(2021, 5, 1),
        True,
        "庭院设计师，擅长新中式与田园风格。",
    ),
    "13800000010": (
        "周雅琴",
        ("西坞街道", "东岙村"),
        ("is_designer",),
        date(2021, 6, 1),
        False,
        "庭院设计师，擅长日式与现代风格。",
    ),
    "13800000011": (
        "王桃英",
        ("锦屏街道", "桃花坞村"),
        ("is_seller",),
        date(2021, 2, 1),
        True,
        "",
    ),
    "13800000012": (
        "蒋秀芬",
        ("萧王庙街道", "青云村"),
        ("is_seller",),
        date(2021, 2, 1),
        False,
        "",
    ),
    "13800000013": (
        "胡丽君",
        ("莼湖街道", "桐照村"),
        ("is_seller",),
        date(2021, 3, 1),
        False,
        "",
    ),
    "13800000014": (
        "竺月娥",
        ("大堰镇", "大堰村"),
        ("is_seller",),
        date(2021, 3, 1),
        False,
        "",
    ),
}
PARTNER_MEMBERS = {
    "13800000101": ("吉克阿芝", ("新市坝镇", "田坝村"), ("is_seller",), date(2021, 10, 1)),
    "13800000102": ("沙马依作", ("斯觉镇", "觉呷村"), ("is_seller",), date(2021, 10, 1)),
}

# enterprise: (owner mobile, township, village)
ENTERPRISES = {
    # the eight sellers of the sample platform exports (../shared/data/)
    "尚田小莓园": ("13800000002", "尚田街道", "鸣雁村"),
    "锦屏桃花坞果园": ("13800000011", "锦屏街道", "桃花坞村"),
    "萧王庙芋香合作社": ("13800000012", "萧王庙街道", "青云村"),
    "金峨杜鹃庭院": ("13800000004", "西坞街道", "金峨村"),
    "西坞米香酒酿坊": ("13800000003", "西坞街道", "西坞村"),
    "溪口山珍小铺": ("13800000001", "溪口镇", "岩头村"),
    "莼湖巧妇牛肉干工坊": ("13800000013", "莼湖街道", "桐照村"),
    "大堰竹韵手作": ("13800000014", "大堰镇", "大堰村"),
    # named in the story
    "桃蹊科技": ("13800000006", "萧王庙街道", "滕头村"),
    "魅源坊酒酿": ("13800000007", "西坞街道", "白杜村"),
    "富罗迷鞋业": ("13800000008", "岳林街道", "东郊村"),
}
# 21 more, each owned by a seller generated below.
MORE_ENTERPRISES = [
    ("溪口王氏千层饼坊", "溪口镇", "溪口村"),
    ("滕头巧妇年糕坊", "萧王庙街道", "滕头村"),
    ("大堰曲毫茶业", "大堰镇", "董家村"),
    ("鸣雁草莓专业合作社", "尚田街道", "鸣雁村"),
    ("西坞四季花香花木场", "西坞街道", "东岙村"),
    ("金峨盆景园艺", "西坞街道", "金峨村"),
    ("莼湖巧妇海味坊", "莼湖街道", "栖凤村"),
    ("江口蜂语蜂蜜", "江口街道", "南渡村"),
    ("锦屏山杨梅园", "锦屏街道", "桃花坞村"),
    ("溪口雷笋加工坊", "溪口镇", "班溪村"),
    ("奉化巧手布艺工作室", "岳林街道", "东郊村"),
    ("岳林女红刺绣坊", "岳林街道", "东郊村"),
    ("萧王庙樱桃园", "萧王庙街道", "林家村"),
    ("印家坑山居民宿", "尚田街道", "印家坑村"),
    ("岩头农家乐", "溪口镇", "岩头村"),
    ("西坞巧妇豆酥糖坊", "西坞街道", "西坞村"),
    ("大堰竹海山货", "大堰镇", "大堰村"),
    ("桐照渔家民宿", "莼湖街道", "桐照村"),
    ("南渡米业", "江口街道", "南渡村"),
    ("七彩巧妇电商服务中心", "锦屏街道", "南门社区"),
    ("亲爱的玛丽文化传媒", "锦屏街道", "南门社区"),
]

SURNAMES = (
    "王李张陈周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁"
    "魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段葛钱汤尹黎易常武乔贺赖龚文"
)
GIVEN_NAMES = [
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "桂兰",
    "凤英",
    "美华",
    "丽娟",
    "海燕",
    "春燕",
    "金花",
    "彩霞",
    "月娥",
    "巧云",
    "素珍",
    "雪芬",
    "亚萍",
    "红梅",
    "晓燕",
    "静怡",
    "慧芳",
    "玲玲",
    "雅琴",
    "佩佩",
    "菊芬",
    "银娣",
    "杏娟",
    "芳芳",
    "丽萍",
    "文娟",
]

PROJECTS = {
    "尚田“小阿莓”农创联盟携手共富裕项目": (
        "13800000002",
        "尚田街道",
        date(2020, 5, 1),
        96,
        "宁波市“甬尚姐妹携手共富”示范项目：带动当地近百名女性学直播，线上代销农副产品。",
    ),
    "西坞巧妇非遗美食坊": (
        "13800000003",
        "西坞街道",
        date(2020, 9, 1),
        60,
        "毛美儿招募留守妇女同做非遗手作美食，带动农村妇女增收致富。",
    ),
}


def credit_code(division: str, serial: int, kind: str = "91") -> str:
    """A well-formed unified social credit code (fictional): kind, division, serial, check."""
    first_17 = f"{kind}{division}MA2{serial:05d}X"
    return first_17 + credit_code_check_character(first_17)


def generated_name(index: int) -> str:
    surname = SURNAMES[(index * 7) % len(SURNAMES)]
    return surname + GIVEN_NAMES[(index * 11) % len(GIVEN_NAMES)]


def _places(federation: Federation, places: dict) -> dict[tuple[str, str], Village]:
    villages = {}
    for township_name, (kind, village_names) in places.items():
        township, _ = Township.objects.get_or_create(
            federation=federation, name=township_name, defaults={"kind": kind}
        )
        for village_name in village_names:
            village, _ = Village.objects.get_or_create(township=township, name=village_name)
            villages[(township_name, village_name)] = village
    return villages


def _member(
    *,
    mobile: str,
    name: str,
    federation: Federation,
    village: Village,
    roles: tuple[str, ...],
    joined_on: date,
    story: str = "",
) -> Member:
    existing = Member.objects.filter(mobile=mobile).first()
    if existing is not None:
        return existing
    return services.create_member(
        name=name,
        mobile=mobile,
        federation=federation,
        village=village,
        roles=roles,
        joined_on=joined_on,
        story=story,
    )


def _login(member: Member) -> None:
    if member.user_id is None:
        services.grant_login(member=member, password=DEMO_PASSWORD)


@transaction.atomic
def seed() -> dict[str, int]:
    """Loads the federations, places, members, enterprises and projects of the story."""
    home, _ = Federation.objects.get_or_create(
        name=HOME[0], defaults={"region": HOME[1], "is_home": True}
    )
    partner, _ = Federation.objects.get_or_create(name=PARTNER[0], defaults={"region": PARTNER[1]})
    villages = _places(home, FENGHUA_PLACES) | _places(partner, GANLUO_PLACES)

    members: dict[str, Member] = {}
    for mobile, (name, place, roles, joined, has_login, story) in NAMED_MEMBERS.items():
        members[mobile] = _member(
            mobile=mobile,
            name=name,
            federation=home,
            village=villages[place],
            roles=roles,
            joined_on=joined,
            story=story,
        )
        if has_login:
            _login(members[mobile])
    for mobile, (name, place, roles, joined) in PARTNER_MEMBERS.items():
        members[mobile] = _member(
            mobile=mobile,
            name=name,
            federation=partner,
            village=villages[place],
            roles=roles,
            joined_on=joined,
        )

    for serial, (name, (owner, township, village)) in enumerate(ENTERPRISES.items(), start=1):
        _enterprise(name, members[owner], villages[(township, village)], serial)
    for offset, (name, township, village) in enumerate(MORE_ENTERPRISES):
        serial = len(ENTERPRISES) + offset + 1
        owner = _member(
            mobile=f"138000002{offset:02d}",
            name=generated_name(500 + offset),
            federation=home,
            village=villages[(township, village)],
            roles=("is_seller",),
            joined_on=date(2021, 1 + offset % 12, 1 + offset),
        )
        _enterprise(name, owner, villages[(township, village)], serial)

    for name, (leader, township, started, size, description) in PROJECTS.items():
        _project(name, members[leader], township, started, size, description, villages)

    if not User.objects.filter(username=STAFF_USERNAME).exists():
        services.create_staff_account(
            username=STAFF_USERNAME,
            password=DEMO_PASSWORD,
            full_name="邬伦素",
            email="staff@fulian.example",
        )
    return {
        "federations": Federation.objects.count(),
        "villages": Village.objects.count(),
        "members": Member.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "projects": Project.objects.count(),
        "participations": ProjectParticipation.objects.count(),
    }


def _enterprise(name: str, owner: Member, village: Village, serial: int) -> Enterprise:
    kind = "93" if "合作社" in name else "92" if ("坊" in name or "铺" in name) else "91"
    enterprise, _ = Enterprise.objects.get_or_create(
        name=name,
        defaults={
            "owner": owner,
            "village": village,
            "registration_number": credit_code(HOME[2], serial, kind),
            "established_on": date(2016 + serial % 6, 1 + serial % 12, 1 + serial % 28),
        },
    )
    return enterprise


def _project(
    name: str,
    leader: Member,
    township_name: str,
    started: date,
    size: int,
    description: str,
    villages: dict[tuple[str, str], Village],
) -> None:
    township = Township.objects.get(federation=leader.federation, name=township_name)
    project, _ = Project.objects.get_or_create(
        name=name,
        defaults={
            "leader": leader,
            "township": township,
            "started_on": started,
            "description": description,
        },
    )
    local = cycle([v for (t, _name), v in sorted(villages.items()) if t == township_name])
    base = 1000 if township_name == "尚田街道" else 2000
    for index in range(size):
        # Every third woman the project brings along also starts selling; every fifth streams.
        roles = tuple(
            role
            for role, wanted in (("is_seller", index % 3 == 0), ("is_streamer", index % 5 == 0))
            if wanted
        )
        participant = _member(
            mobile=f"1390574{base + index:04d}",
            name=generated_name(base + index),
            federation=leader.federation,
            village=next(local),
            roles=roles,
            joined_on=date(started.year + index // 48, 1 + index % 12, 1 + index % 28),
        )
        joined = max(started, participant.joined_on)
        services.add_project_participant(project=project, member=participant, joined_on=joined)
