"""Batch-shipment files (批量发货) back to the platforms.

No platform publishes its upload template (PLATFORM-FORMATS.md §1.2, §2.5, §3.2), so each
platform's columns live in one adapter below, built from the fields of its shipment API
(抖店 order.logisticsAdd: order_id, company_code, logistics_code; 淘宝
taobao.logistics.offline.send: tid, out_sid, company_code, sub_tid; 视频号
/channels/ec/order/delivery/send: order_id, delivery_id, waybill_id), and can be changed in
settings (SHIPMENT_EXPORT_COLUMNS) when a platform's real template is known. A file holds every
parcel of that platform shipped since the last file; it carries no recipient details.
"""

import hashlib
import io
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from alliance.models import User
from livestreams import couriers
from livestreams.models import (
    LIVESTREAM_PLATFORMS,
    SellerOrder,
    SellerOrderStatus,
    ShipmentExport,
)

FIELDS: dict[str, Callable[[SellerOrder], str]] = {
    "order_id": lambda so: so.order.platform_order_id,
    "sub_order_ids": lambda so: ",".join(sorted(line.line_key for line in so.lines.all())),
    "courier_code": lambda so: couriers.platform_code(so.courier, so.order.channel),
    "courier_name": lambda so: couriers.BY_CODE[so.courier].name,
    "tracking_number": lambda so: so.tracking_number,
}
DEFAULT_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "douyin": [
        ("订单号", "order_id"),
        ("物流公司编码", "courier_code"),
        ("物流公司", "courier_name"),
        ("快递单号", "tracking_number"),
    ],
    "taobao": [
        ("订单编号", "order_id"),
        ("子订单编号", "sub_order_ids"),
        ("物流公司编码", "courier_code"),
        ("物流公司", "courier_name"),
        ("运单号", "tracking_number"),
    ],
    "channels": [
        ("订单号", "order_id"),
        ("快递公司编码", "courier_code"),
        ("快递公司", "courier_name"),
        ("快递单号", "tracking_number"),
    ],
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def columns_for(platform: str) -> list[tuple[str, str]]:
    configured = getattr(settings, "SHIPMENT_EXPORT_COLUMNS", {}).get(platform)
    columns = configured or DEFAULT_COLUMNS[platform]
    unknown = [name for _header, name in columns if name not in FIELDS]
    if unknown:
        raise ValueError(f"unknown shipment-export fields: {unknown}")
    return columns


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (ASVS 1.2.10)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def waiting_for_upload(platform: str) -> QuerySet[SellerOrder]:
    """Parcels of a platform shipped and not yet in a batch-shipment file."""
    return SellerOrder.objects.filter(
        order__channel=platform,
        status__in=(SellerOrderStatus.SHIPPED, SellerOrderStatus.DELIVERED),
        uploaded_at=None,
    ).exclude(tracking_number="")


@transaction.atomic
def export_shipments(*, platform: str, actor: User) -> ShipmentExport:
    """Makes the batch-shipment file of every parcel waiting for this platform, records it and
    marks those seller orders uploaded; raises ValidationError when nothing is waiting."""
    if platform not in LIVESTREAM_PLATFORMS:
        raise ValidationError(_("Batch-shipment files are for Douyin, Taobao and WeChat Channels."))
    parcels = list(
        waiting_for_upload(platform)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("order")
        .prefetch_related("lines")
        .order_by("shipped_at", "pk")
    )
    if not parcels:
        raise ValidationError(_("No shipped parcel is waiting to go back to this platform."))
    columns = columns_for(platform)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("发货")
    sheet.append([header for header, _name in columns])
    for parcel in parcels:
        sheet.append([safe_cell(FIELDS[name](parcel)) for _header, name in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    now = timezone.now()
    export = ShipmentExport(
        platform=platform,
        rows=len(parcels),
        sha256=hashlib.sha256(content).hexdigest(),
        created_by=actor,
    )
    name = f"{platform}-批量发货-{now:%Y%m%d-%H%M%S}.xlsx"
    export.file.save(name, ContentFile(content), save=False)
    export.save()
    export.seller_orders.set(parcels)
    SellerOrder.objects.filter(pk__in=[p.pk for p in parcels]).update(uploaded_at=now)
    return export
