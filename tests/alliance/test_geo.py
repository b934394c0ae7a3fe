"""GCJ-02 ↔ WGS-84: the published reference points, the round trip, and the datum for a map."""

import pytest

from alliance.federation.geo import (
    distance_metres,
    for_map,
    gcj02_to_wgs84,
    is_outside_china,
    wgs84_to_gcj02,
)

# (WGS-84 latitude, longitude) → (GCJ-02 latitude, longitude), from the eviltransform project's
# tests (Shanghai, Shenzhen, Beijing) and coordtransform's documented example (Tiananmen).
REFERENCE_POINTS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
]


@pytest.mark.parametrize(("wgs84", "gcj02"), REFERENCE_POINTS)
def test_wgs84_to_gcj02_matches_the_reference_points(wgs84, gcj02):
    assert distance_metres(wgs84_to_gcj02(*wgs84), gcj02) < 0.01


@pytest.mark.parametrize(("wgs84", "gcj02"), REFERENCE_POINTS)
def test_gcj02_to_wgs84_recovers_the_gps_point(wgs84, gcj02):
    assert distance_metres(gcj02_to_wgs84(*gcj02), wgs84) < 0.01


def test_the_round_trip_holds_across_fenghua():
    for step in range(25):
        point = (29.50 + step * 0.01, 121.20 + step * 0.015)
        assert distance_metres(gcj02_to_wgs84(*wgs84_to_gcj02(*point)), point) < 0.001


def test_in_fenghua_the_two_datums_are_a_few_hundred_metres_apart():
    gcj02 = wgs84_to_gcj02(29.6, 121.4)
    assert 300 < distance_metres(gcj02, (29.6, 121.4)) < 700


def test_outside_china_nothing_moves():
    assert is_outside_china(48.8566, 2.3522)
    assert wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)
    assert gcj02_to_wgs84(48.8566, 2.3522) == (48.8566, 2.3522)


def test_a_map_gets_the_datum_of_its_tiles():
    stored = (29.617, 121.406)
    assert for_map(*stored, "gcj02") == stored
    assert for_map(*stored, "wgs84") == gcj02_to_wgs84(*stored)
    with pytest.raises(ValueError, match="unknown coordinate system"):
        for_map(*stored, "bd09")
