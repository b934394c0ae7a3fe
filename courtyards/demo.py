"""Demo courtyards of the story: 金峨村's courtyards where every potted plant hangs its own QR
code, the 西坞 "四季花香" courtyard belt, and 金峨村's public courtyard with five design models by
the two designers, 陈巧燕 and 周雅琴, with their weekly visiting times.

Runs after alliance.demo.seed and products.demo.seed; running it again changes nothing (rows are
found by their natural keys; photos, statuses and scans are only added to rows made now). No
value depends on the day it runs: scans carry fixed dates in November 2026.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from alliance import services as alliance_services
from alliance.models import Federation, Member, Village
from courtyards.models import (
    Courtyard,
    CourtyardDesign,
    CourtyardItem,
    CourtyardKind,
    DayOff,
    DesignStyle,
    DeviceClass,
    ItemStatus,
    QrCode,
    ScanEvent,
    ScanSource,
    WeeklySlot,
)
from courtyards.services import courtyards as services
from courtyards.services import visits
from products.demo import picture
from products.models import SKU

SHI_YOUQIN = "13800000004"
CHEN_QIAOYAN = "13800000009"
ZHOU_YAQIN = "13800000010"

# The 四季花香 belt's courtyard owners (fictional): mobile, name, village.
BELT_OWNERS = {
    "13857400101": ("孙月娥", "白杜村", "白杜村的月季小院，四季都有花开。"),
    "13857400102": ("叶素珍", "西坞村", "老屋前的紫薇和桂花，秋天满院飘香。"),
    "13857400103": ("钱巧云", "东岙村", "东岙山脚的茶梅与山茶，冬天也开花。"),
}


@dataclass(frozen=True)
class Piece:
    name: str
    price: str = ""  # a one-of-a-kind piece's own price
    sku_code: str = ""  # or a catalogue SKU's merchant code
    story: str = ""
    status: str = ItemStatus.AVAILABLE


@dataclass(frozen=True)
class Place:
    owner: str
    village: str
    name: str
    story: str
    pieces: tuple[Piece, ...]
    kind: str = CourtyardKind.SHOWROOM
    directions: str = ""
    coordinates: tuple[str, str] | None = None


AZALEA = "金峨村的杜鹃从腊月就开始打花苞，春节前后盛开。"
PLACES = (
    Place(
        SHI_YOUQIN,
        "金峨村",
        "石优琴的杜鹃庭院",
        "自家小院里摆满了杜鹃和盆景，每一盆都挂着自己的二维码。扫一扫，看看它的故事，喜欢就带回家。",
        (
            Piece(
                "金峨老桩杜鹃盆景 百年树龄",
                "1680.00",
                story="三十年前从山上移下的老桩，粉白双色，花开满树。" + AZALEA,
            ),
            Piece("西洋杜鹃 双色大花", "380.00", story="年宵花首选，红白相间，花期可达两个月。"),
            Piece("毛鹃古桩 悬崖式", "880.00", story="悬崖式造型，适合放在院墙或石台上。"),
            Piece("夏鹃小品盆景", "168.00", story="小巧一盆，放在窗台和书桌都合适。"),
            Piece(
                "五针松小品盆景",
                "268.00",
                story="四季常青，配紫砂小盆。",
                status=ItemStatus.RESERVED,
            ),
            Piece(
                "映山红 山野老桩",
                "560.00",
                story="金峨山上的映山红，已经在院子里养了十年。",
                status=ItemStatus.SOLD,
            ),
            Piece(
                "西洋杜鹃 中号含盆（店铺同款）",
                sku_code="FH-DJ-001",
                story="网店同款，库存随店铺。",
            ),
            Piece("西洋杜鹃 大号含盆（店铺同款）", sku_code="FH-DJ-002"),
        ),
    ),
    Place(
        "13857400101",
        "白杜村",
        "月季小院",
        BELT_OWNERS["13857400101"][2],
        (
            Piece("月季 藤本 红龙", "128.00", story="爬满院墙的藤本月季，五月最盛。"),
            Piece("月季 树状 粉色龙沙宝石", "398.00"),
            Piece("杜鹃 小桩 白花", "188.00", story=AZALEA),
        ),
    ),
    Place(
        "13857400102",
        "西坞村",
        "紫薇桂花院",
        BELT_OWNERS["13857400102"][2],
        (
            Piece("紫薇 老桩盆景", "660.00", story="夏天开到秋天的紫薇，树干光滑。"),
            Piece("金桂 盆栽", "238.00"),
        ),
    ),
    Place(
        "13857400103",
        "东岙村",
        "山茶茶梅小院",
        BELT_OWNERS["13857400103"][2],
        (
            Piece("茶梅 盆景 粉边", "298.00", story="冬天也开花，春节前后最好看。"),
            Piece("山茶 十八学士", "520.00"),
            Piece("杜鹃 夏鹃 紫花", "158.00", story=AZALEA),
        ),
    ),
    Place(
        CHEN_QIAOYAN,
        "金峨村",
        "金峨村公共庭院·庭院样板园",
        "村里的公共庭院，摆着几种风格的庭院样板。扫码看设计说明，预约设计师上门为您家的院子量身设计。",
        (Piece("杜鹃花境组合（样板园同款）", "980.00", story="样板园里的杜鹃花境，整组出售。"),),
        kind=CourtyardKind.PUBLIC,
        directions="金峨村文化礼堂东侧，村口停车场步行三分钟。",
        coordinates=("29.633500", "121.446800"),
    ),
)

# name, style, designer mobile, price per m² from/to, materials, description
DESIGNS = (
    (
        "竹影新中式小院",
        DesignStyle.NEW_CHINESE,
        CHEN_QIAOYAN,
        "800",
        "1200",
        "青石板、老木花格、竹篱",
        "白墙黛瓦配竹影，一方小池，一棵老桩杜鹃作点睛。适合三四十平方米的农家前院。",
    ),
    (
        "金峨杜鹃田园院",
        DesignStyle.PASTORAL,
        CHEN_QIAOYAN,
        "450",
        "700",
        "碎石小径、木栅栏、陶罐",
        "以本地杜鹃和时令花草为主，菜畦与花境相间，好打理、花期长。",
    ),
    (
        "枯山水禅意庭",
        DesignStyle.JAPANESE,
        ZHOU_YAQIN,
        "900",
        "1400",
        "白砂、景石、苔藓、罗汉松",
        "白砂耙出水纹，三两景石，一株罗汉松。适合安静的后院和茶室窗外。",
    ),
    (
        "简约现代休闲院",
        DesignStyle.MODERN,
        ZHOU_YAQIN,
        "600",
        "950",
        "防腐木平台、清水混凝土、灯带",
        "木平台、户外桌椅和灯带，晚上也能在院子里喝茶聊天。",
    ),
    (
        "四季花香小庭院",
        DesignStyle.NEW_CHINESE,
        CHEN_QIAOYAN,
        "650",
        "900",
        "老石板、花窗、月洞门",
        "照着西坞“四季花香”示范带打造：春杜鹃、夏紫薇、秋桂花、冬茶梅，一年四季都有花。",
    ),
)

# designer mobile: (weekday, start, minutes, capacity)
WEEKLY = {
    CHEN_QIAOYAN: ((2, time(14), 120, 1), (5, time(9), 120, 1), (5, time(14), 120, 1),
                   (6, time(9), 120, 2)),
    ZHOU_YAQIN: ((1, time(9), 120, 1), (3, time(14), 120, 1), (5, time(10), 180, 2)),
}  # fmt: skip
DAYS_OFF = {CHEN_QIAOYAN: ((date(2027, 2, 6), "春节"),), ZHOU_YAQIN: ((date(2027, 2, 6), "春节"),)}

SCAN_DAYS = [datetime(2026, 11, day, 10, 30, tzinfo=UTC) for day in (3, 8, 12, 15, 21, 27)]
DEVICES = [DeviceClass.WECHAT, DeviceClass.WECHAT, DeviceClass.PHONE, DeviceClass.WECHAT]


def _member(mobile: str) -> Member | None:
    return Member.objects.filter(mobile=mobile).first()


def _belt_owner(mobile: str) -> Member | None:
    existing = _member(mobile)
    if existing is not None:
        return existing
    name, village_name, _story = BELT_OWNERS[mobile]
    home = Federation.objects.filter(is_home=True).first()
    village = Village.objects.filter(township__name="西坞街道", name=village_name).first()
    if home is None or village is None:
        return None
    return alliance_services.create_member(
        name=name,
        mobile=mobile,
        federation=home,
        village=village,
        roles=("is_seller", "is_courtyard_owner"),
        joined_on=date(2021, 9, 1),
        story="西坞“四季花香”美丽庭院共富示范带的庭院主人。",
    )


def _courtyard(place: Place) -> tuple[Courtyard | None, bool]:
    owner = _belt_owner(place.owner) if place.owner in BELT_OWNERS else _member(place.owner)
    if owner is None:
        return None, False
    existing = Courtyard.objects.filter(owner=owner, name=place.name).first()
    if existing is not None:
        return existing, False
    village = Village.objects.get(township__name="西坞街道", name=place.village)
    latitude, longitude = place.coordinates or (None, None)
    courtyard = services.create_courtyard(
        owner=owner,
        village=village,
        name=place.name,
        kind=place.kind,
        story=place.story,
        directions=place.directions,
        latitude=Decimal(latitude) if latitude else None,
        longitude=Decimal(longitude) if longitude else None,
    )
    services.add_photo(courtyard=courtyard, upload=picture(place.name, "花木"), alt_text=place.name)
    return courtyard, True


def _pieces(courtyard: Courtyard, pieces: tuple[Piece, ...]) -> None:
    existing = set(courtyard.items.values_list("name", flat=True))
    for piece in pieces:
        if piece.name in existing:
            continue
        sku = SKU.objects.filter(merchant_code=piece.sku_code).first() if piece.sku_code else None
        if piece.sku_code and (sku is None or sku.product.seller_id != courtyard.owner_id):
            continue  # the catalogue's demo is not loaded: no catalogue piece then
        item = services.add_item(
            courtyard=courtyard,
            name=piece.name,
            description=piece.story,
            price=Decimal(piece.price) if piece.price else None,
            sku=sku,
        )
        services.add_photo(
            courtyard=courtyard, item=item, upload=picture(piece.name, "花木"), alt_text=piece.name
        )
        if piece.status != ItemStatus.AVAILABLE:
            services.set_item_status(item=item, to_status=piece.status, actor=None, reason="demo")


def _designs(courtyard: Courtyard) -> None:
    existing = set(courtyard.designs.values_list("name", flat=True))
    for name, style, designer, low, high, materials, description in DESIGNS:
        member = _member(designer)
        if name in existing or member is None:
            continue
        design = services.add_design(
            courtyard=courtyard,
            designer=member,
            name=name,
            style=style,
            price_min_per_sqm=Decimal(low),
            price_max_per_sqm=Decimal(high),
            materials=materials,
            description=description,
        )
        for view in ("", " 夜景"):
            services.add_photo(
                courtyard=courtyard,
                design=design,
                upload=picture(name + view, "手作" if view else "花木"),
                alt_text=name + view,
            )


def _availability() -> None:
    for mobile, slots in WEEKLY.items():
        designer = _member(mobile)
        if designer is None:
            continue
        for weekday, start, minutes, capacity in slots:
            if not WeeklySlot.objects.filter(
                designer=designer, weekday=weekday, start_time=start
            ).exists():
                visits.add_weekly_slot(
                    designer=designer, weekday=weekday, start_time=start,
                    duration_minutes=minutes, capacity=capacity,
                )  # fmt: skip
        for day, note in DAYS_OFF.get(mobile, ()):
            DayOff.objects.get_or_create(designer=designer, date=day, defaults={"note": note})


def _scans(courtyard: Courtyard) -> None:
    """A few scans on fixed dates, so that the figures pages show something."""
    codes = list(QrCode.objects.filter(courtyard=courtyard, retired_at__isnull=True).order_by("pk"))
    events = [
        ScanEvent(
            qr_code=code,
            courtyard=courtyard,
            item_id=code.item_id,
            design_id=code.design_id,
            scanned_at=day + timedelta(minutes=7 * number),
            device=DEVICES[(number + index) % len(DEVICES)],
            source=ScanSource.WEB if (number + index) % 5 else ScanSource.MINIPROGRAM,
        )
        for number, code in enumerate(codes)
        for index, day in enumerate(SCAN_DAYS[: 2 + (number * 3) % len(SCAN_DAYS)])
    ]
    ScanEvent.objects.bulk_create(events)


@transaction.atomic
def seed() -> dict[str, int]:
    """Loads the demo courtyards, pieces, designs, availability and scans; repeats add nothing."""
    for place in PLACES:
        courtyard, created = _courtyard(place)
        if courtyard is None:
            continue
        _pieces(courtyard, place.pieces)
        if courtyard.is_public:
            _designs(courtyard)
        if created:
            _scans(courtyard)
    _availability()
    return {
        "courtyards": Courtyard.objects.count(),
        "pieces": CourtyardItem.objects.count(),
        "designs": CourtyardDesign.objects.count(),
        "codes": QrCode.objects.count(),
        "weekly_slots": WeeklySlot.objects.count(),
        "scans": ScanEvent.objects.count(),
    }
