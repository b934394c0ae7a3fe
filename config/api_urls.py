"""The public API for the mini-program, mounted at /api/ by config/urls.py.

/api/v1/ holds the catalogue; /api/schema/ is its OpenAPI 3 description and /api/docs/ its
Swagger UI (public unless API_DOCS_PUBLIC is off). Any other /api/ address answers a JSON 404.
"""

from typing import Any

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import DocsPermission, not_found
from products.api import (
    CategoryTreeView,
    ProductDetailView,
    ProductListView,
    SellerDetailView,
    SellerListView,
    cached_catalogue,
)


class JsonErrorsMixin:
    """Errors of the schema and docs pages are the API's JSON errors, not YAML or HTML."""

    def finalize_response(
        self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
        return response


class SchemaView(JsonErrorsMixin, SpectacularAPIView):
    permission_classes = [DocsPermission]


# drf-spectacular's page carries an inline <style>, which our CSP refuses (style-src 'self'):
# the same page without it. The split view serves the start-up script as a separate file.
SWAGGER_PAGE = """<!DOCTYPE html>
<html lang="{{ language }}">
  <head>
    <title>{{ title }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <link rel="icon" href="{{ favicon_href }}">
    <link rel="stylesheet" href="{{ swagger_ui_css }}">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{{ swagger_ui_bundle }}"></script>
    <script src="{{ swagger_ui_standalone }}"></script>
    <script src="{{ script_url }}"></script>
  </body>
</html>
"""


class SwaggerView(JsonErrorsMixin, SpectacularSwaggerSplitView):
    """Swagger UI at /api/docs/, from the vendored drf-spectacular-sidecar files."""

    permission_classes = [DocsPermission]
    title = gettext_lazy("Qicai Qiaofu Supermarket API")

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is not None:
            return response
        context = {**response.data, "language": request.LANGUAGE_CODE}
        html = engines["django"].from_string(SWAGGER_PAGE).render(context)
        return HttpResponse(html, content_type="text/html; charset=utf-8")


v1_patterns = [
    path("products/", cached_catalogue(ProductListView.as_view()), name="api-products"),
    path("products/<int:pk>/", cached_catalogue(ProductDetailView.as_view()), name="api-product"),
    path("categories/", cached_catalogue(CategoryTreeView.as_view()), name="api-categories"),
    path("sellers/", cached_catalogue(SellerListView.as_view()), name="api-sellers"),
    path("sellers/<int:pk>/", cached_catalogue(SellerDetailView.as_view()), name="api-seller"),
    path("", include("alliance.api_places")),  # places/: the five-beauties map as GeoJSON
]

urlpatterns = [
    path("v1/", include(v1_patterns)),
    path("v1/", include("courtyards.api_urls")),  # qr/<token>/…, orders/ (courtyards app)
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"", not_found),  # last: a JSON 404 for every other /api/ address
]
