"""The seller dashboard's courtyard pages: my courtyards, pieces and designs (add, photograph,
price, mark sold), their QR codes and label sheets, and my scan figures.

Every object is looked up through its owner: another seller's ids answer 404.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.access import member_required
from alliance.models import Member
from courtyards import labels, qr, selectors
from courtyards.forms import CourtyardForm, DesignForm, ItemForm, ItemStatusForm, PhotoForm
from courtyards.models import Courtyard, CourtyardDesign, CourtyardItem, ItemStatus, Photo
from courtyards.services import courtyards as services

PER_PAGE = 20
PERIODS = {"30": 30, "90": 90, "all": None}


def _attach(form: Any, error: ValidationError) -> None:
    """Puts a service's refusal next to the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _owner(request: HttpRequest) -> Member:
    member = request.member
    if not member.is_courtyard_owner:
        raise PermissionDenied
    return member


def _own_courtyard(member: Member, courtyard_id: int) -> Courtyard:
    return get_object_or_404(
        Courtyard.objects.select_related("village__township"), pk=courtyard_id, owner=member
    )


def _own_item(member: Member, item_id: int) -> CourtyardItem:
    return get_object_or_404(selectors.owner_items(member), pk=item_id)


def _own_design(member: Member, design_id: int) -> CourtyardDesign:
    return get_object_or_404(selectors.owner_designs(member), pk=design_id)


def _page(request: HttpRequest, queryset: QuerySet, name: str = "page") -> Any:
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get(name))


# --- Courtyards ---------------------------------------------------------------------------------


