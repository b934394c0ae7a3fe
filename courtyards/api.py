"""The mini-program's API for the courtyards and its own orders (/api/v1/).

- GET  qr/{token}/           what a scanned code points to (a scan is recorded);
- GET  qr/{token}/slots/     a design's free visit times;
- POST qr/{token}/orders/    buy the piece (channel courtyard_qr);
- POST qr/{token}/bookings/  book a design visit;
- POST orders/               the mini-program's own order of catalogue SKUs (channel miniprogram).

Every POST needs an Idempotency-Key header: the same key again answers the first result (200
instead of 201) and never places or books a second time; the same key for a different request
is refused (422). Orders go through the order spine (livestreams.services.placement) like every
other order. Errors are the API's JSON errors (config.api); the codes are a contract.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alliance.validators import mask_mobile
from config.api import ErrorSerializer, error_body
from courtyards import limits, qr, scans, selectors
from courtyards.models import (
    CourtyardDesign,
    CourtyardItem,
    DesignVisitBooking,
    Photo,
    QrCode,
    ScanSource,
)
from courtyards.serializers import (
    BookingRequestSerializer,
    BookingSerializer,
    CatalogueOrderRequestSerializer,
    CodeSerializer,
    OrderSerializer,
    PlantOrderRequestSerializer,
    SlotListSerializer,
)
from courtyards.services import purchases, visits
from courtyards.tokens import normalize_token
from livestreams.models import Channel, Order
from livestreams.payments import provider_for
from livestreams.services.placement import Item, Recipient, place_order
from products.models import SKU

KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 60

# --- Errors and their documentation --------------------------------------------------------------


def error(
    code: str,
    message: str,
    status: int,
    details: dict | None = None,
    retry_after: int | None = None,
) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return Response(error_body(code, message, details), status=status, headers=headers)


def _example(name: str, code: str, message: str, details: dict | None = None) -> OpenApiExample:
    return OpenApiExample(name, value=error_body(code, message, details), response_only=True)


def _documented(status: int, description: Any, *examples: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description, examples=list(examples))


ERRORS: dict[int, OpenApiResponse] = {
    400: _documented(
        400,
        gettext_lazy("A parameter is not valid, or the Idempotency-Key header is missing."),
        _example(
            "invalid",
            "invalid",
            "部分参数无效，详见 details。",
            {"recipient": ["请输入以1开头的11位大陆手机号码，例如 13812345678。"]},
        ),
        _example(
            "idempotency_key_required",
            "idempotency_key_required",
            "请在 Idempotency-Key 请求头中附上本次请求的唯一编号（1–60 个字符）。",
        ),
    ),
    404: _documented(
        404,
        gettext_lazy(
            "No such code; or the code is retired (its label was replaced), then the "
            "details name its courtyard."
        ),
        _example("not_found", "not_found", "未找到。"),
        _example(
            "retired",
            "retired",
            "这个二维码已停用。",
            {"courtyard": {"name": "石优琴的杜鹃庭院", "url": "https://fulian.example.cn/c/7Q4…"}},
        ),
    ),
    405: _documented(
        405,
        gettext_lazy("This method is not allowed here."),
        _example("method_not_allowed", "method_not_allowed", "方法 “PUT” 不被允许。"),
    ),
    409: _documented(
        409,
        gettext_lazy("Sold out (the piece, or a SKU's stock), or the visit time was just taken."),
        _example("sold_out", "sold_out", "已售出，有人比您早一步买下了这件。"),
        _example("slot_taken", "slot_taken", "这个时间刚被预约了，请选择其他时间。"),
    ),
    422: _documented(
        422,
        gettext_lazy("The Idempotency-Key was already used for a different request."),
        _example("key_reused", "key_reused", "这个请求编号已用于另一笔购买。"),
    ),
    429: _documented(
        429,
        gettext_lazy(
            "Too many requests from this address or for this mobile number; the "
            "Retry-After header says when to retry."
        ),
        _example(
            "throttled",
            "throttled",
            "您所在网络的尝试次数太多，请 10 分钟后再试。",
            {"retry_after": 600},
        ),
    ),
}


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: ERRORS[status] for status in sorted({*statuses, 405, 429})}


KEY_PARAMETER = OpenApiParameter(
    KEY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=gettext_lazy(
        "A key the client makes for this request (1–60 characters, e.g. a UUID) and sends again "
        "when it retries: the first result is answered again (200) and nothing is done twice."
    ),
)


def _service_error(exc: ValidationError) -> Response:
    if hasattr(exc, "error_dict"):
        details = {
            field: [str(m) for m in messages] for field, messages in exc.message_dict.items()
        }
        code = next(iter(e.code for errors_ in exc.error_dict.values() for e in errors_), None)
        if code in ("slot_taken", "sold_out"):
            return error(code, " ".join(exc.messages), 409)
        return error("invalid", _("Some parameters are not valid; see details."), 400, details)
    code = exc.code or "invalid"
    if code == "sold_out":
        return error("sold_out", " ".join(exc.messages), 409)
    return error(code, " ".join(exc.messages), 400)


def _throttled(refusal: limits.Refusal) -> Response:
    return error(
        "throttled", refusal.message, 429, {"retry_after": refusal.retry_after}, refusal.retry_after
    )


def _key(request: Request) -> str | None:
    key = (request.headers.get(KEY_HEADER) or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        return None
    return f"api:{key}"


def _key_missing() -> Response:
    return error(
        "idempotency_key_required",
        _("Send a key for this request in the Idempotency-Key header (1–60 characters)."),
        400,
    )


# --- Shapes --------------------------------------------------------------------------------------


def _absolute(request: Request, url: str) -> str:
    return request.build_absolute_uri(url)


def _photos(request: Request, photos: QuerySet[Photo]) -> list[dict[str, Any]]:
    return [
        {
            "small": _absolute(request, photo.thumbnail_small.url),
            "medium": _absolute(request, photo.thumbnail_medium.url),
            "full": _absolute(request, photo.image.url),
            "width": photo.width,
            "height": photo.height,
        }
        for photo in photos.order_by("position", "pk")
    ]


def _courtyard(request: Request, code: QrCode) -> dict[str, Any]:
    courtyard = code.courtyard
    village = courtyard.village
    return {
        "name": courtyard.name,
        "is_public": courtyard.is_public,
        "owner": courtyard.owner.name,
        "village": village,
        "url": _absolute(
            request, reverse("courtyards:courtyard", kwargs={"token": courtyard.public_token})
        ),
    }


def _thumbnail(request: Request, name: str | None) -> str | None:
    from django.core.files.storage import default_storage

    return _absolute(request, default_storage.url(name)) if name else None


def _item(request: Request, item: CourtyardItem) -> dict[str, Any]:
    return {
        "name": item.name,
        "description": item.description,
        "price": item.unit_price(),
        "status": item.status,
        "is_one_of_a_kind": item.is_one_of_a_kind,
        "for_sale": selectors.is_for_sale(item),
        "photos": _photos(request, Photo.objects.filter(item=item)),
    }


def _design(request: Request, design: CourtyardDesign) -> dict[str, Any]:
    return {
        "name": design.name,
        "style": design.style,
        "style_label": design.get_style_display(),
        "description": design.description,
        "materials": design.materials,
        "price_per_sqm": {"min": design.price_min_per_sqm, "max": design.price_max_per_sqm},
        "designer": design.designer.name,
        "photos": _photos(request, Photo.objects.filter(design=design)),
    }


def _neighbours(request: Request, code: QrCode) -> list[dict[str, Any]]:
    if code.item_id is not None:
        items = selectors.public_items(code.courtyard_id).exclude(pk=code.item_id)[:12]
        return [
            {
                "token": item.token,
                "name": item.name,
                "label": qr.yuan(item.unit_price()),
                "status": item.status,
                "thumbnail": _thumbnail(request, item.thumbnail),
            }
            for item in items
            if item.token
        ]
    designs = selectors.public_designs(code.courtyard_id).exclude(pk=code.design_id)[:12]
    return [
        {
            "token": design.token,
            "name": design.name,
            "label": design.get_style_display(),
            "status": None,
            "thumbnail": _thumbnail(request, design.thumbnail),
        }
        for design in designs
        if design.token
    ]


def _code_data(request: Request, code: QrCode) -> dict[str, Any]:
    return {
        "token": code.token,
        "kind": "item" if code.item_id else "design",
        "url": _absolute(request, reverse("courtyards:scan", kwargs={"token": code.token})),
        "courtyard": _courtyard(request, code),
        "item": _item(request, code.item) if code.item_id else None,
        "design": _design(request, code.design) if code.design_id else None,
        "others": _neighbours(request, code),
    }


def _order_data(request: Request, order: Order) -> dict[str, Any]:
    provider = provider_for(order)
    sale = getattr(order, "courtyard_sale", None) if order.channel == Channel.COURTYARD_QR else None
    name = order.recipient_name
    return {
        "order_number": order.platform_order_id,
        "channel": order.channel,
        "status": order.status,
        "total": order.paid_amount,
        "payment": {
            "method": order.payment_method,
            "label": provider.label if provider else "",
            "instructions": provider.instructions(order) if provider else "",
        },
        "lines": [
            {
                "title": line.title,
                "spec": line.spec,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_total": line.line_total,
            }
            for line in order.lines.order_by("pk")
        ],
        "recipient": {
            "name": (name[:1] + "*" * max(1, len(name) - 1)) if name else "",
            "mobile": mask_mobile(order.recipient_mobile),
        },
        "pickup": bool(sale and sale.is_pickup),
        "receipt_url": _absolute(
            request, reverse("courtyards:receipt", kwargs={"receipt": sale.receipt_token})
        )
        if sale
        else None,
    }


def _booking_data(request: Request, booking: DesignVisitBooking) -> dict[str, Any]:
    return {
        "reference": booking.reference,
        "status": booking.status,
        "starts_at": booking.slot.starts_at,
        "ends_at": booking.slot.ends_at,
        "design": booking.design.name,
        "designer": booking.designer.name,
        "area_sqm": booking.area_sqm,
        "estimate": {"min": booking.estimate_min, "max": booking.estimate_max},
        "mobile": mask_mobile(booking.visitor_mobile),
        "page_url": _absolute(
            request, reverse("courtyards:visit", kwargs={"access": booking.access_token})
        ),
    }


# --- Looking codes up ----------------------------------------------------------------------------


def _lookup(token: str) -> tuple[QrCode | None, Response | None]:
    """The code shown to visitors, or the 404 to answer (retired codes name their courtyard)."""
    normalized = normalize_token(token)
    code = selectors.qr_code_for_page(normalized) if normalized else None
    if code is None or not code.courtyard.is_active or not code.courtyard.owner.is_active_member:
        return None, error("not_found", _("Not found."), 404)
    if code.retired_at is not None or (code.design_id and not code.design.is_active):
        return None, None
    return code, None


def _retired(request: Request, token: str) -> Response:
    code = selectors.qr_code_for_page(normalize_token(token) or "")
    courtyard = (
        {"name": code.courtyard.name, "url": _courtyard(request, code)["url"]} if code else {}
    )
    return error("retired", _("This code is no longer in use."), 404, {"courtyard": courtyard})


def _active(request: Request, token: str, kind: str) -> tuple[QrCode | None, Response | None]:
    code, refusal = _lookup(token)
    if refusal is not None:
        return None, refusal
    if code is None:
        return None, _retired(request, token)
    if getattr(code, f"{kind}_id") is None:
        return None, error("not_found", _("Not found."), 404)
    return code, None


class CourtyardApiView(APIView):
    permission_classes = [AllowAny]


EXAMPLE_CODE = "7Q4M2K9XD5R8T1VBN3C6H0WZJA"
CODE_EXAMPLE = {
    "token": EXAMPLE_CODE,
    "kind": "item",
    "url": f"https://fulian.example.cn/q/{EXAMPLE_CODE}",
    "courtyard": {
        "name": "石优琴的杜鹃庭院",
        "is_public": False,
        "owner": "石优琴",
        "village": {"id": 1, "name": "金峨村", "township": "西坞街道"},
        "url": "https://fulian.example.cn/c/K2M9Q4XD7R8T1VBN3C6H0WZJA5",
    },
    "item": {
        "name": "金峨老桩杜鹃盆景",
        "description": "三十年老桩，春天开满粉白双色花。",
        "price": "1680.00",
        "status": "available",
        "is_one_of_a_kind": True,
        "for_sale": True,
        "photos": [
            {
                "small": "https://fulian.example.cn/media/courtyards/3f9c.jpg",
                "medium": "https://fulian.example.cn/media/courtyards/8a1d.jpg",
                "full": "https://fulian.example.cn/media/courtyards/c41e.jpg",
                "width": 1600,
                "height": 1200,
            }
        ],
    },
    "design": None,
    "others": [
        {
            "token": "M9Q4XD7R8T1VBN3C6H0WZJA5K2",
            "name": "五针松小品盆景",
            "label": "¥268.00",
            "status": "available",
            "thumbnail": "https://fulian.example.cn/media/courtyards/9e0f.jpg",
        }
    ],
}


@extend_schema(
    tags=["courtyards"],
    summary=gettext_lazy("What a scanned code points to"),
    description=gettext_lazy(
        "The piece or the design behind a QR code, its photos, its courtyard (the owner's name and "
        "village, never a phone) and the courtyard's other pieces or designs. Counts as a scan in "
        "the owner's figures. A retired code answers 404 with the code retired and its courtyard."
    ),
    responses={200: CodeSerializer, **errors(404)},
    examples=[
        OpenApiExample(
            "piece", summary=gettext_lazy("A piece"), value=CODE_EXAMPLE, response_only=True
        )
    ],
)
class CodeView(CourtyardApiView):
    def get(self, request: Request, token: str) -> Response:
        code, refusal = _active(request, token, "courtyard")
        if refusal is not None:
            return refusal
        scans.record(
            qr_code_id=code.pk,
            courtyard_id=code.courtyard_id,
            item_id=code.item_id,
            design_id=code.design_id,
            request=request,
            source=ScanSource.MINIPROGRAM,
        )
        return Response(CodeSerializer(_code_data(request, code)).data)


SLOTS_EXAMPLE = {
    "designer": "陈巧燕",
    "slots": [
        {
            "slot": "2026-12-05T09:00",
            "starts_at": "2026-12-05T09:00:00+08:00",
            "ends_at": "2026-12-05T11:00:00+08:00",
            "places_left": 1,
        },
        {
            "slot": "2026-12-05T14:00",
            "starts_at": "2026-12-05T14:00:00+08:00",
            "ends_at": "2026-12-05T16:00:00+08:00",
            "places_left": 2,
        },
    ],
}


@extend_schema(
    tags=["courtyards"],
    summary=gettext_lazy("A design's free visit times"),
    description=gettext_lazy(
        "The designer's times that can still be booked, from a few hours ahead to three weeks "
        "ahead, soonest first (not paged: the window bounds the list). Send `slot` back to book."
    ),
    responses={200: SlotListSerializer, **errors(404)},
    examples=[
        OpenApiExample(
            "slots", summary=gettext_lazy("Free times"), value=SLOTS_EXAMPLE, response_only=True
        )
    ],
)
class SlotsView(CourtyardApiView):
    def get(self, request: Request, token: str) -> Response:
        code, refusal = _active(request, token, "design")
        if refusal is not None:
            return refusal
        slots = [
            {
                "slot": slot.key,
                "starts_at": slot.starts_at,
                "ends_at": slot.ends_at,
                "places_left": slot.left,
            }
            for slot in selectors.free_slots(code.design.designer_id)
        ]
        return Response(
            SlotListSerializer({"designer": code.design.designer.name, "slots": slots}).data
        )


RECIPIENT_EXAMPLE = {
    "name": "王小红",
    "mobile": "13912345678",
    "province": "浙江省",
    "city": "宁波市",
    "district": "奉化区",
    "address": "岳林街道中山路 88 号",
}
ORDER_EXAMPLE = {
    "order_number": "QR202612050012345678",
    "channel": "courtyard_qr",
    "status": "paid",
    "total": "1680.00",
    "payment": {
        "method": "cash_on_delivery",
        "label": "货到付款",
        "instructions": "包裹送到时向卖家支付 1680.00 元。",
    },
    "lines": [
        {
            "title": "金峨老桩杜鹃盆景",
            "spec": "庭院单品",
            "quantity": 1,
            "unit_price": "1680.00",
            "line_total": "1680.00",
        }
    ],
    "recipient": {"name": "王**", "mobile": "139****5678"},
    "pickup": False,
    "receipt_url": "https://fulian.example.cn/q/receipt/H0WZJA5K2M9Q4XD7R8T1VBN3C6",
}


def _order_response(request: Request, order: Order, created: bool) -> Response:
    order = Order.objects.select_related("courtyard_sale").get(pk=order.pk)
    return Response(
        OrderSerializer(_order_data(request, order)).data, status=201 if created else 200
    )


@extend_schema(
    tags=["courtyards"],
    summary=gettext_lazy("Buy the piece behind a code"),
    description=gettext_lazy(
        "Places an order for the piece on the channel courtyard_qr, forwarded to its owner like "
        "every order; payment on delivery or by bank transfer. A one-of-a-kind piece is sold once: "
        "when two people buy it at the same moment one gets 201 and the other 409 sold_out. "
        "Retrying with the same Idempotency-Key answers the same order with 200."
    ),
    parameters=[KEY_PARAMETER],
    request=PlantOrderRequestSerializer,
    responses={
        201: OpenApiResponse(OrderSerializer, description=gettext_lazy("The order is placed.")),
        200: OpenApiResponse(
            OrderSerializer, description=gettext_lazy("A retry: the order placed before.")
        ),
        **errors(400, 404, 409, 422),
    },
    examples=[
        OpenApiExample(
            "buy",
            summary=gettext_lazy("Delivered, cash on delivery"),
            value={
                "recipient": RECIPIENT_EXAMPLE,
                "pickup": False,
                "quantity": 1,
                "payment_method": "cash_on_delivery",
                "note": "请包好花盆",
            },
            request_only=True,
        ),
        OpenApiExample(
            "order", summary=gettext_lazy("The order"), value=ORDER_EXAMPLE, response_only=True
        ),
    ],
)
class PlantOrderView(CourtyardApiView):
    def post(self, request: Request, token: str) -> Response:
        key = _key(request)
        if key is None:
            return _key_missing()
        code, refusal = _active(request, token, "item")
        if refusal is not None:
            return refusal
        refused = limits.check_post(request, "buy")
        if refused is not None:
            return _throttled(refused)
        serializer = PlantOrderRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        refused = limits.check_mobile(data["recipient"]["mobile"], "buy")
        if refused is not None:
            return _throttled(refused)
        try:
            purchase = purchases.buy_item(
                item=code.item,
                recipient=Recipient(**data["recipient"]),
                quantity=data["quantity"],
                pickup=data["pickup"],
                payment_method=data["payment_method"],
                buyer_note=data["note"],
                client_key=key,
            )
        except purchases.KeyReusedError as exc:
            return error("key_reused", " ".join(exc.messages), 422)
        except purchases.SoldOutError as exc:
            return error("sold_out", " ".join(exc.messages), 409)
        except ValidationError as exc:
            return _service_error(exc)
        return _order_response(request, purchase.sale.order, purchase.created)


BOOKING_EXAMPLE = {
    "reference": "K7Q2M9XD",
    "status": "requested",
    "starts_at": "2026-12-05T09:00:00+08:00",
    "ends_at": "2026-12-05T11:00:00+08:00",
    "design": "竹影新中式小院",
    "designer": "陈巧燕",
    "area_sqm": "60.0",
    "estimate": {"min": "48000.00", "max": "72000.00"},
    "mobile": "139****5678",
    "page_url": "https://fulian.example.cn/q/visit/W2J8K4M6P0Q3R5T7V9X1Y3Z5A7",
}


@extend_schema(
    tags=["courtyards"],
    summary=gettext_lazy("Book an on-site design visit"),
    description=gettext_lazy(
        "Books one of the design's designer's free times (see …/slots/). A time is never booked "
        "more often than the designer can visit: the last place taken at the same moment answers "
        "409 slot_taken to the later request. The visitor gets the reference by SMS; the designer "
        "is told. Retrying with the same Idempotency-Key answers the same booking with 200."
    ),
    parameters=[KEY_PARAMETER],
    request=BookingRequestSerializer,
    responses={
        201: OpenApiResponse(BookingSerializer, description=gettext_lazy("The visit is booked.")),
        200: OpenApiResponse(
            BookingSerializer, description=gettext_lazy("A retry: the booking made before.")
        ),
        **errors(400, 404, 409, 422),
    },
    examples=[
        OpenApiExample(
            "book",
            summary=gettext_lazy("A booking"),
            value={
                "name": "王小红",
                "mobile": "13912345678",
                "address": "岳林街道中山路 88 号",
                "area_sqm": "60",
                "slot": "2026-12-05T09:00",
                "note": "院子朝南",
            },
            request_only=True,
        ),
        OpenApiExample(
            "booking",
            summary=gettext_lazy("The booking"),
            value=BOOKING_EXAMPLE,
            response_only=True,
        ),
    ],
)
class BookingView(CourtyardApiView):
    def post(self, request: Request, token: str) -> Response:
        key = _key(request)
        if key is None:
            return _key_missing()
        code, refusal = _active(request, token, "design")
        if refusal is not None:
            return refusal
        refused = limits.check_post(request, "book")
        if refused is not None:
            return _throttled(refused)
        serializer = BookingRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        refused = limits.check_mobile(data["mobile"], "book")
        if refused is not None:
            return _throttled(refused)
        starts_at = selectors.parse_slot_key(data["slot"])
        if starts_at is None:
            return error(
                "invalid",
                _("Some parameters are not valid; see details."),
                400,
                {"slot": [_("Choose a time from the list of free times.")]},
            )
        visitor = visits.Visitor(
            name=data["name"],
            mobile=data["mobile"],
            address=data["address"],
            area_sqm=data["area_sqm"],
            note=data["note"],
        )
        try:
            booking, created = visits.book_visit(
                design=code.design, starts_at=starts_at, visitor=visitor, client_key=key
            )
        except purchases.KeyReusedError as exc:
            return error("key_reused", " ".join(exc.messages), 422)
        except visits.SlotTakenError as exc:
            return error("slot_taken", " ".join(exc.messages), 409)
        except ValidationError as exc:
            return _service_error(exc)
        booking = DesignVisitBooking.objects.select_related("slot", "design", "designer").get(
            pk=booking.pk
        )
        return Response(
            BookingSerializer(_booking_data(request, booking)).data, status=201 if created else 200
        )


def _same_request(order: Order, lines: list[dict[str, int]]) -> bool:
    placed = sorted(order.lines.values_list("sku_id", "quantity"))
    return placed == sorted((line["sku"], line["quantity"]) for line in lines)


@extend_schema(
    tags=["orders"],
    summary=gettext_lazy("Order catalogue products (the mini-program's own orders)"),
    description=gettext_lazy(
        "Places an order of catalogue SKUs on the channel miniprogram: stock is reserved at once, "
        "the order is split by seller and forwarded like every order; payment on delivery or by "
        "bank transfer. A SKU not on sale answers 400 not_on_sale, stock that is not there 409 "
        "sold_out; nothing is ordered then. Retrying with the same Idempotency-Key answers the "
        "same order with 200; the same key with other items answers 422."
    ),
    parameters=[KEY_PARAMETER],
    request=CatalogueOrderRequestSerializer,
    responses={
        201: OpenApiResponse(OrderSerializer, description=gettext_lazy("The order is placed.")),
        200: OpenApiResponse(
            OrderSerializer, description=gettext_lazy("A retry: the order placed before.")
        ),
        **errors(400, 409, 422),
    },
    examples=[
        OpenApiExample(
            "order",
            summary=gettext_lazy("Two products"),
            value={
                "items": [{"sku": 2048, "quantity": 2}, {"sku": 3011, "quantity": 1}],
                "recipient": RECIPIENT_EXAMPLE,
                "payment_method": "bank_transfer",
                "note": "",
            },
            request_only=True,
        ),
        OpenApiExample(
            "placed",
            summary=gettext_lazy("The order"),
            value={
                **ORDER_EXAMPLE,
                "order_number": "MP202612050098765432",
                "channel": "miniprogram",
                "total": "187.90",
                "receipt_url": None,
                "lines": [
                    {
                        "title": "尚田红颜草莓",
                        "spec": "2斤礼盒",
                        "quantity": 2,
                        "unit_price": "69.00",
                        "line_total": "138.00",
                    },
                    {
                        "title": "溪口千层饼",
                        "spec": "原味 2盒",
                        "quantity": 1,
                        "unit_price": "49.90",
                        "line_total": "49.90",
                    },
                ],
            },
            response_only=True,
        ),
    ],
)
class CatalogueOrderView(CourtyardApiView):
    def post(self, request: Request) -> Response:
        key = _key(request)
        if key is None:
            return _key_missing()
        refused = limits.check_post(request, "order")
        if refused is not None:
            return _throttled(refused)
        serializer = CatalogueOrderRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        existing = Order.objects.filter(channel=Channel.MINIPROGRAM, client_key=key).first()
        if existing is not None:
            if not _same_request(existing, data["items"]):
                return error(
                    "key_reused", _("This request key was already used for another order."), 422
                )
            return _order_response(request, existing, created=False)
        refused = limits.check_mobile(data["recipient"]["mobile"], "order")
        if refused is not None:
            return _throttled(refused)
        skus = SKU.objects.in_bulk([line["sku"] for line in data["items"]])
        missing = [line["sku"] for line in data["items"] if line["sku"] not in skus]
        if missing:
            return error(
                "invalid",
                _("Some parameters are not valid; see details."),
                400,
                {"items": [_("There is no SKU %(id)s.") % {"id": pk} for pk in missing]},
            )
        try:
            order, created = place_order(
                channel=Channel.MINIPROGRAM,
                items=[
                    Item(sku=skus[line["sku"]], quantity=line["quantity"]) for line in data["items"]
                ],
                recipient=Recipient(**data["recipient"]),
                payment_method=data["payment_method"],
                buyer_note=data["note"],
                client_key=key,
            )
        except ValidationError as exc:
            return _service_error(exc)
        return _order_response(request, order, created)
