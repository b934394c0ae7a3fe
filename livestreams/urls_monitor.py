"""URLs of the staff forwarding monitor and shipping desk (mounted under /staff/ as `staff:`)."""

from django.urls import path

from livestreams import views_monitor as views

staff_patterns = [
    path("forwarding/", views.monitor, name="forwarding"),
    path("forwarding/retry/", views.retry_selected, name="forwarding_retry"),
    path("forwarding/<int:pk>/", views.seller_order_page, name="forwarding_order"),
    path("forwarding/<int:pk>/retry/", views.seller_order_retry, name="forwarding_order_retry"),
    path(
        "forwarding/<int:pk>/reassign/",
        views.seller_order_reassign,
        name="forwarding_order_reassign",
    ),
    path("forwarding/<int:pk>/cancel/", views.seller_order_cancel, name="forwarding_order_cancel"),
    path("forwarding/<int:pk>/label/", views.seller_order_label, name="forwarding_order_label"),
    path(
        "forwarding/<int:pk>/label/file/",
        views.seller_order_label_file,
        name="forwarding_order_label_file",
    ),
    path("shipping/labels/", views.label_file, name="shipping_labels"),
    path(
        "shipping/labels/template.csv",
        views.label_file_template,
        {"file_format": "csv"},
        name="shipping_labels_template_csv",
    ),
    path(
        "shipping/labels/template.xlsx",
        views.label_file_template,
        {"file_format": "xlsx"},
        name="shipping_labels_template_xlsx",
    ),
    path("shipping/exports/", views.shipment_exports, name="shipping_exports"),
    path(
        "shipping/exports/make/<slug:platform>/",
        views.shipment_export_make,
        name="shipping_exports_make",
    ),
    path(
        "shipping/exports/<int:pk>/file/",
        views.shipment_export_file,
        name="shipping_exports_file",
    ),
]
