"""Where files with personal data are kept: the "private" storage, never served by URL."""

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    """The storage for order exports, labels and batch-shipment files (settings.STORAGES)."""
    return storages["private"]
