"""The sample exports of ../shared/data and the catalogue they were made from."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from products.models import SKU, ChannelListing
from tests.factories import EnterpriseFactory, MemberFactory, ProductFactory, SKUFactory

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))

SAMPLES = {
    "douyin/douyin_orders_20220907.csv": ["douyin/douyin_orders_20220907.csv"],
    "douyin/douyin_orders_20220913.csv": ["douyin/douyin_orders_20220913.csv"],
    "taobao/ExportOrderDetailList201903151640.csv": [
        "taobao/ExportOrderList201903151640.csv",
        "taobao/ExportOrderDetailList201903151640.csv",
    ],
    "taobao/qianniu_baobei_20230720.xlsx": ["taobao/qianniu_baobei_20230720.xlsx"],
    "channels/channels_orders_20230109.xlsx": ["channels/channels_orders_20230109.xlsx"],
}


def open_files(relative_paths: list[str]) -> list[tuple[str, object]]:
    return [(path.rsplit("/", 1)[-1], (DATA / path).open("rb")) for path in relative_paths]


def readme_channels_codes() -> dict[str, str]:
    """视频号 商品编码(自定义) per merchant code, from the data README's catalogue table."""
    codes = {}
    for line in (DATA / "README.md").read_text(encoding="utf-8").splitlines():
        cells = re.findall(r"`([^`]+)`", line)
        if line.startswith("| `FH-") and len(cells) >= 5:
            codes[cells[0]] = cells[-1]
    return codes


@pytest.fixture
def sample_catalogue(db) -> dict[str, SKU]:
    """The eight sellers, their SKUs (merchant codes) and listings, as in expected.json."""
    sellers = {}
    skus = {}
    products = {}
    for code, item in EXPECTED["catalogue"].items():
        name = item["seller"]
        if name not in sellers:
            owner = MemberFactory(name=f"{name}主人", is_seller=True)
            sellers[name] = EnterpriseFactory(name=name, owner=owner)
        enterprise = sellers[name]
        key = (item["listing_code"], item["product"])
        if key not in products:
            products[key] = ProductFactory(
                seller=enterprise.owner, enterprise=enterprise, name=item["product"]
            )
        skus[code] = SKUFactory(
            product=products[key],
            spec=item["spec"],
            merchant_code=code,
            price=Decimal(item["unit_price"]),
        )
        for platform in ("douyin", "taobao", "channels"):
            product_id = item.get(f"{platform}_product_id")
            if product_id:
                ChannelListing.objects.get_or_create(
                    platform=platform,
                    platform_product_id=product_id,
                    platform_sku_id=code,
                    defaults={"sku": skus[code]},
                )
    return skus
