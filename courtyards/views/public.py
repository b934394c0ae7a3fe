"""The pages a visitor's phone opens from a code: /q/<token>, buying a piece, booking a visit.

The scan page is rendered once and kept in the cache (courtyards.cache) for everyone: it holds
no personal data and no per-visitor token (its language switch is a link to a small page with
the form, so no CSRF token is made for a scan), so a scan is one Redis round trip and no SQL;
the scan itself is buffered (courtyards.scans). Unknown codes are counted per address (token
guessing) and answer the same friendly 404 as retired ones, which add a link to their courtyard.
"""

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_safe

from alliance.validators import mask_mobile
from courtyards import cache as page_cache
from courtyards import conf, limits, scans, selectors
from courtyards.forms import BookingForm, BuyForm, EstimateForm
from courtyards.models import (
    BookingStatus,
    CourtyardSale,
    DesignVisitBooking,
    Photo,
    QrCode,
    ScanSource,
)
from courtyards.services import purchases, visits
from courtyards.tokens import normalize_token
from livestreams.payments import provider_for
from livestreams.services.placement import Recipient

logger = logging.getLogger(__name__)

_cache_warned = False
PIECES_PER_PAGE = 24
DESIGNS_SHOWN = 12


def _masked_name(name: str) -> str:
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


def _send(request: HttpRequest, page: page_cache.CachedPage) -> HttpResponse:
    response = HttpResponse(page.html, status=page.status)
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _unknown(request: HttpRequest) -> HttpResponse:
    """The friendly 404 of an unknown code (counted: guessing tokens is slowed down)."""
    refusal = limits.check_miss(request)
    if refusal is not None:
        response = render(
            request, "public/courtyards/too_many.html", {"message": refusal.message}, status=429
        )
        response["Retry-After"] = str(refusal.retry_after)
        return response
    context = {"courtyard": None, "cached": True, "path": request.path}
    html = render_to_string("public/courtyards/not_found.html", context).encode()
    return _send(request, page_cache.CachedPage(404, html, None, None, None, None))


def _item_context(code: QrCode) -> dict[str, Any]:
    item = code.item
    photos = list(Photo.objects.filter(item=item).order_by("position", "pk"))
    others = list(selectors.public_items(code.courtyard_id).exclude(pk=item.pk)[:12])
    return {
        "item": item,
        "photos": photos,
        "others": others,
        "for_sale": selectors.is_for_sale(item),
        "price": item.unit_price(),
    }


def _design_context(code: QrCode) -> dict[str, Any]:
    design = code.design
    photos = list(Photo.objects.filter(design=design).order_by("position", "pk"))
    others = list(selectors.public_designs(code.courtyard_id).exclude(pk=design.pk)[:12])
    return {"design": design, "photos": photos, "others": others, "area_form": EstimateForm()}


def _render_scan(
    request: HttpRequest, token: str, versions: tuple[str, str]
) -> page_cache.CachedPage | None:
    code = selectors.qr_code_for_page(token)
    if code is None:
        return None
    courtyard = code.courtyard
    context = {
        "code": code,
        "courtyard": courtyard,
        "cached": True,
        "path": request.path,
    }
    hidden = (
        not courtyard.is_active
        or (code.design is not None and not code.design.is_active)
        or not courtyard.owner.is_active_member
    )
    if code.retired_at is not None or hidden:
        context["courtyard"] = courtyard if courtyard.is_active else None
        html = render_to_string("public/courtyards/not_found.html", context).encode()
        return page_cache.CachedPage(404, html, None, None, None, None, versions)
    if code.item_id is not None:
        context |= _item_context(code)
        template = "public/courtyards/item.html"
    else:
        context |= _design_context(code)
        template = "public/courtyards/design.html"
    html = render_to_string(template, context).encode()
    return page_cache.CachedPage(
        200, html, code.pk, code.courtyard_id, code.item_id, code.design_id, versions
    )


def _cached_page(
    request: HttpRequest, kind: str, token: str, render_page: Any
) -> page_cache.CachedPage | None:
    """The page from the cache, or rendered (and kept); None when the token names nothing."""
    global _cache_warned
    if conf.get("COURTYARD_PAGE_CACHE_SECONDS") <= 0:  # the cache is switched off
        return render_page(request, token, ("", ""))
    key = page_cache.page_key(kind, token, get_language() or "")
    try:
        page, versions = page_cache.read(key)
        usable = True
    except Exception:
        if not _cache_warned:
            logger.warning("courtyard page cache unavailable; rendering every page", exc_info=True)
            _cache_warned = True
        page, versions, usable = None, ("", ""), False
    if page is None:
        page = render_page(request, token, versions)
        if page is not None and usable:
            page_cache.store(key, page)
    return page


