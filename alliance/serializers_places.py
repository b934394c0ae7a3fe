"""The places API's GeoJSON (RFC 7946): a FeatureCollection of Point features.

Features are built as plain dicts (`feature`), the serializers below describe them for the
OpenAPI schema and check the query parameters. Coordinates are [longitude, latitude] in WGS-84
as RFC 7946 requires; `?crs=gcj02` gives GCJ-02 instead, for Chinese maps (the WeChat map
component, AMap). Nothing personal: a place carries a business's public line at most.
"""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from alliance.federation.places import cover_of, point_for
from alliance.models import Place, PlaceCategory

CRS_CHOICES = ("wgs84", "gcj02")


class PlaceQuerySerializer(serializers.Serializer):
    """The query parameters of GET /api/v1/places/."""

    category = serializers.ChoiceField(
        choices=PlaceCategory.values,
        required=False,
        help_text=_("Only places of one of the five beauties."),
    )
    village = serializers.IntegerField(
        min_value=1, required=False, help_text=_("Only places in this village (its id).")
    )
    crs = serializers.ChoiceField(
        choices=CRS_CHOICES,
        required=False,
        default="wgs84",
        help_text=_(
            "The datum of the coordinates: wgs84 (GeoJSON's, the default) or gcj02 "
            "(Chinese web maps and the WeChat map component)."
        ),
    )


class PlacePointSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        help_text=_("[longitude, latitude] in degrees."),
    )


class PlaceVillageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    township = serializers.CharField()


class PlaceProductSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The product's id in /api/v1/products/."))
    name = serializers.CharField()


class PlacePropertiesSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    category = serializers.ChoiceField(choices=PlaceCategory.values)
    category_label = serializers.CharField(help_text=_("The category's name, translated."))
    summary = serializers.CharField(allow_blank=True)
    village = PlaceVillageSerializer()
    address = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(
        allow_blank=True, help_text=_("The business's public line (homestays, food); may be empty.")
    )
    url = serializers.URLField(help_text=_("The place's public page."))
    photo = serializers.URLField(allow_null=True, help_text=_("A 600 px photo, or null."))
    products = PlaceProductSerializer(many=True)


class PlaceFeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = PlacePointSerializer()
    properties = PlacePropertiesSerializer()


class PlaceCollectionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    coordinate_system = serializers.ChoiceField(
        choices=CRS_CHOICES, help_text=_("The datum of every coordinate in this page.")
    )
    features = PlaceFeatureSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text=_("The next page; null on the last."))
    previous = serializers.URLField(
        allow_null=True, help_text=_("The page before; null on the first.")
    )


def feature(place: Place, request: HttpRequest, crs: str) -> dict[str, Any]:
    """One place as a GeoJSON Feature (its photos and products prefetched: no query)."""
    latitude, longitude = point_for(place, crs)
    cover = cover_of(place)
    return {
        "type": "Feature",
        "id": place.pk,
        "geometry": {"type": "Point", "coordinates": [round(longitude, 6), round(latitude, 6)]},
        "properties": {
            "slug": place.slug,
            "name": place.name,
            "category": place.category,
            "category_label": str(place.get_category_display()),
            "summary": place.summary,
            "village": {
                "id": place.village_id,
                "name": place.village.name,
                "township": place.village.township.name,
            },
            "address": place.address,
            "phone": place.business_phone,
            "url": request.build_absolute_uri(reverse("place", args=[place.slug])),
            "photo": request.build_absolute_uri(cover.thumbnail_medium.url) if cover else None,
            "products": [{"id": p.pk, "name": p.name} for p in place.products.all()],
        },
    }
