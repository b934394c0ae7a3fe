"""Uploaded photos: only real JPEG/PNG/WebP, no bombs, orientation applied, metadata gone."""

import io
import struct

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from alliance.images import MAX_UPLOAD_BYTES, process_image
from products import services
from tests.factories import ProductFactory, jpeg_bytes

pytestmark = pytest.mark.usefixtures("english")


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def content(file) -> bytes:
    file.seek(0)
    return file.read()


def jpeg_with_gps_and_rotation() -> bytes:
    image = Image.new("RGB", (400, 200), "#2a7")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    gps = {1: "N", 2: (29.0, 35.0, 10.0), 3: "E", 4: (121.0, 24.0, 30.0)}
    exif[0x8825] = gps
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size (the decompression-bomb shape), with tiny data."""
    real = png(1, 1)
    ihdr_data = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    import zlib

    crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr_data) & 0xFFFFFFFF)
    return real[:8] + struct.pack(">I", 13) + b"IHDR" + ihdr_data + crc + real[33:]


def test_a_photo_is_re_encoded_without_any_metadata_and_upright():
    processed = process_image(upload(jpeg_with_gps_and_rotation()))
    result = Image.open(processed.full)
    assert result.format == "JPEG"
    assert (result.width, result.height) == (200, 400)  # orientation applied
    assert len(result.getexif()) == 0
    assert "exif" not in result.info and "icc_profile" not in result.info
    assert b"PhoneMaker" not in content(processed.full)


def test_thumbnails_are_about_200_and_600_pixels():
    processed = process_image(upload(jpeg_bytes(3000, 2000)))
    assert Image.open(processed.small).size == (200, 133)
    assert Image.open(processed.medium).size == (600, 400)
    assert (processed.width, processed.height) == (2048, 1365)


def test_a_transparent_png_gets_a_white_background():
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 50), (255, 0, 0, 0)).save(buffer, format="PNG")
    result = Image.open(process_image(upload(buffer.getvalue(), "a.png")).full)
    assert result.getpixel((25, 25))[:3] == (255, 255, 255) or result.getpixel((25, 25))[0] > 250


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "empty.jpg", "empty"),
        (b"<html><script>alert(1)</script></html>", "page.jpg", "not_an_image"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "x.svg",
            "not_an_image",
        ),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "x.eps", "not_an_image"),
        (b"SIMPLE  =                    T" + b" " * 2850, "x.fits", "not_an_image"),
        (b"GIF89a" + b"\x00" * 64, "x.gif", "not_an_image"),
        (jpeg_bytes(2000, 1500)[:3000], "truncated.jpg", "broken"),
    ],
)
def test_files_that_are_not_usable_photos_are_refused_with_a_reason(data, name, code):
    with pytest.raises(ValidationError) as error:
        process_image(upload(data, name))
    assert error.value.code == code


def test_a_gif_is_refused_even_when_it_is_a_real_image():
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, format="GIF")
    with pytest.raises(ValidationError) as error:
        process_image(upload(buffer.getvalue(), "a.jpg"))
    assert error.value.code == "not_an_image"


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    with pytest.raises(ValidationError) as error:
        process_image(upload(png_header_claiming(20000, 20000), "bomb.png"))
    assert error.value.code == "too_many_pixels"


def test_just_over_40_megapixels_is_refused():
    with pytest.raises(ValidationError) as error:
        process_image(upload(png_header_claiming(8000, 5001), "big.png"))
    assert error.value.code == "too_many_pixels"


def test_more_than_10_mb_is_refused_without_opening_it():
    data = b"\xff\xd8" + b"\x00" * (MAX_UPLOAD_BYTES + 1)
    with pytest.raises(ValidationError) as error:
        process_image(upload(data))
    assert error.value.code == "too_large"
    assert "10 MB" in error.value.message


def test_a_polyglot_keeps_only_the_pixels():
    data = jpeg_bytes() + b"<html><script>alert(1)</script></html>"
    processed = process_image(upload(data))
    assert b"<script>" not in content(processed.full)


def test_the_refusal_reads_in_chinese_by_default():
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        process_image(upload(b"not an image"))
    assert "JPEG" in error.value.message and "图" in str(error.value.message)


@pytest.mark.django_db
def test_a_product_photo_is_stored_under_a_random_name_with_its_thumbnails():
    product = ProductFactory()
    image = services.add_product_image(
        product=product, upload=upload(jpeg_with_gps_and_rotation(), "../../etc/passwd.jpg")
    )
    assert image.image.name.startswith("products/") and "passwd" not in image.image.name
    assert image.thumbnail_small.name != image.image.name
    stored = Image.open(image.image.path)
    assert len(stored.getexif()) == 0
    second = services.add_product_image(product=product, upload=upload(jpeg_bytes()))
    assert (image.position, second.position) == (0, 1)


@pytest.mark.django_db
def test_removing_a_photo_deletes_its_files(django_capture_on_commit_callbacks):
    image = services.add_product_image(product=ProductFactory(), upload=upload(jpeg_bytes()))
    paths = [image.image.path, image.thumbnail_small.path, image.thumbnail_medium.path]
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_product_image(image=image)
    import os

    assert not any(os.path.exists(path) for path in paths)