@require_safe
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """What a scanned code shows: the piece or the design, its courtyard's others."""
    normalized = normalize_token(token)
    page = _cached_page(request, "q", normalized, _render_scan) if normalized else None
    if page is None:
        return _unknown(request)
    if page.qr_code_id is not None:
        scans.record(
            qr_code_id=page.qr_code_id,
            courtyard_id=page.courtyard_id,  # type: ignore[arg-type]
            item_id=page.item_id,
            design_id=page.design_id,
            request=request,
            source=ScanSource.WEB,
        )
    return _send(request, page)


def _render_courtyard(
    request: HttpRequest, token: str, versions: tuple[str, str]
) -> page_cache.CachedPage | None:
    courtyard = selectors.public_courtyard(token)
    if courtyard is None or not courtyard.owner.is_active_member:
        return None
    items = Paginator(selectors.public_items(courtyard.pk), PIECES_PER_PAGE)
    context = {
        "courtyard": courtyard,
        "page": items.get_page(_page_number(request)),
        # A public courtyard shows a handful of models (the story's: four to six).
        "designs": list(selectors.public_designs(courtyard.pk)[:DESIGNS_SHOWN]),
        "cached": True,
        "path": request.path,
    }
    html = render_to_string("public/courtyards/courtyard.html", context).encode()
    return page_cache.CachedPage(200, html, None, courtyard.pk, None, None, versions)


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 1000 else 1


@require_safe
def courtyard_page(request: HttpRequest, token: str) -> HttpResponse:
    """A courtyard: its story, photos, pieces (a page at a time) and designs (where a retired
    code leads)."""
    normalized = normalize_token(token)
    kind = f"c{_page_number(request)}"
    page = _cached_page(request, kind, normalized, _render_courtyard) if normalized else None
    if page is None:
        return _unknown(request)
    return _send(request, page)


# --- Buying a piece ------------------------------------------------------------------------------


def _active_code(token: str, want: str) -> QrCode:
    """The active code of a piece (want="item") or a design shown to visitors; else 404."""
    normalized = normalize_token(token)
    code = selectors.qr_code_for_page(normalized) if normalized else None
    if code is None or code.retired_at is not None or not code.courtyard.is_active:
        raise Http404
    if getattr(code, f"{want}_id") is None:
        raise Http404
    if want == "design" and not code.design.is_active:
        raise Http404
    return code


def _refused(
    request: HttpRequest, template: str, context: dict, message: str, retry: int
) -> HttpResponse:
    context["form"].add_error(None, message)
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(retry)
    return response


@require_http_methods(["GET", "POST"])
def buy(request: HttpRequest, token: str) -> HttpResponse:
    """The short form that buys a piece: recipient and address (or pick-up), payment."""
    code = _active_code(token, "item")
    item = code.item
    template = "public/courtyards/buy.html"
    for_sale = selectors.is_for_sale(item)
    context: dict[str, Any] = {"code": code, "item": item, "courtyard": code.courtyard,
                               "for_sale": for_sale, "price": item.unit_price()}  # fmt: skip
    if request.method != "POST":
        context["form"] = BuyForm(item=item)
        return render(request, template, context, status=200 if for_sale else 409)
    form = context["form"] = BuyForm(request.POST, item=item)
    if form.is_robot():
        return render(request, "public/courtyards/refused.html", status=400)
    refusal = limits.check_post(request, "buy")
    if refusal is not None:
        return _refused(request, template, context, refusal.message, refusal.retry_after)
    if not form.is_valid():
        return render(request, template, context, status=400)
    refusal = limits.check_mobile(form.cleaned_data["mobile"], "buy")
    if refusal is not None:
        return _refused(request, template, context, refusal.message, refusal.retry_after)
    data = form.cleaned_data
    try:
        purchase = purchases.buy_item(
            item=item,
            recipient=Recipient(name=data["name"], mobile=data["mobile"], address=data["address"]),
            quantity=data["quantity"] or 1,
            pickup=data["pickup"],
            payment_method=data["payment_method"],
            buyer_note=data["note"],
            client_key=form.key(),
        )
    except purchases.SoldOutError:
        context["for_sale"] = False
        context["sold_now"] = True
        return render(request, template, context, status=409)
    except ValidationError as error:
        _attach(form, error)
        return render(request, template, context, status=400)
    return redirect("courtyards:receipt", receipt=purchase.sale.receipt_token)


