"""Staff pages of forwarding and shipping: the forwarding monitor, one seller order's page with
its actions and label, labels from a file, and the batch-shipment files for the platforms."""

from livestreams.views_monitor.downloads import seller_order_label_file, shipment_export_file
from livestreams.views_monitor.forwarding import (
    monitor,
    retry_selected,
    seller_order_cancel,
    seller_order_label,
    seller_order_page,
    seller_order_reassign,
    seller_order_retry,
)
from livestreams.views_monitor.reads import monitor_counts, pending_work
from livestreams.views_monitor.shipping import (
    label_file,
    label_file_template,
    shipment_export_make,
    shipment_exports,
)

__all__ = [
    "label_file", "label_file_template", "monitor", "monitor_counts", "pending_work",
    "retry_selected", "seller_order_cancel", "seller_order_label", "seller_order_label_file",
    "seller_order_page", "seller_order_reassign", "seller_order_retry", "shipment_export_file",
    "shipment_export_make", "shipment_exports",
]  # fmt: skip
