"""Admin pages of the catalogue: products with their SKUs, photos and history, SKUs with their
platform listings, categories and tags, the stock and status audit trails, and xlsx import and
export of the catalogue.

Status and stock never change through a form field: status goes through set_product_status
(the "put on sale" / "take off the shelf" actions) and stock through adjust_stock (the SKU's
"adjust stock" page), so every change leaves its audit row with the staff member's name.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, Max, Min, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from alliance.admin_base import ReadOnlyAdmin
from alliance.images import process_image
from products import services, xlsx
from products.models import (
    ALL_MONTHS,
    SKU,
    Category,
    ChannelListing,
    Product,
    ProductImage,
    ProductStatus,
    ProductStatusChange,
    StockMovement,
    Tag,
    mask_to_months,
    months_to_mask,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, prefix: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{prefix}-{stamp}.xlsx"'
    return response


# --- Products ------------------------------------------------------------------------------------


class ProductRowsInline(admin.TabularInline):
    """Rows of a product: each row's name shows the product's, read with the rows."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("product")


class SKUInline(ProductRowsInline):
    model = SKU
    extra = 0
    fields = ("spec", "merchant_code", "price", "stock", "low_stock_threshold", "is_active")
    readonly_fields = ("stock",)
    show_change_link = True


class ProductImageForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most 10 MB. It is re-encoded without its metadata."),
    )

    class Meta:
        model = ProductImage
        fields = ("alt_text", "position")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if self.instance.pk is None and not upload and self.has_changed():
            self.add_error("upload", gettext("Choose a photo to upload."))
        elif upload:
            if self.instance.pk is not None:
                self.add_error(
                    "upload", gettext("To replace a photo, delete it and add a new one.")
                )
            else:
                # Checked here so that a refused photo is an error beside the field, not a 500.
                # add_product_image checks it again when it stores it.
                try:
                    process_image(upload)
                except ValidationError as error:
                    self.add_error("upload", error)
        return cleaned


class ProductImageInline(ProductRowsInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ("preview", "upload", "alt_text", "position")
    readonly_fields = ("preview",)

    @admin.display(description=_("preview"))
    def preview(self, image: ProductImage) -> str:
        if not image.pk or not image.thumbnail_small:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" width="100" class="product-thumbnail">',
            image.thumbnail_small.url,
            image.alt_text,
        )


