"""Writes that bypass the services (the admin, imports) still move the catalogue's version on."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from alliance.models import Enterprise, Federation, Member, Township, Village
from products.cache import catalogue_changed
from products.models import SKU, Category, ChannelListing, Product, ProductImage, Tag


def _changed(**kwargs: Any) -> None:
    catalogue_changed()


def connect() -> None:
    # Members, their places, enterprises and federations appear in the public catalogue.
    for model in (
        Product, SKU, ProductImage, ChannelListing, Category, Tag,
        Member, Village, Township, Enterprise, Federation,
    ):  # fmt: skip
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalogue-save-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"catalogue-delete-{model.__name__}"
        )
    m2m_changed.connect(_changed, sender=Product.tags.through, dispatch_uid="catalogue-tags")
