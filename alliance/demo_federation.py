"""Demo data of the federation's work, drawn from the story (../shared/seed/): the
five-beauties map around 奉化, a village-streamer course with its roll and certificates,
the 浙江省首届巾帼村播大赛 with 宋小赞's 优秀奖, and the 甘洛 campaigns with the partner
county's products and live sessions.

Runs after alliance.demo.seed and products.demo.seed. Running it again changes nothing: every
row is found by a natural key first, and every date is fixed (nothing depends on today).
Coordinates are GCJ-02, plausible for each village (not surveyed); phone numbers are fictional.
"""

import io
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from alliance.demo import PARTNER
from alliance.federation import backdrop as backdrops
from alliance.federation import places as place_services
from alliance.federation import training
from alliance.federation.demo_places import HILL, PLACES, SKY
from alliance.models import (
    Award,
    Backdrop,
    Campaign,
    CampaignForm,
    Certificate,
    Contest,
    ContestEntry,
    Course,
    CourseSession,
    Enrolment,
    Enterprise,
    Federation,
    Member,
    Place,
    Village,
)
from courtyards.models import Courtyard, CourtyardKind
from livestreams.models import LiveSession, LiveSessionStatus, Studio
from livestreams.services.sessions import save_session
from products.demo import CJK_FONT
from products.models import Product, ProductStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
COURSE = {
    "title": "村播培训 2021 第一期",
    "topic": "直播带货入门：选品、话术与短视频",
    "trainer": "亲爱的玛丽直播基地讲师团",
    "required_hours": Decimal("12.0"),
    "description": "妇联组织的村播培训，面向联盟成员和想学直播的农村妇女。",
}
# (title, start, hours, venue, studio number or None, seats)
COURSE_SESSIONS = [
    (
        "选品与定价",
        datetime(2021, 4, 10, 9, 0, tzinfo=SHANGHAI),
        "4.0",
        "尚田街道妇女之家",
        None,
        30,
    ),
    ("直播话术", datetime(2021, 4, 17, 9, 0, tzinfo=SHANGHAI), "4.0", "", 1, 30),
    (
        "短视频拍摄",
        datetime(2021, 4, 24, 9, 0, tzinfo=SHANGHAI),
        "4.0",
        "西坞街道文化礼堂",
        None,
        30,
    ),
]
# Women who are not members yet: name, mobile (fictional), (township, village).
NEWCOMERS = [
    ("胡秀娟", "13957800001", ("尚田街道", "冷西村")),
    ("俞美芬", "13957800002", ("溪口镇", "班溪村")),
    ("邬小燕", "13957800003", ("西坞街道", "东岙村")),
]
CONTEST = ("浙江省首届巾帼村播大赛", "浙江省妇联", date(2021, 10, 28))

# slug: (name, form, share, starts, ends, session title, streamer, start, description)
CAMPAIGNS = {
    "ganluo-market-2021": (
        "姐妹携手共致富·甘洛好物直播集市", CampaignForm.MARKET, None,
        date(2021, 11, 15), date(2021, 11, 30),
        "甘洛好物直播集市专场", "13800000002", datetime(2021, 11, 20, 19, 0, tzinfo=SHANGHAI),
        "奉化区妇联与甘洛县妇联“姐妹携手共致富”云倡议：以“直播+集市”的形式，帮甘洛姐妹卖苦荞、花椒、核桃。",
    ),
    "ganluo-charity-2021": (
        "姐妹携手共致富·甘洛公益直播", CampaignForm.CHARITY, Decimal("10.00"),
        date(2021, 12, 10), date(2021, 12, 20),
        "甘洛公益直播专场", "13800000003", datetime(2021, 12, 12, 19, 0, tzinfo=SHANGHAI),
        "“直播+公益”：销售额的一成捐给甘洛县妇联的姐妹互助基金。",
    ),
}  # fmt: skip
BACKDROP_VILLAGES = [("尚田街道", "鸣雁村"), ("西坞街道", "西坞村"), ("溪口镇", "溪口村")]


@transaction.atomic
def seed() -> dict[str, int]:
    """Loads the map, the course, the contest and the campaigns; a second run changes nothing."""
    villages = {(v.township.name, v.name): v for v in Village.objects.select_related("township")}
    for slug, row in PLACES.items():
        _place(slug, row, villages)
    _link_public_courtyard()
    studio, _created = Studio.objects.get_or_create(number=1, defaults={"name": "1号直播间"})
    _course(studio, villages)
    _contest()
    for slug, row in CAMPAIGNS.items():
        _campaign(slug, row, studio, villages)
    return {
        "places": Place.objects.count(),
        "courses": Course.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "certificates": Certificate.objects.count(),
        "contests": Contest.objects.count(),
        "awards": Award.objects.count(),
        "campaigns": Campaign.objects.count(),
        "backdrops": Backdrop.objects.count(),
    }


# --- Places -----------------------------------------------------------------------------------


def _place(slug: str, row: tuple, villages: dict[tuple[str, str], Village]) -> None:
    category, name, village, (latitude, longitude), summary, enterprise, mobile, phone = row
    if Place.objects.filter(slug=slug).exists():
        return
    place = Place(
        slug=slug,
        category=category,
        name=name,
        village=villages[village],
        summary=summary,
        description=summary,
        address=f"{village[0]}{village[1]}",
        latitude=Decimal(latitude),
        longitude=Decimal(longitude),
        member=Member.objects.filter(mobile=mobile).first() if mobile else None,
        business_phone=phone,
        position=list(PLACES).index(slug),
    )
    if enterprise:
        place.enterprise = Enterprise.objects.get(name=enterprise)
    place.full_clean()
    place.save()
    if place.enterprise is not None:
        products = Product.objects.filter(
            enterprise=place.enterprise, status=ProductStatus.ON_SALE
        ).order_by("pk")[:3]
        place.products.set(products)
    place_services.add_place_photo(place=place, upload=_picture(name, category), alt_text=name)