@member_required
@require_GET
def courtyard_list(request: HttpRequest) -> HttpResponse:
    """Her courtyards with their counts; links to bookings and figures."""
    member = request.member
    context = {
        "page": _page(request, selectors.owner_courtyards(member)),
        "member": member,
    }
    return render(request, "seller/courtyards/list.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def courtyard_add(request: HttpRequest) -> HttpResponse:
    """A new courtyard: name, village, private or public, story."""
    member = _owner(request)
    form = CourtyardForm(request.POST or None, owner=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            courtyard = services.create_courtyard(
                owner=member,
                village=data["village"],
                name=data["name"],
                kind=data["kind"],
                story=data["story"],
                directions=data["directions"],
                latitude=data["latitude"],
                longitude=data["longitude"],
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("“%(name)s” is added.") % {"name": courtyard.name})
            return redirect("seller:courtyard", courtyard_id=courtyard.pk)
    return render(request, "seller/courtyards/courtyard_form.html", {"form": form})


def _courtyard_page(
    request: HttpRequest,
    courtyard: Courtyard,
    form: CourtyardForm | None = None,
    photo_form: PhotoForm | None = None,
) -> HttpResponse:
    member = request.member
    items = selectors.owner_items(member).filter(courtyard=courtyard)
    context = {
        "courtyard": courtyard,
        "form": form or CourtyardForm(instance=courtyard, owner=member),
        "photo_form": photo_form or PhotoForm(),
        "photos": list(Photo.objects.filter(courtyard=courtyard, item=None, design=None)),
        "page": _page(request, items),
        "designs": list(selectors.owner_designs(member).filter(courtyard=courtyard)),
        "status_filter": request.GET.get("status", ""),
    }
    return render(request, "seller/courtyards/courtyard.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def courtyard_detail(request: HttpRequest, courtyard_id: int) -> HttpResponse:
    """One of her courtyards: its details (editable), photos, pieces and designs."""
    member = _owner(request)
    courtyard = _own_courtyard(member, courtyard_id)
    if request.method != "POST":
        return _courtyard_page(request, courtyard)
    form = CourtyardForm(request.POST, instance=courtyard, owner=member)
    if form.is_valid():
        fields = {
            name: form.cleaned_data[name]
            for name in ("name", "kind", "story", "directions", "latitude", "longitude")
        }
        try:
            services.update_courtyard(courtyard=courtyard, **fields)
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("“%(name)s” is saved.") % {"name": fields["name"]})
            return redirect("seller:courtyard", courtyard_id=courtyard.pk)
    courtyard.refresh_from_db()
    return _courtyard_page(request, courtyard, form=form)


def _add_photo(request: HttpRequest, courtyard: Courtyard, **target: Any) -> PhotoForm | None:
    """Adds the uploaded photo; returns the form with its error when refused, else None."""
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_photo(courtyard=courtyard, upload=form.cleaned_data["photo"], **target)
        except ValidationError as error:
            form.add_error("photo", error)
        else:
            messages.success(request, _("The photo is added, without its location data."))
            return None
    return form


@member_required
@require_POST
def courtyard_photos(request: HttpRequest, courtyard_id: int) -> HttpResponse:
    courtyard = _own_courtyard(_owner(request), courtyard_id)
    form = _add_photo(request, courtyard)
    if form is None:
        return redirect(reverse("seller:courtyard", args=[courtyard.pk]) + "#photos")
    return _courtyard_page(request, courtyard, photo_form=form)


def _remove_photo(request: HttpRequest, photo: Photo) -> None:
    services.remove_photo(photo=photo)
    messages.success(request, _("The photo is removed."))


@member_required
@require_POST
def courtyard_photo_remove(request: HttpRequest, courtyard_id: int, photo_id: int) -> HttpResponse:
    member = _owner(request)
    photo = get_object_or_404(
        Photo,
        pk=photo_id,
        courtyard_id=courtyard_id,
        courtyard__owner=member,
        item=None,
        design=None,
    )
    _remove_photo(request, photo)
    return redirect(reverse("seller:courtyard", args=[courtyard_id]) + "#photos")


@member_required
@require_GET
def labels_pdf(request: HttpRequest, courtyard_id: int) -> HttpResponse:
    """The courtyard's label sheet: every active code, twelve a page, ready to print."""
    courtyard = _own_courtyard(_owner(request), courtyard_id)
    base = qr.base_url(request)
    codes = selectors.qr_codes_for_labels([courtyard.pk])
    pdf = labels.sheet([qr.label_for(code, base) for code in codes], title=courtyard.name)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-{courtyard.pk}.pdf"'
    return response


# --- Pieces -------------------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def item_add(request: HttpRequest, courtyard_id: int) -> HttpResponse:
    """A new piece: a one-of-a-kind plant with its price, or one of her catalogue SKUs."""
    member = _owner(request)
    courtyard = _own_courtyard(member, courtyard_id)
    form = ItemForm(request.POST or None, owner=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.add_item(
                courtyard=courtyard,
                name=data["name"],
                description=data["description"],
                price=data["price"],
                sku=data["sku"],
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(
                request, _("“%(name)s” is added with its QR code.") % {"name": item.name}
            )
            return redirect("seller:courtyard_item", item_id=item.pk)
    return render(
        request, "seller/courtyards/item_form.html", {"form": form, "courtyard": courtyard}
    )


def _item_page(
    request: HttpRequest,
    item: CourtyardItem,
    form: ItemForm | None = None,
    photo_form: PhotoForm | None = None,
) -> HttpResponse:
    context = {
        "item": item,
        "courtyard": item.courtyard,
        "form": form or ItemForm(owner=request.member, item=item),
        "photo_form": photo_form or PhotoForm(),
        "photos": list(Photo.objects.filter(item=item)),
        "status_actions": _status_actions(item),
        "scan_url": qr.page_url(item.token, qr.base_url(request)) if item.token else "",
        "sales": list(item.sales.select_related("order").order_by("-created_at")[:5]),
    }
    return render(request, "seller/courtyards/item.html", context)


def _status_actions(item: CourtyardItem) -> list[dict[str, str]]:
    labels_by_status = {
        ItemStatus.AVAILABLE: _("Put on sale again")
        if item.status == ItemStatus.SOLD
        else _("For sale"),
        ItemStatus.RESERVED: _("Reserve it"),
        ItemStatus.SOLD: _("Mark as sold"),
    }
    return [
        {"status": status, "label": labels_by_status[status]}
        for status in services.ITEM_TRANSITIONS[item.status]
    ]


@member_required
@require_http_methods(["GET", "POST"])
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    """One piece: name, story and price (editable), photos, status, its QR code."""
    item = _own_item(_owner(request), item_id)
    if request.method != "POST":
        return _item_page(request, item)
    form = ItemForm(request.POST, owner=request.member, item=item)
    if form.is_valid():
        fields = {
            "name": form.cleaned_data["name"],
            "description": form.cleaned_data["description"],
        }
        if item.sku_id is None:
            fields["price"] = form.cleaned_data["price"]
        try:
            services.update_item(item=item, **fields)
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("“%(name)s” is saved.") % {"name": fields["name"]})
            return redirect("seller:courtyard_item", item_id=item.pk)
    return _item_page(request, item, form=form)


@member_required
@require_POST
def item_status(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _own_item(_owner(request), item_id)
    form = ItemStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("seller:courtyard_item", item_id=item.pk)
    try:
        item = services.set_item_status(
            item=item, to_status=form.cleaned_data["status"], actor=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("“%(name)s” is now: %(status)s.")
            % {"name": item.name, "status": item.get_status_display()},
        )
    return redirect("seller:courtyard_item", item_id=item.pk)


@member_required
@require_POST
def item_photos(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _own_item(_owner(request), item_id)
    form = _add_photo(request, item.courtyard, item=item, alt_text=item.name)
    if form is None:
        return redirect(reverse("seller:courtyard_item", args=[item.pk]) + "#photos")
    return _item_page(request, item, photo_form=form)


@member_required
@require_POST
def item_photo_remove(request: HttpRequest, item_id: int, photo_id: int) -> HttpResponse:
    photo = get_object_or_404(Photo, pk=photo_id, item_id=item_id, courtyard__owner=_owner(request))
    _remove_photo(request, photo)
    return redirect(reverse("seller:courtyard_item", args=[item_id]) + "#photos")


@member_required
@require_POST
def item_rotate(request: HttpRequest, item_id: int) -> HttpResponse:
    """The label was lost: its code stops working and a new one is issued to print."""
    item = _own_item(_owner(request), item_id)
    services.rotate_qr_code(item=item)
    messages.success(
        request,
        _("A new QR code is issued. Print it; the old label now says it is no longer in use."),
    )
    return redirect(reverse("seller:courtyard_item", args=[item.pk]) + "#code")


def _code_file(
    request: HttpRequest, token: str | None, thing: Any, courtyard: Courtyard, fmt: str
) -> HttpResponse:
    if not token:
        return HttpResponse(status=404)
    code = selectors.qr_code_for_page(token)
    label = qr.label_for(code, qr.base_url(request))
    if fmt == "svg":
        response = HttpResponse(qr.svg(label), content_type="image/svg+xml; charset=utf-8")
    else:
        response = HttpResponse(qr.png(label), content_type="image/png")
    if request.GET.get("download"):
        response["Content-Disposition"] = (
            f'attachment; filename="qr-{courtyard.pk}-{thing.pk}.{fmt}"'
        )
    return response


@member_required
@require_GET
def item_code(request: HttpRequest, item_id: int, fmt: str) -> HttpResponse:
    """The piece's active code as a print-quality PNG or SVG, its name and price under it."""
    item = _own_item(_owner(request), item_id)
    return _code_file(request, item.token, item, item.courtyard, fmt)


# --- Designs ------------------------------------------------------------------------------------


def _public_courtyard(member: Member, courtyard_id: int) -> Courtyard:
    courtyard = _own_courtyard(member, courtyard_id)
    if not courtyard.is_public:
        raise PermissionDenied
    return courtyard


def _design_fields(form: DesignForm) -> dict[str, Any]:
    names = ("name", "style", "designer", "description", "materials", "price_min_per_sqm",
             "price_max_per_sqm")  # fmt: skip
    return {name: form.cleaned_data[name] for name in names}


@member_required
@require_http_methods(["GET", "POST"])
def design_add(request: HttpRequest, courtyard_id: int) -> HttpResponse:
    """A new design model in her public courtyard, with its designer and price range."""
    member = _owner(request)
    courtyard = _public_courtyard(member, courtyard_id)
    form = DesignForm(request.POST or None, designers=selectors.active_designers())
    if request.method == "POST" and form.is_valid():
        try:
            design = services.add_design(courtyard=courtyard, **_design_fields(form))
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(
                request, _("“%(name)s” is added with its QR code.") % {"name": design.name}
            )
            return redirect("seller:courtyard_design", design_id=design.pk)
    return render(
        request, "seller/courtyards/design_form.html", {"form": form, "courtyard": courtyard}
    )


def _design_page(
    request: HttpRequest,
    design: CourtyardDesign,
    form: DesignForm | None = None,
    photo_form: PhotoForm | None = None,
) -> HttpResponse:
    context = {
        "design": design,
        "courtyard": design.courtyard,
        "form": form or DesignForm(designers=selectors.active_designers(), design=design),
        "photo_form": photo_form or PhotoForm(),
        "photos": list(Photo.objects.filter(design=design)),
        "scan_url": qr.page_url(design.token, qr.base_url(request)) if design.token else "",
    }
    return render(request, "seller/courtyards/design.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def design_detail(request: HttpRequest, design_id: int) -> HttpResponse:
    design = _own_design(_owner(request), design_id)
    if request.method != "POST":
        return _design_page(request, design)
    form = DesignForm(request.POST, designers=selectors.active_designers(), design=design)
    if form.is_valid():
        try:
            services.update_design(
                design=design, is_active=form.cleaned_data["is_active"], **_design_fields(form)
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(
                request, _("“%(name)s” is saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("seller:courtyard_design", design_id=design.pk)
    return _design_page(request, design, form=form)


@member_required
@require_POST
def design_photos(request: HttpRequest, design_id: int) -> HttpResponse:
    design = _own_design(_owner(request), design_id)
    form = _add_photo(request, design.courtyard, design=design, alt_text=design.name)
    if form is None:
        return redirect(reverse("seller:courtyard_design", args=[design.pk]) + "#photos")
    return _design_page(request, design, photo_form=form)


@member_required
@require_POST
def design_photo_remove(request: HttpRequest, design_id: int, photo_id: int) -> HttpResponse:
    photo = get_object_or_404(
        Photo, pk=photo_id, design_id=design_id, courtyard__owner=_owner(request)
    )
    _remove_photo(request, photo)
    return redirect(reverse("seller:courtyard_design", args=[design_id]) + "#photos")


@member_required
@require_POST
def design_rotate(request: HttpRequest, design_id: int) -> HttpResponse:
    design = _own_design(_owner(request), design_id)
    services.rotate_qr_code(design=design)
    messages.success(
        request,
        _("A new QR code is issued. Print it; the old label now says it is no longer in use."),
    )
    return redirect(reverse("seller:courtyard_design", args=[design.pk]) + "#code")


@member_required
@require_GET
def design_code(request: HttpRequest, design_id: int, fmt: str) -> HttpResponse:
    design = _own_design(_owner(request), design_id)
    return _code_file(request, design.token, design, design.courtyard, fmt)


# --- My scan figures ----------------------------------------------------------------------------


def period(request: HttpRequest) -> tuple[str, int | None]:
    """The period the figures cover: ?days=30 (the default), 90 or all."""
    chosen = request.GET.get("days", "30")
    if chosen not in PERIODS:
        chosen = "30"
    return chosen, PERIODS[chosen]


@member_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """Her scans and what they turned into, per courtyard, piece and design."""
    member = _owner(request)
    chosen, days = period(request)
    courtyards = selectors.courtyard_figures(Courtyard.objects.filter(owner=member), days)
    items = selectors.item_figures(selectors.owner_items(member), days).order_by(
        "-scan_count", "pk"
    )
    designs = selectors.design_figures(selectors.owner_designs(member), days).order_by(
        "-scan_count", "pk"
    )
    context = {
        "period": chosen,
        "periods": [("30", _("30 days")), ("90", _("90 days")), ("all", _("All time"))],
        "courtyards": list(courtyards.select_related("village__township").order_by("name", "pk")),
        "totals": selectors.totals(courtyards),
        "page": _page(request, items),
        "designs": _page(request, designs, "designs"),
        "query": f"days={chosen}",
    }
    return render(request, "seller/courtyards/figures.html", context)
