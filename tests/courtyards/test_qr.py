"""Printed codes round-trip through a real QR reader (zxing-cpp) to the right page: each PNG,
each SVG (drawn by Chromium in tests/e2e/test_courtyard.py) and every code of the PDF sheet
(rendered with Debian's pdftoppm)."""

import io
import subprocess
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils.translation import gettext, override
from PIL import Image

from courtyards import labels, qr, selectors
from courtyards.services import courtyards as services
from tests.courtyards.conftest import token_of

pytestmark = pytest.mark.django_db


def decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return [code for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.QRCode]


def opens(client: Client, url: str, expected: str) -> None:
    """The decoded URL, opened as a phone would (scheme and host lower-cased), shows `expected`."""
    parts = urlsplit(url)
    assert parts.scheme.lower() == "http" and parts.hostname == "testserver"
    response = client.get(parts.path)
    assert response.status_code == 200, url
    assert expected in response.content.decode()


def test_a_piece_png_decodes_to_its_page(piece, client):
    label = qr.label_for(selectors.qr_code_for_page(token_of(piece)), qr.base_url())
    image = Image.open(io.BytesIO(qr.png(label)))
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    found = decode(image)
    assert len(found) == 1
    code = found[0]
    assert code.text == f"HTTP://TESTSERVER/Q/{token_of(piece)}"
    assert code.ec_level == "M"
    assert code.extra["Version"] == "3"  # alphanumeric mode: 29 × 29 modules
    opens(client, code.text, "金峨老桩杜鹃盆景")


def test_a_design_png_decodes_to_its_page(design, client):
    label = qr.label_for(selectors.qr_code_for_page(token_of(design)), qr.base_url())
    found = decode(Image.open(io.BytesIO(qr.png(label))))
    assert [code.text for code in found] == [label.content]
    opens(client, found[0].text, "竹影新中式小院")


def in_chinese(text: str) -> str:
    with override("zh-hans"):
        return gettext(text)


def test_the_label_prints_name_and_price_in_chinese_whoever_prints_it(piece):
    with override("en"):
        label = qr.label_for(selectors.qr_code_for_page(token_of(piece)), qr.base_url())
    assert (label.title, label.price) == ("金峨老桩杜鹃盆景", "¥1,680.00")
    assert label.action == in_chinese("Scan to buy")
    svg = qr.svg(label)
    assert "金峨老桩杜鹃盆景" in svg and "¥1,680.00" in svg and 'width="37mm"' in svg


def test_a_design_label_prints_its_price_range(design):
    label = qr.label_for(selectors.qr_code_for_page(token_of(design)), qr.base_url())
    assert label.price == in_chinese("%(low)s–%(high)s per m²") % {
        "low": "¥800.00",
        "high": "1,200.00",
    }
    assert label.action == in_chinese("Scan to book a design visit")


def test_a_long_production_address_still_fits_a_coarse_code(piece):
    content = qr.qr_content(token_of(piece), "https://qicaiqiaofu.fenghua.gov.cn")
    assert content.isupper() or content.replace(".", "").replace(":", "").replace("/", "").isalnum()
    assert len(qr.matrix(content)) <= 33  # version 4 at most


def rendered_pages(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", str(source), str(tmp_path / "page")], check=True
    )
    return [Image.open(path) for path in sorted(tmp_path.glob("page-*.png"))]


def test_every_code_on_the_label_sheet_decodes_and_opens_its_page(courtyard, tmp_path, client):
    pieces = [
        services.add_item(
            courtyard=courtyard, name=f"杜鹃盆景 第{number}号", price=Decimal(100 + number)
        )
        for number in range(14)
    ]
    codes = selectors.qr_codes_for_labels([courtyard.pk])
    pdf = labels.sheet([qr.label_for(code, qr.base_url()) for code in codes])
    pages = rendered_pages(pdf, tmp_path)
    assert len(pages) == 2  # twelve labels a page
    decoded = [code.text for page in pages for code in decode(page)]
    assert sorted(decoded) == sorted(f"HTTP://TESTSERVER/Q/{token_of(piece)}" for piece in pieces)
    by_token = {token_of(piece): piece.name for piece in pieces}
    for url in decoded:
        opens(client, url, by_token[url.rsplit("/", 1)[1]])


def test_the_sheet_embeds_its_chinese_font_and_its_text_is_chinese(piece, tmp_path):
    codes = selectors.qr_codes_for_labels([piece.courtyard_id])
    pdf = labels.sheet([qr.label_for(code, qr.base_url()) for code in codes], title="标签")
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(source)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(" yes yes yes " in row for row in rows), fonts.stdout  # emb sub uni
    assert "WenQuanYiMicroHei" in fonts.stdout
    text = subprocess.run(
        ["pdftotext", str(source), "-"], capture_output=True, text=True, check=True
    )
    for words in (
        "金峨老桩杜鹃盆景",
        "¥1,680.00",
        f"石优琴的杜鹃庭院 · {in_chinese('Scan to buy')}",
    ):
        assert words in text.stdout


def test_export_qr_labels_writes_a_png_per_active_code_and_the_sheet(
    piece, design, tmp_path, client
):
    services.rotate_qr_code(item=piece)  # the retired code is not exported
    call_command("export_qr_labels", str(tmp_path), stdout=io.StringIO())
    pngs = sorted(tmp_path.glob("*.png"))
    sheets = sorted(tmp_path.glob("*.pdf"))
    assert len(pngs) == 2 and len(sheets) == 2  # a private and a public courtyard
    decoded = {decode(Image.open(path))[0].text for path in pngs}
    assert decoded == {
        f"HTTP://TESTSERVER/Q/{token_of(piece)}",
        f"HTTP://TESTSERVER/Q/{token_of(design)}",
    }
    for url in decoded:
        assert client.get(urlsplit(url).path).status_code == 200


def test_export_qr_labels_for_one_courtyard_and_a_base_address(piece, design, tmp_path):
    out = io.StringIO()
    call_command(
        "export_qr_labels", str(tmp_path), "--courtyard", str(piece.courtyard_id),
        "--base-url", "https://fulian.example.cn/", stdout=out,
    )  # fmt: skip
    assert [path.name for path in tmp_path.glob("*.pdf")] == [
        f"courtyard-{piece.courtyard_id}-labels.pdf"
    ]
    (png,) = tmp_path.glob("*.png")
    assert decode(Image.open(png))[0].text == f"HTTPS://FULIAN.EXAMPLE.CN/Q/{token_of(piece)}"
    assert "1 codes" in out.getvalue()
    with pytest.raises(CommandError, match="no courtyard 999999"):
        call_command("export_qr_labels", str(tmp_path), "--courtyard", "999999")
