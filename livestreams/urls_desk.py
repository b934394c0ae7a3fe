"""URLs of the seller's order desk (mounted under /seller/ by config/urls.py)."""

from django.urls import path

from livestreams import views_desk

seller_patterns = [
    path("orders/", views_desk.order_desk, name="orders"),
    path("orders/export/", views_desk.orders_export, name="orders_export"),
    path("orders/ship-file/", views_desk.orders_ship_file, name="orders_ship_file"),
    path("orders/packing-slip/", views_desk.packing_slip, name="packing_slip"),
    path("orders/<int:seller_order_id>/", views_desk.order_page, name="order"),
    path(
        "orders/<int:seller_order_id>/acknowledge/",
        views_desk.order_acknowledge,
        name="order_acknowledge",
    ),
    path("orders/<int:seller_order_id>/ship/", views_desk.order_ship, name="order_ship"),
    path("orders/<int:seller_order_id>/label/", views_desk.order_label, name="order_label"),
]
