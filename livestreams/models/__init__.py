"""The livestream base and the order spine, one module per part."""

from livestreams.models.aftersales import (
    LINE_KINDS,
    OPEN_TICKET_STATUSES,
    REFUND_KINDS,
    AfterSalesTicket,
    NoteAuthor,
    TicketEvent,
    TicketKind,
    TicketLine,
    TicketNote,
    TicketSource,
    TicketStatus,
)
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
from livestreams.models.settlement import (
    ChannelRate,
    MemberRate,
    SettledLine,
    Statement,
    StatementAdjustment,
    StatementChannel,
    StatementEvent,
    StatementStatus,
)

__all__ = [
    "LINE_KINDS", "LIVESTREAM_PLATFORMS", "OPEN_TICKET_STATUSES", "REFUND_KINDS",
    "AfterSalesStatus", "AfterSalesTicket", "Attribution", "Channel", "ChannelRate",
    "DeliveryAttempt", "ImportStatus", "LineStatus", "LiveSession", "LiveSessionStatus",
    "MemberRate", "NoteAuthor", "Notification", "NotificationChannel", "NotificationKind",
    "NotificationStatus", "Order", "OrderImport", "OrderLine", "OrderLineChange", "OrderStatus",
    "PaymentMethod", "SellerOrder", "SellerOrderEvent", "SellerOrderStatus", "SettledLine",
    "ShipmentExport", "Statement", "StatementAdjustment", "StatementChannel", "StatementEvent",
    "StatementStatus", "Studio", "TicketEvent", "TicketKind", "TicketLine", "TicketNote",
    "TicketSource", "TicketStatus", "import_upload_path", "label_upload_path",
    "shipment_export_path",
]  # fmt: skip