def _link_public_courtyard() -> None:
    """金峨村's place shows the village's public courtyard, once courtyards.demo has made it."""
    courtyard = Courtyard.objects.filter(
        village__name="金峨村", kind=CourtyardKind.PUBLIC, is_active=True
    ).first()
    place = Place.objects.filter(slug="jin-e-courtyards", courtyard=None).first()
    if courtyard is not None and place is not None:
        place.courtyard = courtyard
        place.save(update_fields=["courtyard", "updated_at"])


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | None:
    return ImageFont.truetype(str(CJK_FONT), size) if CJK_FONT.exists() else None


def _picture(name: str, category: str) -> io.BytesIO:
    """A drawn landscape with the place's name: sky, hills, a caption (the same every time)."""
    width, height = 960, 600
    image = Image.new("RGB", (width, height), SKY[category])
    draw = ImageDraw.Draw(image)
    draw.ellipse((-200, 300, 620, 900), fill=HILL[category])
    draw.ellipse((360, 360, 1200, 1000), fill="#ffffff")
    draw.ellipse((380, 380, 1180, 1000), fill=HILL[category])
    draw.ellipse((760, 60, 860, 160), fill="#ffffff")
    font = _font(64)
    if font is not None:
        draw.rounded_rectangle((40, 40, 40 + 72 * len(name) + 40, 150), radius=24, fill="#ffffff")
        draw.text((80, 95), name, font=font, fill=HILL[category], anchor="lm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    buffer.seek(0)
    return buffer


# --- Training and the contest --------------------------------------------------------------------


def _course(studio: Studio, villages: dict[tuple[str, str], Village]) -> None:
    course, created = Course.objects.get_or_create(title=COURSE["title"], defaults=COURSE)
    if not created:
        return
    sessions = []
    for title, start, hours, venue, studio_number, seats in COURSE_SESSIONS:
        session = CourseSession(
            course=course,
            title=title,
            starts_at=start,
            ends_at=start.replace(hour=start.hour + 4),
            hours=Decimal(hours),
            venue=venue,
            studio=studio if studio_number else None,
            capacity=seats,
        )
        session.full_clean()
        session.save()
        sessions.append(session)
    women = list(Member.objects.filter(mobile__in=["13800000002", "13800000003"]).order_by("pk"))
    women += list(
        Member.objects.filter(
            participations__project__name__contains="小阿莓", is_streamer=True
        ).order_by("pk")[:12]
    )
    enrolments = [training.enrol_member(course=course, member=member) for member in women]
    for name, mobile, village in NEWCOMERS:
        enrolments.append(
            training.enrol_woman(course=course, name=name, mobile=mobile, village=villages[village])
        )
    for number, session in enumerate(sessions):
        # Everyone came to the first two; every fourth woman missed the last one.
        present = {e.pk for index, e in enumerate(enrolments) if number < 2 or index % 4 != 3}
        training.record_attendance(session=session, present=present, actor=None, at=session.ends_at)
    training.issue_certificates(course=course, actor=None, issued_on=date(2021, 4, 30))


def _contest() -> None:
    name, organiser, held_on = CONTEST
    contest, created = Contest.objects.get_or_create(
        name=name,
        defaults={
            "organiser": organiser,
            "held_on": held_on,
            "description": "全省巾帼村播选手同台比拼直播带货。",
        },
    )
    if not created:
        return
    entries = {
        "13800000002": ("“小阿莓”草莓直播间", [("优秀奖", 3)]),
        "13800000003": ("西坞非遗美食直播", []),
        "13800000005": ("家乡农产品直播", []),
    }
    for mobile, (title, awards) in entries.items():
        member = Member.objects.get(mobile=mobile)
        entry = ContestEntry.objects.create(
            contest=contest, member=member, title=title, entered_on=date(2021, 9, 30)
        )
        for award_name, rank in awards:
            Award.objects.create(entry=entry, name=award_name, rank=rank, awarded_on=held_on)


# --- The 甘洛 campaigns -------------------------------------------------------------------------


def _campaign(
    slug: str, row: tuple, studio: Studio, villages: dict[tuple[str, str], Village]
) -> None:
    name, form, share, starts, ends, title, streamer, start, description = row
    if Campaign.objects.filter(slug=slug).exists():
        return
    partner = Federation.objects.get(name=PARTNER[0])
    campaign = Campaign(
        name=name,
        slug=slug,
        partner_federation=partner,
        form=form,
        charity_share_percent=share,
        starts_on=starts,
        ends_on=ends,
        description=description,
        is_published=True,
    )
    campaign.full_clean()
    campaign.save()
    products = list(
        Product.objects.filter(partner_federation=partner, status=ProductStatus.ON_SALE).order_by(
            "pk"
        )
    )
    campaign.products.set(products)
    session = save_session(
        session=LiveSession(
            title=title,
            studio=studio,
            streamer=Member.objects.get(mobile=streamer),
            platform="douyin",
            planned_start=start,
            planned_end=start.replace(hour=start.hour + 2),
            actual_start=start,
            actual_end=start.replace(hour=start.hour + 2),
            status=LiveSessionStatus.ENDED,
            campaign=campaign,
            notes=description,
        ),
        featured_products=products,
    )
    backdrop = backdrops.backdrop_for_session(session)
    backdrop.villages.set([villages[key] for key in BACKDROP_VILLAGES])
    if products:
        Backdrop.objects.filter(pk=backdrop.pk).update(
            current_product=products[0], version=1, switched_at=start
        )
