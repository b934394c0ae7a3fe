"""The livestream base's demo: 13 studios, a fortnight of sessions, one imported export per
platform whose orders all find their SKUs and their sessions; running it again changes nothing."""

import io
import time
from datetime import date

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from livestreams import demo
from livestreams.importers import detect
from livestreams.importers.base import open_table
from livestreams.models import (
    Attribution,
    ImportStatus,
    LiveSession,
    LiveSessionStatus,
    Order,
    OrderImport,
    OrderLine,
    Studio,
)
from tests.factories import MemberFactory, ProductFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def snapshot(labels: set[str]) -> str:
    models = [m for c in apps.get_app_configs() if c.label in labels for m in c.get_models()]
    return "\n".join(serializers.serialize("json", m.objects.order_by("pk")) for m in models)


@pytest.fixture
def story(sample_catalogue):
    """The demo's people: staff, the three named streamers and two more, and a catalogue."""
    StaffUserFactory(username=demo.STAFF_USERNAME)
    for name in ("宋小赞", "毛美儿", "应寅盈", "村播一", "村播二"):
        MemberFactory(name=name, is_streamer=True)
    ProductFactory.create_batch(4)
    return sample_catalogue


@pytest.fixture
def seeded(story):
    started = time.monotonic()
    counts = demo.seed()
    print(f"livestreams.demo.seed took {time.monotonic() - started:.1f}s: {counts}")
    return counts


def test_the_base_has_its_13_studios(seeded):
    assert seeded["studios"] == 13
    assert list(Studio.objects.values_list("number", flat=True)) == list(range(1, 14))
    assert Studio.objects.get(number=1).equipment


def test_a_fortnight_of_sessions_by_the_streamers_on_the_three_platforms(seeded):
    sessions = LiveSession.objects.all()
    days = {s.planned_start.astimezone(demo.SHANGHAI).date() for s in sessions}
    assert min(days) == date(2026, 11, 16) and max(days) == date(2026, 11, 29) and len(days) == 14
    assert sessions.count() == 14 * len(demo.SLOTS)
    assert set(sessions.values_list("platform", flat=True)) == {"douyin", "taobao", "channels"}
    assert set(sessions.values_list("streamer__name", flat=True)) >= {"宋小赞", "毛美儿", "应寅盈"}
    assert not sessions.filter(platform_account="").exists()


def test_sessions_that_are_over_ended_with_their_times_and_later_ones_are_planned(seeded):
    ended = LiveSession.objects.filter(status=LiveSessionStatus.ENDED)
    assert ended.count() == 13 * len(demo.SLOTS) - len(demo.CANCELLED)
    for session in ended:
        assert session.planned_start < session.actual_start < session.actual_end
    assert LiveSession.objects.filter(status=LiveSessionStatus.CANCELLED).count() == 2
    assert set(
        LiveSession.objects.filter(planned_start__gte=demo.OVER_BEFORE).values_list(
            "status", flat=True
        )
    ) == {LiveSessionStatus.PLANNED}


def test_one_export_per_platform_is_imported_and_every_line_finds_its_sku(seeded):
    imports = OrderImport.objects.filter(is_dry_run=False)
    assert sorted(imports.values_list("platform", flat=True)) == ["channels", "douyin", "taobao"]
    for order_import in imports:
        assert order_import.status == ImportStatus.COMPLETED, order_import.refusal
        assert order_import.counts["unmatched_lines"] == 0
        assert order_import.counts["skipped_rows"] == 0
        assert order_import.errors == []
    assert not OrderLine.objects.filter(sku__isnull=True).exists()
    assert OrderLine.objects.count() > 100


def test_every_demo_order_is_attributed_to_the_session_that_sold_it(seeded):
    orders = Order.objects.select_related("live_session")
    assert orders.count() == seeded["orders"] == seeded["attributed"]
    for order in orders:
        session = order.live_session
        assert session.platform == order.channel
        assert session.actual_start <= order.paid_at <= session.actual_end
    assert set(orders.filter(channel="taobao").values_list("attribution", flat=True)) == {
        Attribution.TIME_WINDOW
    }
    assert set(orders.exclude(channel="taobao").values_list("attribution", flat=True)) == {
        Attribution.EXPORT
    }


def test_seeding_again_changes_nothing(seeded):
    before = snapshot({"livestreams", "products", "alliance"})
    demo.seed()
    assert snapshot({"livestreams", "products", "alliance"}) == before


def test_the_exports_are_generated_byte_for_byte_the_same(seeded):
    sessions = list(LiveSession.objects.select_related("streamer").order_by("pk"))
    first, second = demo.exports(sessions), demo.exports(sessions)
    assert first == second
    for platform, (name, data) in first.items():
        table = open_table(io.BytesIO(data), name)
        assert detect([table]).platform == platform


def test_the_douyin_export_has_the_platform_s_quirks(story):
    sessions = demo._sessions(demo._studios(), demo._streamers())
    name, data = demo.exports(sessions)["douyin"]
    text = data.decode("utf-8")
    assert name.endswith(".csv") and data.startswith(b"\xef\xbb\xbf")
    assert text.splitlines()[0].lstrip("\ufeff").split(",") == list(demo.DOUYIN_COLUMNS)
    assert '"\t69' in text  # ids behind a TAB, as the back office writes them


def test_without_streamers_or_skus_there_are_studios_and_nothing_else(db):
    counts = demo.seed()
    assert counts["studios"] == 13
    assert counts["sessions"] == counts["imports"] == counts["orders"] == 0


@pytest.mark.slow
def test_the_whole_demo_seeds_and_seeds_again_without_a_change(settings, tmp_path):
    """alliance, then the catalogue, then the livestream base: as seed_demo runs them."""
    from alliance import demo as alliance_demo
    from products import demo as products_demo

    alliance_demo.seed()
    products_demo.seed()
    started = time.monotonic()
    counts = demo.seed()
    took = time.monotonic() - started
    print(f"livestreams.demo.seed on the demo catalogue took {took:.1f}s: {counts}")
    assert counts["imports"] == 3 and counts["orders"] == counts["attributed"] > 0
    assert not OrderLine.objects.filter(sku__isnull=True).exists()
    before = snapshot({"alliance", "auth", "products", "livestreams"})
    demo.seed()
    call_command("check", stdout=io.StringIO())
    assert snapshot({"alliance", "auth", "products", "livestreams"}) == before
