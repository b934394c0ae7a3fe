"""GET /api/v1/places/: the five-beauties map as GeoJSON, for the mini-program and the map.

Anonymous and read-only like the catalogue, answered from the same response cache
(products.api.cached_catalogue): a place edit moves the catalogue's version on.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alliance.federation.places import published_places
from alliance.serializers_places import (
    PlaceCollectionSerializer,
    PlaceQuerySerializer,
    feature,
)
from config.api import KeysetPagination, error_responses
from products.api import cached_catalogue

PLACE_EXAMPLE = {
    "type": "FeatureCollection",
    "coordinate_system": "wgs84",
    "features": [
        {
            "type": "Feature",
            "id": 12,
            "geometry": {"type": "Point", "coordinates": [121.233456, 29.622384]},
            "properties": {
                "slug": "yintou-homestay",
                "name": "岩头古村·山居民宿",
                "category": "homestay",
                "category_label": "美宿",
                "summary": "溪口岩头古村里的石墙老屋，推窗见山。",
                "village": {"id": 9, "name": "岩头村", "township": "溪口镇"},
                "address": "溪口镇岩头村",
                "phone": "0574-88881234",
                "url": "https://fulian.example.cn/places/yintou-homestay/",
                "photo": "https://fulian.example.cn/media/places/5b1e.jpg",
                "products": [{"id": 1024, "name": "溪口千层饼 传统手工 礼盒装"}],
            },
        }
    ],
    "next": None,
    "previous": None,
}


class PlacePagination(KeysetPagination):
    page_size = 100
    max_page_size = 500
    ordering = ("id",)


@extend_schema(
    tags=["places"],
    summary=_("The five-beauties map as GeoJSON"),
    description=_(
        "Published places of the five-beauties map (美村 village, 美景 scenery, 美物 goods, "
        "美宿 homestay, 美食 food) as a GeoJSON FeatureCollection of points, 100 a page; follow "
        "next. Coordinates are [longitude, latitude] in WGS-84 unless crs=gcj02. Filters "
        "combine; a bad value answers 400."
    ),
    parameters=[
        PlaceQuerySerializer,
        OpenApiParameter(
            "cursor",
            str,
            description=_("Where a page starts: take it from the next or previous link as it is."),
        ),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "default": 100},
            description=_("Places per page: 100 by default, 500 at most."),
        ),
    ],
    responses={200: PlaceCollectionSerializer, **error_responses(400)},
    examples=[
        OpenApiExample(
            "collection", summary=_("A page of places"), value=PLACE_EXAMPLE, response_only=True
        )
    ],
)
class PlaceCollectionView(APIView):
    permission_classes = [AllowAny]
    pagination_class = PlacePagination
    cached_query_params = frozenset({"cursor", "page_size", "category", "village", "crs"})

    def get(self, request: Request) -> Response:
        query = PlaceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        places = published_places(
            category=filters.get("category", ""), village=filters.get("village")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(places, request, view=self)
        crs = filters["crs"]
        return Response(
            {
                "type": "FeatureCollection",
                "coordinate_system": crs,
                "features": [feature(place, request, crs) for place in page],
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
            }
        )


# Included by config/api_urls.py under /api/v1/.
urlpatterns = [
    path("places/", cached_catalogue(PlaceCollectionView.as_view()), name="api-places"),
]