class ProductStatusChangeInline(ProductRowsInline):
    model = ProductStatusChange
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    verbose_name_plural = _("status history")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProductStatusChange]:
        return super().get_queryset(request).select_related("actor__member")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ProductAdminForm(forms.ModelForm):
    months = forms.TypedMultipleChoiceField(
        label=_("months in season"),
        choices=list(MONTHS.items()),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick all twelve for a product sold all year."),
    )

    class Meta:
        model = Product
        fields = (
            "name",
            "seller",
            "enterprise",
            "category",
            "description",
            "unit",
            "origin_village",
            "tags",
            "is_partner_county",
            "partner_federation",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mask = self.instance.season_months if self.instance.pk else ALL_MONTHS
        self.initial.setdefault("months", mask_to_months(mask))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("months"):
            self.instance.season_months = months_to_mask(cleaned["months"])
        return cleaned


class SubCategoryListFilter(admin.RelatedFieldListFilter):
    """Sub-categories as "top / sub", read in one query (their names need the parent's)."""

    def field_choices(
        self, field: Any, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[int, str]]:
        categories = (
            Category.objects.filter(parent__isnull=False)
            .select_related("parent")
            .order_by("parent__position", "parent__name", "position", "name")
        )
        return [(category.pk, str(category)) for category in categories]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    list_display = (
        "name",
        "seller",
        "category",
        "status",
        "price_range",
        "stock_warning",
        "is_partner_county",
    )
    list_filter = (
        "status",
        ("category", SubCategoryListFilter),
        "seller__village__township",
        "is_partner_county",
        "partner_federation",
        "tags",
    )
    search_fields = ("name", "skus__merchant_code", "seller__name", "enterprise__name")
    autocomplete_fields = (
        "seller",
        "enterprise",
        "category",
        "origin_village",
        "tags",
        "partner_federation",
    )
    list_select_related = ("seller", "category__parent")
    readonly_fields = ("status", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "seller", "enterprise", "category", "status")}),
        (_("Details"), {"fields": ("description", "unit", "origin_village", "months", "tags")}),
        (_("Sister county"), {"fields": ("is_partner_county", "partner_federation")}),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = [SKUInline, ProductImageInline, ProductStatusChangeInline]
    actions = ["put_on_sale", "take_off_shelf", "export_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        active = SKU.objects.filter(product=OuterRef("pk"), is_active=True)
        prices = active.order_by().values("product")
        return (
            super()
            .get_queryset(request)
            .annotate(
                min_price=Subquery(prices.annotate(value=Min("price")).values("value")),
                max_price=Subquery(prices.annotate(value=Max("price")).values("value")),
                has_low_stock=Exists(active.filter(stock__lte=F("low_stock_threshold"))),
            )
        )

    @admin.display(description=_("price (yuan)"), ordering="min_price")
    def price_range(self, product: Product) -> str:
        if product.min_price is None:
            return "—"
        if product.min_price == product.max_price:
            return f"{product.min_price:.2f}"
        return f"{product.min_price:.2f}–{product.max_price:.2f}"

    @admin.display(description=_("stock"), ordering="has_low_stock")
    def stock_warning(self, product: Product) -> str:
        return gettext("low stock") if product.has_low_stock else ""

    # Status actions ---------------------------------------------------------------------------

    @admin.action(description=_("Put selected products on sale"))
    def put_on_sale(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._set_status(request, queryset, ProductStatus.ON_SALE)

    @admin.action(description=_("Take selected products off the shelf"))
    def take_off_shelf(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._set_status(request, queryset, ProductStatus.OFF_SHELF)

    def _set_status(
        self, request: HttpRequest, queryset: QuerySet[Product], to_status: str
    ) -> None:
        changed = unchanged = 0
        for product in queryset:
            if product.status == to_status:
                unchanged += 1
                continue
            try:
                services.set_product_status(
                    product=product, to_status=to_status, actor=request.user, reason="admin"
                )
            except ValidationError as error:
                message = gettext("“%(name)s” was not changed: %(reason)s") % {
                    "name": product.name,
                    "reason": " ".join(error.messages),
                }
                self.message_user(request, message, messages.WARNING)
            else:
                changed += 1
        label = ProductStatus(to_status).label
        if changed:
            message = ngettext(
                "%(count)d product is now %(status)s.",
                "%(count)d products are now %(status)s.",
                changed,
            )
            self.message_user(request, message % {"count": changed, "status": label})
        if unchanged:
            message = ngettext(
                "%(count)d product already was %(status)s.",
                "%(count)d products already were %(status)s.",
                unchanged,
            )
            self.message_user(request, message % {"count": unchanged, "status": label})

    # xlsx -------------------------------------------------------------------------------------

    @admin.action(description=_("Export selected products to xlsx"), permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet[Product]) -> HttpResponse:
        return xlsx_response(xlsx.export_catalogue(queryset), "catalogue")

    def get_urls(self) -> list[URLPattern]:
        wrap: Callable[..., Any] = self.admin_site.admin_view
        return [
            path("import-xlsx/", wrap(self.import_view), name="products_product_import_xlsx"),
            path("export-xlsx/", wrap(self.export_view), name="products_product_export_xlsx"),
            *super().get_urls(),
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        products = Product.objects.none() if "blank" in request.GET else Product.objects.all()
        return xlsx_response(xlsx.export_catalogue(products), "catalogue")

    def import_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        result = None
        is_post = request.method == "POST"
        form = (
            CatalogueImportForm(request.POST, request.FILES) if is_post else CatalogueImportForm()
        )
        if is_post and form.is_valid():
            result = xlsx.import_catalogue(upload=form.cleaned_data["file"], actor=request.user)
            if result.is_ok:
                form = CatalogueImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import products from xlsx"),
            "form": form,
            "result": result,
            "columns": xlsx.COLUMNS,
            "required_columns": xlsx.REQUIRED_COLUMNS,
            "max_rows": xlsx.MAX_ROWS,
        }
        return TemplateResponse(request, "admin/products/product/import_xlsx.html", context)

    # Photos -----------------------------------------------------------------------------------

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is ProductImage:
            self._save_images(form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)

    @staticmethod
    def _save_images(product: Product, formset: Any) -> None:
        """New photos through add_product_image (re-encoded, thumbnails); removal deletes files."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for image_form in formset.initial_forms:
            if formset._should_delete_form(image_form):
                services.remove_product_image(image=image_form.instance)
                formset.deleted_objects.append(image_form.instance)
            elif image_form.has_changed():
                formset.changed_objects.append((image_form.save(), image_form.changed_data))
        for image_form in formset.extra_forms:
            if not image_form.has_changed() or formset._should_delete_form(image_form):
                continue
            image = services.add_product_image(
                product=product,
                upload=image_form.cleaned_data["upload"],
                alt_text=image_form.cleaned_data.get("alt_text", ""),
            )
            formset.new_objects.append(image)


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label=_("xlsx file"),
        help_text=_("One row per SKU, in the columns of the catalogue export (at most 5 MB)."),
    )


# --- SKUs and listings ---------------------------------------------------------------------------


class ChannelListingInline(admin.TabularInline):
    model = ChannelListing
    extra = 0
    fields = ("platform", "platform_product_id", "platform_sku_id")


class AdjustStockForm(forms.Form):
    new_stock = forms.IntegerField(
        label=_("stock after the count"), min_value=0, max_value=xlsx.MAX_STOCK
    )
    reference = forms.CharField(
        label=_("reason"),
        max_length=100,
        required=False,
        help_text=_("e.g. stocktaking, damaged in transit"),
    )


@admin.register(SKU)
class SKUAdmin(admin.ModelAdmin):
    list_display = (
        "merchant_code",
        "product",
        "spec",
        "price",
        "stock",
        "low_on_stock",
        "is_active",
        "adjust_stock_link",
    )
    list_filter = ("is_active", "product__status", "listings__platform")
    search_fields = (
        "merchant_code",
        "spec",
        "product__name",
        "listings__platform_product_id",
        "listings__platform_sku_id",
    )
    autocomplete_fields = ("product",)
    list_select_related = ("product",)
    readonly_fields = ("stock", "adjust_stock_link")
    fields = (
        "product",
        "spec",
        "merchant_code",
        "price",
        ("stock", "adjust_stock_link"),
        "low_stock_threshold",
        "is_active",
        "position",
    )
    inlines = [ChannelListingInline]

    @admin.display(description=_("low on stock"), boolean=True, ordering="stock")
    def low_on_stock(self, sku: SKU) -> bool:
        return sku.is_low_on_stock

    @admin.display(description=_("adjust stock"))
    def adjust_stock_link(self, sku: SKU) -> str:
        if not sku.pk:
            return "—"
        url = reverse("admin:products_sku_adjust_stock", args=[sku.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Adjust stock"))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.adjust_stock_view)
        return [
            path("<int:sku_id>/adjust-stock/", view, name="products_sku_adjust_stock"),
            *super().get_urls(),
        ]

    def adjust_stock_view(self, request: HttpRequest, sku_id: int) -> HttpResponse:
        sku = get_object_or_404(SKU.objects.select_related("product"), pk=sku_id)
        if not self.has_change_permission(request, sku):
            raise PermissionDenied
        is_post = request.method == "POST"
        form = (
            AdjustStockForm(request.POST)
            if is_post
            else AdjustStockForm(initial={"new_stock": sku.stock})
        )
        if is_post and form.is_valid():
            stock = services.adjust_stock(
                sku=sku,
                new_stock=form.cleaned_data["new_stock"],
                actor=request.user,
                reference=form.cleaned_data["reference"],
            )
            message = gettext("The stock of %(sku)s is now %(stock)d.") % {
                "sku": sku.merchant_code,
                "stock": stock,
            }
            self.message_user(request, message, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:products_sku_change", args=[sku.pk]))
        movements = sku.stock_movements.select_related("actor__member")[:10]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": sku,
            "title": gettext("Adjust the stock of %(sku)s") % {"sku": sku},
            "form": form,
            "movements": movements,
        }
        return TemplateResponse(request, "admin/products/sku/adjust_stock.html", context)


@admin.register(ChannelListing)
class ChannelListingAdmin(admin.ModelAdmin):
    list_display = ("platform", "platform_product_id", "platform_sku_id", "sku", "created_at")
    list_filter = ("platform",)
    search_fields = ("platform_product_id", "platform_sku_id", "sku__merchant_code")
    autocomplete_fields = ("sku",)
    list_select_related = ("sku__product",)


# --- Categories and tags -------------------------------------------------------------------------


class SubCategoryInline(admin.TabularInline):
    model = Category
    fk_name = "parent"
    extra = 0
    fields = ("name", "position")
    verbose_name_plural = _("sub-categories")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).select_related("parent")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "parent", "position", "product_count")
    list_filter = (("parent", admin.EmptyFieldListFilter),)
    search_fields = ("name", "parent__name")
    list_select_related = ("parent",)
    ordering = ("parent__position", "parent__name", "position", "name")
    inlines = [SubCategoryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(number_of_products=Count("products"))

    @admin.display(description=_("number of products"), ordering="number_of_products")
    def product_count(self, category: Category) -> int:
        return category.number_of_products

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Category], search_term: str
    ) -> tuple[QuerySet[Category], bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "product":
            # A product belongs to a sub-category: offer only those in its autocomplete.
            queryset = queryset.filter(parent__isnull=False)
        return queryset, may_have_duplicates


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "product_count")
    search_fields = ("name",)
    ordering = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(number_of_products=Count("products"))

    @admin.display(description=_("number of products"), ordering="number_of_products")
    def product_count(self, tag: Tag) -> int:
        return tag.number_of_products


# --- Audit trails --------------------------------------------------------------------------------


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "sku", "delta", "stock_after", "reason", "reference", "actor")
    list_filter = ("reason",)
    search_fields = ("sku__merchant_code", "sku__product__name", "reference")
    list_select_related = ("sku__product", "actor__member")


@admin.register(ProductStatusChange)
class ProductStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "product", "from_status", "to_status", "actor", "reason")
    list_filter = ("to_status",)
    search_fields = ("product__name", "reason")
    list_select_related = ("product", "actor__member")
