"""The seller dashboard's catalogue pages: her products, and the page where she edits one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from alliance.access import member_required
from alliance.models import Member
from products import selectors, services
from products.forms import (
    LIST_FILTERS,
    LOW_STOCK,
    PhotoUploadForm,
    ProductDetailsForm,
    SKUForm,
    StatusForm,
)
from products.models import Product, ProductImage, ProductStatus

PRODUCTS_PER_PAGE = 20


def _own_product(member: Member, product_id: int) -> Product:
    """Her product with its SKUs and photos; another seller's id is simply not found."""
    return get_object_or_404(selectors.seller_products(member), pk=product_id)


def _edit_url(product: Product, anchor: str = "") -> str:
    url = reverse("seller:product", kwargs={"product_id": product.pk})
    return f"{url}#{anchor}" if anchor else url


def _attach(form: Form, error: ValidationError) -> None:
    """Puts a service's refusal next to the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _status_actions(product: Product) -> list[dict[str, str]]:
    """The status buttons her product offers: on sale, or off the shelf (never back to draft)."""
    allowed = services.PRODUCT_TRANSITIONS.get(product.status, set())
    actions = []
    if ProductStatus.ON_SALE in allowed:
        again = product.status == ProductStatus.OFF_SHELF
        label = _("Put on sale again") if again else _("Put on sale")
        actions.append({"status": ProductStatus.ON_SALE, "label": label})
    if ProductStatus.OFF_SHELF in allowed and product.status == ProductStatus.ON_SALE:
        actions.append(
            {
                "status": ProductStatus.OFF_SHELF,
                "label": _("Take off the shelf"),
                "confirm": _("Take “%(name)s” off the shelf? Shoppers will no longer see it.")
                % {"name": product.name},
            }
        )
    return actions


def _edit_page(
    request: HttpRequest,
    product: Product,
    *,
    details_form: ProductDetailsForm | None = None,
    sku_forms: list[SKUForm] | None = None,
    photo_form: PhotoUploadForm | None = None,
) -> HttpResponse:
    images = list(product.images.all())
    context = {
        "product": product,
        "images": images,
        "details_form": details_form or ProductDetailsForm.for_product(product),
        "sku_forms": sku_forms or [SKUForm(sku=sku) for sku in product.skus.all()],
        "photo_form": photo_form or PhotoUploadForm(photo_count=len(images)),
        "status_actions": _status_actions(product),
    }
    return render(request, "seller/products/edit.html", context)


@member_required
def product_list(request: HttpRequest) -> HttpResponse:
    """Her products, latest changed first, a page at a time, filtered by status or low stock."""
    member = request.member
    current = request.GET.get("status", "")
    if current not in LIST_FILTERS:
        current = ""
    products = selectors.seller_products(member)
    if current == LOW_STOCK:
        products = products.filter(has_low_stock=True)
    elif current:
        products = products.filter(status=current)
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    counts = selectors.seller_product_counts(member)
    filters = [
        {"value": "", "label": _("All"), "count": counts["all"]},
        *(
            {"value": status.value, "label": capfirst(status.label), "count": counts[status.value]}
            for status in (ProductStatus.ON_SALE, ProductStatus.OFF_SHELF, ProductStatus.DRAFT)
        ),
        {"value": LOW_STOCK, "label": _("Running low"), "count": counts[LOW_STOCK]},
    ]
    context = {
        "page": page,
        "filters": filters,
        "current": current,
        "query": f"status={current}" if current else "",
        "has_products": counts["all"] > 0,
    }
    return render(request, "seller/products/list.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    """Her product's name, unit, description, and each SKU's price and counted stock."""
    product = _own_product(request.member, product_id)
    if request.method != "POST":
        return _edit_page(request, product)
    details_form = ProductDetailsForm.for_product(product, request.POST)
    sku_forms = [SKUForm(request.POST, sku=sku) for sku in product.skus.all()]
    # Every form is validated, so each shows its own errors.
    if all([form.is_valid() for form in (details_form, *sku_forms)]):  # noqa: C419
        details = details_form.changes(product)
        sku_changes = {form.sku: form.changes() for form in sku_forms}
        if not details and not any(sku_changes.values()):
            messages.info(request, _("Nothing was changed."))
            return redirect(_edit_url(product))
        try:
            services.save_product_edits(
                product=product, actor=request.user, details=details, sku_changes=sku_changes
            )
        except ValidationError as error:
            _attach(details_form, error)
        else:
            name = details.get("name", product.name)
            messages.success(request, _("“%(name)s” is saved.") % {"name": name})
            return redirect(_edit_url(product))
    return _edit_page(request, product, details_form=details_form, sku_forms=sku_forms)


def _refusal(upload_name: str, error: ValidationError) -> str:
    return _("%(file)s: %(problem)s") % {
        "file": upload_name[:60],
        "problem": " ".join(error.messages),
    }


@member_required
def product_photos_add(request: HttpRequest, product_id: int) -> HttpResponse:
    """Adds one or several photos; each refused file is named with the reason, the rest kept."""
    product = _own_product(request.member, product_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = PhotoUploadForm(request.POST, request.FILES, photo_count=len(product.images.all()))
    if form.is_valid():
        added = 0
        for upload in form.cleaned_data["photos"]:
            try:
                services.add_product_image(product=product, upload=upload, alt_text=product.name)
            except ValidationError as error:
                form.add_error("photos", _refusal(upload.name, error))
            else:
                added += 1
        if added:
            message = ngettext("%(count)d photo added.", "%(count)d photos added.", added)
            messages.success(request, message % {"count": added})
        if not form.errors:
            return redirect(_edit_url(product, "photos"))
        product = _own_product(request.member, product_id)
    return _edit_page(request, product, photo_form=form)


@member_required
def product_photo_remove(request: HttpRequest, product_id: int, image_id: int) -> HttpResponse:
    """Removes one photo of her product."""
    image = get_object_or_404(
        ProductImage.objects.select_related("product"),
        pk=image_id,
        product_id=product_id,
        product__seller=request.member,
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.remove_product_image(image=image)
    messages.success(request, _("The photo is removed."))
    return redirect(_edit_url(image.product, "photos"))


@member_required
def product_status(request: HttpRequest, product_id: int) -> HttpResponse:
    """Puts her product on sale or takes it off the shelf, as the catalogue's rules allow."""
    product = get_object_or_404(Product, pk=product_id, seller=request.member)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose on sale or off the shelf."))
        return redirect(_edit_url(product))
    try:
        product = services.set_product_status(
            product=product, to_status=form.cleaned_data["status"], actor=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if product.status == ProductStatus.ON_SALE:
            text = _("“%(name)s” is on sale.")
        else:
            text = _("“%(name)s” is off the shelf. Shoppers no longer see it.")
        messages.success(request, text % {"name": product.name})
    return redirect(_edit_url(product))
