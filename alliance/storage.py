"""Where files with personal data are kept: PRIVATE_MEDIA_ROOT, never served by URL.

Order exports, shipping labels and batch-shipment files are read only by views that check who
asks (and log the download); `url()` refuses, so no template can link to one by mistake.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files under settings.PRIVATE_MEDIA_ROOT (read when used, so tests can move it)."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    @cached_property
    def base_url(self) -> None:  # type: ignore[override]
        return None

    def url(self, name: str | None) -> str:
        raise ValueError("Private files are not served by URL.")


_private = PrivateStorage()


def private_storage() -> Storage:
    """The storage for order exports, labels and batch-shipment files."""
    return _private
