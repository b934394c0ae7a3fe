"""The courtyards' part of /api/v1/ (included by config/api_urls.py)."""

from django.urls import re_path

from courtyards.api import BookingView, CatalogueOrderView, CodeView, PlantOrderView, SlotsView

CODE = r"(?P<token>[0-9A-Za-z-]{26,34})"

urlpatterns = [
    re_path(rf"^qr/{CODE}/$", CodeView.as_view(), name="api-qr-code"),
    re_path(rf"^qr/{CODE}/slots/$", SlotsView.as_view(), name="api-qr-slots"),
    re_path(rf"^qr/{CODE}/orders/$", PlantOrderView.as_view(), name="api-qr-orders"),
    re_path(rf"^qr/{CODE}/bookings/$", BookingView.as_view(), name="api-qr-bookings"),
    re_path(r"^orders/$", CatalogueOrderView.as_view(), name="api-orders"),
]
