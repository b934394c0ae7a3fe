"""Couriers: our codes, the names and codes each platform uses, tracking-number shapes.

From ../shared/docs/PLATFORM-FORMATS.md §1.3, §2.6, §3.3 and §6. Numeric shapes overlap between
couriers, so a number is only checked against the courier the person chose; shapes marked
reliable there (SF, YT, JT, DPK prefixes) are checked strictly, the others loosely.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Courier:
    code: str
    name: str
    pattern: str
    example: str
    douyin: str
    taobao: str
    channels: str

    def matches(self, number: str) -> bool:
        return re.fullmatch(self.pattern, number) is not None


COURIERS: tuple[Courier, ...] = (
    Courier("SF", "顺丰速运", r"SF\d{13}", "SF1234567890123", "shunfeng", "SF", "SF"),
    Courier("YTO", "圆通速递", r"YT\d{13}", "YT1234567890123", "yuantong", "YTO", "YTO"),
    Courier("JT", "极兔速递", r"JT\d{13}", "JT1234567890123", "jtexpress", "JTSD", "JTSD"),
    Courier("DBKD", "德邦快递", r"DPK\d{12}", "DPK123456789012", "debangkuaidi", "DBKD", "DBKD"),
    Courier("ZTO", "中通快递", r"\d{12,15}", "731234567890", "zhongtong", "ZTO", "ZTO"),
    Courier("YUNDA", "韵达快递", r"\d{13,15}", "4312345678901", "yunda", "YUNDA", "YUNDA"),
    Courier("STO", "申通快递", r"\d{12,15}", "773123456789012", "shentong", "STO", "STO"),
    Courier("EMS", "EMS", r"\d{13}|E[A-Z]\d{9}CN", "1123456789012", "ems", "EMS", "EMS"),
    Courier("POST", "邮政快递包裹", r"\d{13}", "9812345678901", "youzhengguonei", "POSTB", "EMS"),
    Courier("JD", "京东物流", r"JD[A-Z0-9]{11,15}", "JDVA12345678901", "jd", "JD", "JD"),
)
BY_CODE = {courier.code: courier for courier in COURIERS}
CHOICES = [(courier.code, courier.name) for courier in COURIERS]


def normalize_tracking(number: str) -> str:
    return re.sub(r"[\s-]", "", number or "").upper()


def check_tracking(courier_code: str, number: str) -> str:
    """The tracking number, normalized, if it fits the courier; ValidationError otherwise."""
    courier = BY_CODE.get(courier_code)
    if courier is None:
        raise ValidationError(_("Choose a courier from the list."), code="unknown_courier")
    normalized = normalize_tracking(number)
    if not normalized:
        raise ValidationError(_("Enter the tracking number."), code="no_tracking")
    if not courier.matches(normalized):
        raise ValidationError(
            _("This does not look like a %(courier)s tracking number (for example %(example)s).")
            % {"courier": courier.name, "example": courier.example},
            code="tracking_format",
        )
    return normalized


def platform_code(courier_code: str, platform: str) -> str:
    """The code a platform's batch-shipment upload expects for our courier."""
    courier = BY_CODE[courier_code]
    return getattr(courier, platform, courier.code)
