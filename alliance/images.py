"""Checking and re-encoding uploaded photos (products, members, courtyards).

Pillow's security advice (RELIABILITY.md §3.6): open only the formats we accept (the file's
bytes decide, never its name), refuse decompression bombs before decoding, apply the EXIF
orientation, then re-encode so that no metadata survives — a courtyard photo's GPS tag is the
location of a woman's home.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
SMALL_SIDE = 200
MEDIUM_SIDE = 600
LARGE_SIDE = 2048
JPEG_QUALITY = 85

# Pillow warns at MAX_IMAGE_PIXELS and refuses at twice that; we check the size ourselves
# before decoding and turn its warning into an error for anything that slips past.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class ProcessedImage:
    """A photo re-encoded as JPEG with no metadata, and its two thumbnails."""

    full: ContentFile
    small: ContentFile
    medium: ContentFile
    width: int
    height: int


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _too_many_pixels() -> ValidationError:
    return _refuse(_("The photo has too many pixels (at most 40 megapixels)."), "too_many_pixels")


def _open(upload: UploadedFile | io.BytesIO) -> Image.Image:
    size = getattr(upload, "size", None)
    if size is None:
        size = len(upload.getbuffer())
    if size > MAX_UPLOAD_BYTES:
        raise _refuse(
            _("The photo is larger than 10 MB. Please choose a smaller one."), "too_large"
        )
    if size == 0:
        raise _refuse(_("The file is empty."), "empty")
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise _too_many_pixels() from error
    except (UnidentifiedImageError, OSError) as error:
        raise _refuse(
            _("This is not a photo we can use. Please upload a JPEG, PNG or WebP image."),
            "not_an_image",
        ) from error
    if image.width * image.height > MAX_PIXELS:
        raise _too_many_pixels()
    return image


def _decode(image: Image.Image) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise _too_many_pixels() from error
    except (OSError, SyntaxError, ValueError) as error:
        raise _refuse(
            _("The photo is damaged or incomplete. Please take or choose it again."), "broken"
        ) from error
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, longest_side: int, name: str) -> ContentFile:
    copy = image.copy()
    copy.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # No exif=, no icc_profile=: nothing of the original's metadata is written.
    copy.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=name)


def process_image(upload: UploadedFile | io.BytesIO) -> ProcessedImage:
    """Checks an uploaded photo; returns it re-encoded with thumbnails or raises ValidationError.

    Refused with a message for people: larger than 10 MB, not JPEG/PNG/WebP (whatever its
    name says), more than 40 megapixels, damaged or truncated.
    """
    image = _decode(_open(upload))
    full = _jpeg(image, LARGE_SIDE, "full.jpg")
    reopened = Image.open(io.BytesIO(full.read()))
    full.seek(0)
    return ProcessedImage(
        full=full,
        small=_jpeg(image, SMALL_SIDE, "small.jpg"),
        medium=_jpeg(image, MEDIUM_SIDE, "medium.jpg"),
        width=reopened.width,
        height=reopened.height,
    )
