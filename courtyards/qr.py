"""QR codes of the courtyards' pieces and designs: content, PNG and SVG at print quality.

The code holds the page's whole URL in upper case — HTTPS://HOST/Q/TOKEN — so that every
character is in QR's alphanumeric set and the code needs fewer, larger modules than the same URL
in lower case would (a 26-symbol token on a short host fits version 3, 29 × 29 modules). Phones
lower-case the scheme and host; /Q/ is served like /q/. Error correction M (15 % of the code
may be dirty or torn) and the standard quiet zone of four modules.

Under the code: the name and the price, in Chinese, drawn with WenQuanYi Micro Hei (Debian's
fonts-wqy-microhei, which the Makefile installs).
"""

import io
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import override
from PIL import Image, ImageDraw, ImageFont

from courtyards import conf
from courtyards.models import CourtyardDesign, CourtyardItem, QrCode

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
QUIET_ZONE = 4  # modules of white around the code (ISO/IEC 18004)
PRINT_DPI = 300
MODULE_PX = 12  # 1 mm a module at 300 dpi: a version 3 code prints 37 mm wide with its margin
FALLBACK_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Label:
    """What a label says: the code's URL, the name, the price line and a call to action."""

    url: str
    content: str
    title: str
    price: str
    action: str
    courtyard: str


def base_url(request: HttpRequest | None = None) -> str:
    """Where printed codes point: QR_BASE_URL, else the request's own scheme and host."""
    configured = conf.get("QR_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return FALLBACK_BASE_URL


def page_url(token: str, base: str) -> str:
    return f"{base.rstrip('/')}/q/{token}"


def qr_content(token: str, base: str) -> str:
    """What the code holds: the URL in upper case (alphanumeric mode), /Q/ for /q/."""
    return f"{base.rstrip('/').upper()}/Q/{token}"


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def price_line(code: QrCode) -> str:
    """A piece's price, or a design's price per m² as a range, as printed."""
    if code.item_id is not None:
        item: CourtyardItem = code.item  # type: ignore[assignment]
        return yuan(item.unit_price())
    design: CourtyardDesign = code.design  # type: ignore[assignment]
    low, high = design.price_min_per_sqm, design.price_max_per_sqm
    if low == high:
        return _("%(price)s per m²") % {"price": yuan(low)}
    return _("%(low)s–%(high)s per m²") % {"low": yuan(low), "high": f"{high:,.2f}"}


def label_for(code: QrCode, base: str) -> Label:
    """A code's label: its URL and what is printed under it, in Chinese (the site's language)
    whatever language the person printing it reads."""
    is_item = code.item_id is not None
    thing = code.item if is_item else code.design
    with override(settings.LANGUAGE_CODE):
        return Label(
            url=page_url(code.token, base),
            content=qr_content(code.token, base),
            title=thing.name,  # type: ignore[union-attr]
            price=price_line(code),
            action=_("Scan to buy") if is_item else _("Scan to book a design visit"),
            courtyard=code.courtyard.name,
        )


def matrix(content: str) -> list[list[bool]]:
    """The code's modules, True for dark, without the quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(content, optimize=0)
    code.make(fit=True)
    return code.get_matrix()


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    if not CJK_FONT.exists():
        raise ImproperlyConfigured(
            f"{CJK_FONT} is missing: install Debian's fonts-wqy-microhei (make run does)."
        )
    return ImageFont.truetype(str(CJK_FONT), size)


def _fit(text: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    """The text, shortened with an ellipsis until it fits the width."""
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def png(label: Label, module_px: int = MODULE_PX) -> bytes:
    """The code with the name and price under it: a 300 dpi PNG in black and white."""
    modules = matrix(label.content)
    side = (len(modules) + 2 * QUIET_ZONE) * module_px
    title_face, price_face = font(max(24, side // 11)), font(max(24, side // 10))
    line = math.ceil(title_face.size * 1.35)
    image = Image.new("L", (side, side + 2 * line + module_px * 2), 255)
    draw = ImageDraw.Draw(image)
    for row, cells in enumerate(modules):
        for column, dark in enumerate(cells):
            if dark:
                x, y = (column + QUIET_ZONE) * module_px, (row + QUIET_ZONE) * module_px
                draw.rectangle((x, y, x + module_px - 1, y + module_px - 1), fill=0)
    width = side - 2 * QUIET_ZONE * module_px // 2
    texts = [(_fit(label.title, title_face, width), title_face), (label.price, price_face)]
    for number, (text, face) in enumerate(texts):
        draw.text((side // 2, side + number * line), text, font=face, fill=0, anchor="mt")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(PRINT_DPI, PRINT_DPI), optimize=True)
    return buffer.getvalue()


def _row_path(row: int, cells: list[bool]) -> str:
    """One row's dark runs as SVG path segments (a run per rectangle, not a square per module)."""
    parts, column = [], 0
    while column < len(cells):
        if not cells[column]:
            column += 1
            continue
        start = column
        while column < len(cells) and cells[column]:
            column += 1
        x, y = start + QUIET_ZONE, row + QUIET_ZONE
        parts.append(f"M{x} {y}h{column - start}v1h-{column - start}z")
    return "".join(parts)


def svg(label: Label, max_title: int = 14) -> str:
    """The code with the name and price under it, as SVG in module units (37 mm for version 3)."""
    modules = matrix(label.content)
    side = len(modules) + 2 * QUIET_ZONE
    height = side + 7
    path = "".join(_row_path(row, cells) for row, cells in enumerate(modules))
    title = label.title if len(label.title) <= max_title else label.title[: max_title - 1] + "…"
    family = "WenQuanYi Micro Hei, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {height}" '
        f'width="{side}mm" height="{height}mm" shape-rendering="crispEdges">'
        f"<title>{escape(label.title)}</title>"
        f'<rect width="{side}" height="{height}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/>'
        f'<text x="{side / 2}" y="{side + 2.2}" font-family="{family}" font-size="3" '
        f'text-anchor="middle" fill="#000">{escape(title)}</text>'
        f'<text x="{side / 2}" y="{side + 5.8}" font-family="{family}" font-size="3.2" '
        f'font-weight="bold" text-anchor="middle" fill="#000">{escape(label.price)}</text>'
        "</svg>"
    )
