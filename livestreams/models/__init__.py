"""The livestream base and the order spine, one module per part."""

from livestreams.models.channels import LIVESTREAM_PLATFORMS, Channel
from livestreams.models.forwarding import (
    DeliveryAttempt,
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
    ShipmentExport,
    shipment_export_path,
)
from livestreams.models.orders import (
    AfterSalesStatus,
    Attribution,
    ImportStatus,
    LineStatus,
    Order,
    OrderImport,
    OrderLine,
    OrderLineChange,
    OrderStatus,
    PaymentMethod,
    SellerOrder,
    SellerOrderEvent,
    SellerOrderStatus,
    import_upload_path,
    label_upload_path,
)
from livestreams.models.sessions import LiveSession, LiveSessionStatus, Studio

__all__ = [
    "LIVESTREAM_PLATFORMS", "AfterSalesStatus", "Attribution", "Channel", "DeliveryAttempt",
    "ImportStatus", "LineStatus", "LiveSession", "LiveSessionStatus", "Notification",
    "NotificationChannel", "NotificationKind", "NotificationStatus", "Order", "OrderImport",
    "OrderLine", "OrderLineChange", "OrderStatus", "PaymentMethod", "SellerOrder",
    "SellerOrderEvent", "SellerOrderStatus", "ShipmentExport", "Studio", "import_upload_path",
    "label_upload_path", "shipment_export_path",
]  # fmt: skip
