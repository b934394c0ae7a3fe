"""Factories of the federation's models (places, campaigns, backdrops, training, contests)."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from PIL import Image

from alliance.models import (
    Award,
    Campaign,
    Contest,
    ContestEntry,
    Course,
    CourseSession,
    Enrolment,
    Place,
    PlaceCategory,
)
from tests.factories import MemberFactory, PartnerFederationFactory, VillageFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    slug = factory.Sequence(lambda n: f"place-{n}")
    category = PlaceCategory.VILLAGE
    name = factory.Sequence(lambda n: f"美丽乡村{n}")
    summary = "溪边的老村子。"
    village = factory.SubFactory(VillageFactory)
    latitude = Decimal("29.617000")
    longitude = Decimal("121.406000")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"姐妹携手共致富 第{n}期")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    partner_federation = factory.SubFactory(PartnerFederationFactory)
    form = "market"
    starts_on = date(2022, 1, 10)
    ends_on = date(2022, 1, 20)
    is_published = True


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"村播培训 第{n}期")
    topic = "直播带货入门"
    trainer = "直播基地讲师"
    required_hours = Decimal("8.0")


class CourseSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseSession

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.Sequence(lambda n: datetime(2021, 4, 1 + n % 28, 9, 0, tzinfo=SHANGHAI))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at.replace(hour=13))
    hours = Decimal("4.0")
    venue = "尚田街道妇女之家"
    capacity = 30


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    course = factory.SubFactory(CourseFactory)
    member = factory.SubFactory(MemberFactory)


class ContestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contest

    name = factory.Sequence(lambda n: f"巾帼村播大赛 第{n}届")
    organiser = "浙江省妇联"
    held_on = date(2021, 10, 28)


class ContestEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContestEntry

    contest = factory.SubFactory(ContestFactory)
    member = factory.SubFactory(MemberFactory, is_streamer=True)
    title = "草莓直播间"


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    entry = factory.SubFactory(ContestEntryFactory)
    name = "优秀奖"
    rank = 3
    awarded_on = date(2021, 10, 28)


def photo_upload(color: str = "#2e7d5b", *, with_gps: bool = False) -> io.BytesIO:
    """A JPEG as a phone would send it, optionally with a GPS position in its EXIF."""
    image = Image.new("RGB", (640, 480), color)
    buffer = io.BytesIO()
    if with_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (29.0, 37.0, 1.2), 3: "E", 4: (121.0, 24.0, 21.6)}
        image.save(buffer, format="JPEG", exif=exif)
    else:
        image.save(buffer, format="JPEG")
    buffer.seek(0)
    return buffer