def _attach(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_safe
def language(request: HttpRequest) -> HttpResponse:
    """The language switch of the cached pages (which carry no CSRF token): a form to choose."""
    back = request.GET.get("next", "")
    if not back.startswith(("/q/", "/c/")) or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    return render(request, "public/courtyards/language.html", {"back": back, "path": back})


@require_safe
def receipt(request: HttpRequest, receipt: str) -> HttpResponse:
    """The buyer's confirmation: order number, what to pay and how, masked details."""
    normalized = normalize_token(receipt)
    sale = get_object_or_404(
        CourtyardSale.objects.select_related("order", "item__courtyard__village__township"),
        receipt_token=normalized or "-",
    )
    order = sale.order
    provider = provider_for(order)
    context = {
        "sale": sale,
        "order": order,
        "item": sale.item,
        "courtyard": sale.item.courtyard,
        "instructions": provider.instructions(order) if provider else "",
        "payment_label": provider.label if provider else "",
        "masked_name": _masked_name(order.recipient_name),
        "masked_mobile": mask_mobile(order.recipient_mobile),
        "seller_order": order.seller_orders.first(),
        "back": sale.item.qr_codes.filter(retired_at__isnull=True).first(),
    }
    response = render(request, "public/courtyards/receipt.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- Design visits -------------------------------------------------------------------------------


@require_safe
def estimate(request: HttpRequest, token: str) -> HttpResponse:
    """The cost range for a courtyard's area (the page's script does the same without a trip)."""
    code = _active_code(token, "design")
    form = EstimateForm(request.GET or None)
    context: dict[str, Any] = {
        "code": code,
        "design": code.design,
        "courtyard": code.courtyard,
        "form": form,
    }
    if form.is_valid():
        area = form.cleaned_data["area"]
        context["area"] = area
        context["low"], context["high"] = selectors.estimate(code.design, area)
    return render(
        request,
        "public/courtyards/estimate.html",
        context,
        status=200 if form.is_valid() or not form.is_bound else 400,
    )


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, token: str) -> HttpResponse:
    """The booking form: name, mobile, address, area, and one of the designer's free times."""
    code = _active_code(token, "design")
    design = code.design
    slots = selectors.free_slots(design.designer_id)
    template = "public/courtyards/book.html"
    context: dict[str, Any] = {
        "code": code,
        "design": design,
        "courtyard": code.courtyard,
        "slots": slots,
    }
    if request.method != "POST":
        initial = {"area": request.GET.get("area", "")[:10]}
        context["form"] = BookingForm(slots=slots, initial=initial)
        return render(request, template, context)
    form = context["form"] = BookingForm(request.POST, slots=slots)
    if form.is_robot():
        return render(request, "public/courtyards/refused.html", status=400)
    refusal = limits.check_post(request, "book")
    if refusal is not None:
        return _refused(request, template, context, refusal.message, refusal.retry_after)
    if not form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data
    refusal = limits.check_mobile(data["mobile"], "book")
    if refusal is not None:
        return _refused(request, template, context, refusal.message, refusal.retry_after)
    visitor = visits.Visitor(name=data["name"], mobile=data["mobile"], address=data["address"],
                             area_sqm=data["area"], note=data["note"])  # fmt: skip
    try:
        booking, _created = visits.book_visit(
            design=design,
            starts_at=selectors.parse_slot_key(data["slot"]),
            visitor=visitor,
            client_key=form.key(),
        )
    except ValidationError as error:
        _attach(form, error)
        context["slots"] = selectors.free_slots(design.designer_id)
        form.fields["slot"].choices = BookingForm(slots=context["slots"]).fields["slot"].choices
        return render(
            request,
            template,
            context,
            status=409 if "slot" in getattr(error, "error_dict", {}) else 400,
        )
    return redirect("courtyards:visit", access=booking.access_token)


@require_safe
def visit(request: HttpRequest, access: str) -> HttpResponse:
    """The visitor's booking: reference, time, designer, what happened since (by its token)."""
    normalized = normalize_token(access)
    booking = get_object_or_404(
        DesignVisitBooking.objects.select_related(
            "slot", "designer", "design__courtyard__village__township"
        ),
        access_token=normalized or "-",
    )
    context = {
        "booking": booking,
        "design": booking.design,
        "courtyard": booking.design.courtyard,
        "events": list(booking.events.all()),
        "masked_mobile": mask_mobile(booking.visitor_mobile),
        "is_open": booking.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
        "back": booking.design.qr_codes.filter(retired_at__isnull=True).first(),
    }
    response = render(request, "public/courtyards/visit.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response
