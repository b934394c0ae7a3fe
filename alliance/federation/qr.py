"""QR codes for screens: SVG, as markup or as a data: URI an <img> can show under our CSP."""

import base64

import qrcode
import qrcode.image.svg


def qr_svg(url: str) -> bytes:
    """A QR code of a URL as an SVG document (medium error correction, a four-module margin)."""
    image = qrcode.make(
        url,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    return image.to_string()


def qr_data_uri(url: str) -> str:
    """The QR code of a URL as a data: URI (img-src allows data:)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url)).decode("ascii")
