"""The courtyards: places, pieces and designs with their QR codes, design visits, scans."""

from courtyards.models.pieces import (
    CourtyardDesign,
    CourtyardItem,
    CourtyardSale,
    DesignStyle,
    ItemEvent,
    ItemStatus,
    QrCode,
)
from courtyards.models.places import Courtyard, CourtyardKind, Photo, photo_upload_path
from courtyards.models.scans import DeviceClass, ScanEvent, ScanSource
from courtyards.models.visits import (
    Audience,
    BookingEvent,
    BookingEventKind,
    BookingNotification,
    BookingStatus,
    DayOff,
    DeliveryStatus,
    DesignVisitBooking,
    VisitSlot,
    Weekday,
    WeeklySlot,
)

__all__ = [
    "Audience", "BookingEvent", "BookingEventKind", "BookingNotification", "BookingStatus",
    "Courtyard", "CourtyardDesign", "CourtyardItem", "CourtyardKind", "CourtyardSale", "DayOff",
    "DeliveryStatus", "DesignStyle", "DesignVisitBooking", "DeviceClass", "ItemEvent", "ItemStatus",
    "Photo",
    "QrCode", "ScanEvent", "ScanSource", "VisitSlot", "Weekday", "WeeklySlot",
    "photo_upload_path",
]  # fmt: skip
