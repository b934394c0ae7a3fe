"""factory_boy factories, one per model."""

import io
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from alliance.demo import credit_code
from alliance.models import (
    Campaign,
    Enterprise,
    Federation,
    Member,
    MemberEvent,
    MemberStatus,
    Project,
    ProjectParticipation,
    Township,
    User,
    Village,
)
from alliance.roles import FEDERATION_STAFF_GROUP, SELLERS_GROUP
from livestreams.models import (
    LiveSession,
    Order,
    OrderImport,
    OrderLine,
    OrderLineChange,
    OrderStatus,
    SellerOrder,
    SellerOrderEvent,
    Studio,
)
from products.models import (
    SKU,
    Category,
    ChannelListing,
    Platform,
    Product,
    ProductImage,
    ProductStatus,
    ProductStatusChange,
    StockMovement,
    Tag,
)

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class StaffUserFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def staff_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.groups.add(Group.objects.get(name=FEDERATION_STAFF_GROUP))


class FederationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Federation
        django_get_or_create = ("name",)

    name = "奉化区妇联"
    region = "浙江省宁波市奉化区"
    is_home = True


class PartnerFederationFactory(FederationFactory):
    name = factory.Sequence(lambda n: f"结对县妇联{n}")
    region = "四川省凉山彝族自治州甘洛县"
    is_home = False


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    federation = factory.SubFactory(FederationFactory)
    name = factory.Sequence(lambda n: f"测试镇{n}")
    kind = Township.Kind.TOWN


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"测试村{n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"成员{n}")
    mobile = factory.Sequence(lambda n: f"137{n:08d}")
    federation = factory.SubFactory(FederationFactory)
    village = factory.SubFactory(VillageFactory)
    is_seller = True
    joined_on = date(2022, 3, 8)


class SellerFactory(MemberFactory):
    """A member who can log in to the seller dashboard (password: PASSWORD)."""

    class Meta:
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"member-s{n}"))

    @factory.post_generation
    def sellers_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.user.groups.add(Group.objects.get(name=SELLERS_GROUP))


class MemberEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberEvent

    member = factory.SubFactory(MemberFactory)
    from_status = MemberStatus.ACTIVE
    to_status = MemberStatus.SUSPENDED
    reason = "test"


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"巧妇企业{n}")
    registration_number = factory.Sequence(lambda n: credit_code("330283", 50000 + n))
    owner = factory.SubFactory(MemberFactory)
    village = factory.SelfAttribute("owner.village")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"共富项目{n}")
    leader = factory.SubFactory(MemberFactory, is_leader=True)
    township = factory.SelfAttribute("leader.village.township")
    started_on = date(2021, 1, 1)


class ProjectParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectParticipation

    project = factory.SubFactory(ProjectFactory)
    member = factory.SubFactory(MemberFactory)
    joined_on = date(2021, 6, 1)


# --- Catalogue ------------------------------------------------------------------------------------


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"类目{n}")


class SubCategoryFactory(CategoryFactory):
    parent = factory.SubFactory(CategoryFactory)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"标签{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    seller = factory.SubFactory(MemberFactory, is_seller=True)
    category = factory.SubFactory(SubCategoryFactory)
    name = factory.Sequence(lambda n: f"奉化特产{n}")
    description = "农家自产，现摘现发。"
    origin_village = factory.SelfAttribute("seller.village")
    unit = "盒"
    status = ProductStatus.ON_SALE


class SKUFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SKU

    product = factory.SubFactory(ProductFactory)
    spec = factory.Sequence(lambda n: f"规格{n}")
    merchant_code = factory.Sequence(lambda n: f"T-{n:05d}")
    price = Decimal("49.90")
    stock = 20


class ProductStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductStatusChange

    product = factory.SubFactory(ProductFactory)
    from_status = ProductStatus.DRAFT
    to_status = ProductStatus.ON_SALE


class StockMovementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockMovement

    sku = factory.SubFactory(SKUFactory)
    delta = 5
    stock_after = 25
    reason = StockMovement.Reason.ADJUST


def jpeg_bytes(width: int = 800, height: int = 600, color: str = "#c83264") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="JPEG")
    return buffer.getvalue()


class ProductImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(), name="full.jpg"))
    thumbnail_small = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(200, 150), name="s.jpg"))
    thumbnail_medium = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(600, 450), name="m.jpg"))
    width = 800
    height = 600


class ChannelListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelListing

    sku = factory.SubFactory(SKUFactory)
    platform = Platform.DOUYIN
    platform_product_id = factory.Sequence(lambda n: f"35{n:017d}")
    platform_sku_id = factory.SelfAttribute("sku.merchant_code")


# --- Livestream base ----------------------------------------------------------------------------


class StudioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Studio
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"{n + 1}号直播间")


class LiveSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LiveSession

    title = factory.Sequence(lambda n: f"巧妇好物直播 第{n}场")
    studio = factory.SubFactory(StudioFactory)
    streamer = factory.SubFactory(MemberFactory, is_streamer=True)
    platform = "douyin"
    planned_start = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    planned_end = factory.LazyAttribute(lambda s: s.planned_start + timedelta(hours=2))


class OrderImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderImport

    platform = "douyin"
    file = factory.LazyFunction(lambda: ContentFile(b"x", name="export.csv"))
    file_names = "export.csv"
    sha256 = "0" * 64


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    channel = "douyin"
    platform_order_id = factory.Sequence(lambda n: f"49500000000000{n:05d}")
    recipient_name = "王**"
    recipient_mobile = "138****2807"
    paid_amount = Decimal("99.00")
    paid_at = factory.LazyFunction(timezone.now)
    status = OrderStatus.PAID


class SellerOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SellerOrder

    order = factory.SubFactory(OrderFactory)
    seller = factory.SubFactory(MemberFactory)


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    channel = factory.SelfAttribute("order.channel")
    line_key = factory.Sequence(lambda n: f"49510000000000{n:05d}")
    sku = factory.SubFactory(SKUFactory)
    seller = factory.SelfAttribute("sku.product.seller")
    merchant_code = factory.SelfAttribute("sku.merchant_code")
    title = factory.SelfAttribute("sku.product.name")
    spec = factory.SelfAttribute("sku.spec")
    quantity = 1
    unit_price = factory.SelfAttribute("sku.price")
    line_total = factory.SelfAttribute("sku.price")


class SellerOrderEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SellerOrderEvent

    seller_order = factory.SubFactory(SellerOrderFactory)
    from_status = ""
    to_status = "pending"


class OrderLineChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLineChange

    line = factory.SubFactory(OrderLineFactory)
    field = "status"
    from_value = "paid"
    to_value = "shipped"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"姐妹携手共致富 第{n}期")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    partner_federation = factory.SubFactory(PartnerFederationFactory)
    form = "market"
    starts_on = date(2022, 1, 10)
    ends_on = date(2022, 1, 20)
