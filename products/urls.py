"""URLs of the catalogue's part of the seller face (mounted under /seller/ by config/urls.py)."""

from django.urls import path

from products import views

seller_patterns = [
    path("products/", views.product_list, name="products"),
    path("products/<int:product_id>/", views.product_edit, name="product"),
    path("products/<int:product_id>/status/", views.product_status, name="product_status"),
    path("products/<int:product_id>/photos/", views.product_photos_add, name="product_photos"),
    path(
        "products/<int:product_id>/photos/<int:image_id>/remove/",
        views.product_photo_remove,
        name="product_photo_remove",
    ),
]
