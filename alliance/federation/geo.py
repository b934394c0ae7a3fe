"""Coordinates in China: GCJ-02 (what Chinese web maps use) and WGS-84 (what GPS gives).

Places are stored in GCJ-02, the datum of AMap (高德), Tencent maps and the WeChat map
component, so a point picked on one of those maps is stored as it is. Leaflet draws markers
where their coordinates say on whatever tiles it shows: on GCJ-02 tiles a marker must carry
GCJ-02, on OpenStreetMap-style WGS-84 tiles it must carry WGS-84, or it lands 300-600 m off.

The forward transform is the published (leaked) GCJ-02 formula on the Krasovsky ellipsoid; the
inverse has no closed form and is found by fixed-point iteration to well under a centimetre.
Outside mainland China the two datums coincide.
"""

import math

SEMI_MAJOR_AXIS = 6378245.0  # Krasovsky 1940, as the GCJ-02 formula uses
ECCENTRICITY_SQUARED = 0.00669342162296594323
INVERSE_TOLERANCE_DEGREES = 1e-9
INVERSE_MAX_ROUNDS = 30

Point = tuple[float, float]  # (latitude, longitude) in degrees


def is_outside_china(latitude: float, longitude: float) -> bool:
    """Whether a point lies outside the rough box where GCJ-02 shifts coordinates."""
    return not (72.004 <= longitude <= 137.8347 and 0.8293 <= latitude <= 55.8271)


def _raw_shift(x: float, y: float) -> Point:
    """The formula's shift in its own units, of x = longitude - 105, y = latitude - 35."""
    common = 20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)
    latitude = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ) + 2.0 / 3.0 * (
        common
        + 20.0 * math.sin(y * math.pi)
        + 40.0 * math.sin(y / 3.0 * math.pi)
        + 160.0 * math.sin(y / 12.0 * math.pi)
        + 320.0 * math.sin(y * math.pi / 30.0)
    )
    longitude = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ) + 2.0 / 3.0 * (
        common
        + 20.0 * math.sin(x * math.pi)
        + 40.0 * math.sin(x / 3.0 * math.pi)
        + 150.0 * math.sin(x / 12.0 * math.pi)
        + 300.0 * math.sin(x / 30.0 * math.pi)
    )
    return latitude, longitude


def _shift(latitude: float, longitude: float) -> Point:
    """The GCJ-02 offset in degrees at a WGS-84 point."""
    raw_latitude, raw_longitude = _raw_shift(longitude - 105.0, latitude - 35.0)
    radians = latitude / 180.0 * math.pi
    magic = 1 - ECCENTRICITY_SQUARED * math.sin(radians) ** 2
    root = math.sqrt(magic)
    meridian = SEMI_MAJOR_AXIS * (1 - ECCENTRICITY_SQUARED) / (magic * root)
    parallel = SEMI_MAJOR_AXIS / root * math.cos(radians)
    return raw_latitude * 180.0 / (meridian * math.pi), raw_longitude * 180.0 / (parallel * math.pi)


def wgs84_to_gcj02(latitude: float, longitude: float) -> Point:
    """A GPS (WGS-84) point as Chinese web maps place it (GCJ-02)."""
    if is_outside_china(latitude, longitude):
        return latitude, longitude
    delta_latitude, delta_longitude = _shift(latitude, longitude)
    return latitude + delta_latitude, longitude + delta_longitude


def gcj02_to_wgs84(latitude: float, longitude: float) -> Point:
    """A GCJ-02 point back in WGS-84, by iteration (the inverse of wgs84_to_gcj02)."""
    if is_outside_china(latitude, longitude):
        return latitude, longitude
    guess_latitude, guess_longitude = latitude, longitude
    for _round in range(INVERSE_MAX_ROUNDS):
        there_latitude, there_longitude = wgs84_to_gcj02(guess_latitude, guess_longitude)
        error_latitude = there_latitude - latitude
        error_longitude = there_longitude - longitude
        guess_latitude -= error_latitude
        guess_longitude -= error_longitude
        if max(abs(error_latitude), abs(error_longitude)) < INVERSE_TOLERANCE_DEGREES:
            break
    return guess_latitude, guess_longitude


def for_map(latitude: float, longitude: float, crs: str) -> Point:
    """A stored (GCJ-02) point in the datum a map's tiles use: "gcj02" or "wgs84"."""
    if crs == "gcj02":
        return latitude, longitude
    if crs == "wgs84":
        return gcj02_to_wgs84(latitude, longitude)
    raise ValueError(f"unknown coordinate system {crs!r}; expected 'gcj02' or 'wgs84'")


def distance_metres(a: Point, b: Point) -> float:
    """The great-circle distance between two points of the same datum (haversine)."""
    lat1, lon1, lat2, lon2 = (math.radians(value) for value in (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(h))
