"""Demo data of customer service, settlement and the numbers: months of orders for the charts,
after-sales tickets in every state, and settled statements.

- Orders (as if imported, written directly) from 2026-08-01 to 2026-11-15 on every channel,
  many sold in live sessions of 宋小赞, 毛美儿 and 应寅盈; and the partner county's products
  sold during the 2021 甘洛 campaigns. A few women of the 小阿莓 project sell their own
  strawberries, so the leaders' impact has something to show.
- Statements for 2021-11, 2021-12 and 2026-08 to 2026-10, confirmed and paid; a refund after
  the August statement was paid comes off October's as a late refund.
- Tickets in every state: new, in progress, waiting for the seller (林夏女, who can log in),
  resolved with a refund, declined, closed.
- Rates: each channel's platform fee and base commission; 宋小赞 pays no commission.

Everything is fixed (a seeded random generator, fixed dates); it runs after the alliance,
catalogue, federation and livestream demos. Running it again changes nothing: once its orders
exist it does nothing.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from alliance.models import Campaign, Member, MemberStatus, Project, User
from alliance.reports.selectors import Period
from livestreams.models import (
    AfterSalesStatus,
    AfterSalesTicket,
    Attribution,
    Channel,
    ChannelRate,
    LineStatus,
    LiveSession,
    LiveSessionStatus,
    MemberRate,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    SellerOrder,
    SellerOrderStatus,
    Statement,
    StatementStatus,
    Studio,
    TicketKind,
)
from livestreams.services import aftersales, settlement
from products.models import SKU, Category, Product, ProductStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
PREFIX = "DM"
SEED = 20260801
STAFF_USERNAME = "staff"
CHANNEL_WEIGHTS = {
    Channel.DOUYIN: 45,
    Channel.CHANNELS: 22,
    Channel.TAOBAO: 18,
    Channel.MINIPROGRAM: 12,
    Channel.COURTYARD_QR: 3,
}
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 7, 6, 5, 5, 6, 7, 9, 14, 16, 14, 9, 4]
# channel: (platform fee %, base commission %)
RATES = {
    Channel.DOUYIN: ("5.00", "3.00"),
    Channel.TAOBAO: ("5.00", "3.00"),
    Channel.CHANNELS: ("3.00", "3.00"),
    Channel.MINIPROGRAM: ("0.00", "2.00"),
    Channel.COURTYARD_QR: ("0.00", "0.00"),
}
SETTLED_MONTHS = [(2021, 11), (2021, 12), (2026, 8), (2026, 9), (2026, 10)]
STREAMERS = ("宋小赞", "毛美儿", "应寅盈")


def moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


# --- Generating orders ---------------------------------------------------------------------------


@dataclass
class Generated:
    orders: int = 0
    lines: int = 0


def _weighted(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _paid_at(
    rng: random.Random, start: date, end: date, sessions: list[LiveSession], channel: str
) -> tuple[datetime, LiveSession | None]:
    """A payment time: during one of the channel's sessions half the time, else any hour."""
    on_air = [s for s in sessions if s.platform == channel]
    if on_air and rng.random() < 0.5:
        session = rng.choice(on_air)
        span = (session.planned_end - session.planned_start).total_seconds()
        return session.planned_start + timedelta(seconds=rng.uniform(60, span - 60)), session
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    return moment(day, hour) + timedelta(seconds=rng.randrange(3600)), None


def _line_fate(rng: random.Random, paid_at: datetime, settled_by: datetime) -> tuple[str, str, str]:
    """(line status, after-sales status, refund kind): most lines done, some refunded."""
    roll = rng.random()
    if roll < 0.04:
        return LineStatus.CLOSED, AfterSalesStatus.REFUNDED, "full"
    if roll < 0.07:
        return LineStatus.COMPLETED, AfterSalesStatus.REFUNDED, "part"
    if paid_at < settled_by - timedelta(days=7):
        return LineStatus.COMPLETED, AfterSalesStatus.NONE, ""
    return rng.choice((LineStatus.SHIPPED, LineStatus.COMPLETED)), AfterSalesStatus.NONE, ""


def generate_orders(
    *,
    rng: random.Random,
    skus: list[SKU],
    start: date,
    end: date,
    count: int,
    prefix: str,
    sessions: list[LiveSession] = (),
    channels: dict | None = None,
    settled_by: datetime | None = None,
) -> Generated:
    """Writes `count` orders paid between start and end (as an import would have left them),
    with their seller orders and lines; returns how many orders and lines. The same generator
    state gives the same orders. Most are delivered; some are refunded, some cancelled unpaid.
    """
    settled_by = settled_by or moment(end, 23, 59)
    result = Generated()
    for first in range(0, count, 500):
        batch = [
            _order(rng, skus, start, end, list(sessions), channels or CHANNEL_WEIGHTS, settled_by)
            for _ in range(min(500, count - first))
        ]
        _write(batch, prefix, first, result)
    return result


@dataclass
class _Draft:
    order: Order
    lines: list[OrderLine]


def _order(
    rng: random.Random,
    skus: list[SKU],
    start: date,
    end: date,
    sessions: list[LiveSession],
    channels: dict,
    settled_by: datetime,
) -> _Draft:
    channel = _weighted(rng, channels)
    paid_at, session = _paid_at(rng, start, end, sessions, channel)
    chosen = rng.sample(skus, k=rng.choices((1, 2, 3), weights=(70, 22, 8))[0])
    unpaid = rng.random() < 0.03
    lines = []
    for sku in chosen:
        quantity = rng.choices((1, 2, 3), weights=(75, 20, 5))[0]
        total = sku.price * quantity
        status, after_sales, refund = _line_fate(rng, paid_at, settled_by)
        if unpaid:
            status, after_sales, refund = LineStatus.CLOSED, AfterSalesStatus.NONE, ""
        refunded = total if refund == "full" else (total * Decimal("0.3")).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        ) if refund == "part" else Decimal("0.00")  # fmt: skip
        lines.append(
            OrderLine(
                channel=channel,
                sku=sku,
                seller_id=sku.product.seller_id,
                merchant_code=sku.merchant_code,
                title=sku.product.name[:200],
                spec=sku.spec,
                quantity=quantity,
                unit_price=sku.price,
                line_total=total,
                refunded_amount=refunded,
                status=status,
                after_sales_status=after_sales,
                platform_after_sales="退款成功" if refund else "",
                shipped_at=paid_at + timedelta(hours=20) if status != LineStatus.CLOSED else None,
            )
        )
    paid = sum((line.line_total for line in lines), Decimal("0.00"))
    order = Order(
        channel=channel,
        live_session=session,
        attribution=Attribution.TIME_WINDOW if session else Attribution.NONE,
        recipient_name="张**",
        recipient_mobile="138****0000",
        recipient_province="浙江省",
        recipient_city="宁波市",
        paid_amount=Decimal("0.00") if unpaid else paid,
        ordered_at=paid_at - timedelta(minutes=2),
        paid_at=None if unpaid else paid_at,
        status=OrderStatus.CANCELLED if unpaid else _order_status(lines),
        payment_method=(
            PaymentMethod.CASH_ON_DELIVERY
            if channel in (Channel.MINIPROGRAM, Channel.COURTYARD_QR)
            else PaymentMethod.PLATFORM
        ),
        recipient_anonymised_at=settled_by,
    )
    return _Draft(order, lines)


def _order_status(lines: list[OrderLine]) -> str:
    from livestreams.services.imports import order_status

    return order_status([line.status for line in lines])


def _write(batch: list[_Draft], prefix: str, first: int, result: Generated) -> None:
    for index, draft in enumerate(batch):
        day = draft.order.ordered_at.astimezone(SHANGHAI)
        draft.order.platform_order_id = f"{prefix}{day:%Y%m%d}{first + index:07d}"
    orders = Order.objects.bulk_create([draft.order for draft in batch])
    seller_orders = []
    for draft, order in zip(batch, orders, strict=True):
        for seller_id, lines in _by_seller(draft.lines).items():
            seller_order = _seller_order(order, seller_id, lines)
            seller_orders.append((seller_order, lines))
    SellerOrder.objects.bulk_create([seller_order for seller_order, _lines in seller_orders])
    lines = []
    for seller_order, seller_lines in seller_orders:
        for position, line in enumerate(seller_lines, start=1):
            line.order = seller_order.order
            line.seller_order = seller_order
            order_id, seller_id = seller_order.order.platform_order_id, seller_order.seller_id
            line.line_key = f"{order_id}-{seller_id}-{position}"
            lines.append(line)
    OrderLine.objects.bulk_create(lines, batch_size=1000)
    result.orders += len(orders)
    result.lines += len(lines)


def _by_seller(lines: list[OrderLine]) -> dict[int, list[OrderLine]]:
    groups: dict[int, list[OrderLine]] = {}
    for line in lines:
        groups.setdefault(line.seller_id, []).append(line)
    return groups


def _seller_order(order: Order, seller_id: int, lines: list[OrderLine]) -> SellerOrder:
    open_lines = [line for line in lines if line.status != LineStatus.CLOSED]
    seller_order = SellerOrder(order=order, seller_id=seller_id)
    if order.paid_at is None or not open_lines:
        seller_order.status = SellerOrderStatus.CANCELLED
        return seller_order
    paid = order.paid_at
    seller_order.forwarded_at = paid + timedelta(minutes=3)
    seller_order.acknowledged_at = paid + timedelta(hours=2)
    seller_order.shipped_at = paid + timedelta(hours=20)
    seller_order.courier = "ZTO"
    seller_order.tracking_number = f"7{paid:%m%d%H%M%S}{seller_id:03d}"[:15]
    if all(line.status == LineStatus.COMPLETED for line in open_lines):
        seller_order.status = SellerOrderStatus.DELIVERED
        seller_order.delivered_at = paid + timedelta(days=3, hours=5)
    else:
        seller_order.status = SellerOrderStatus.SHIPPED
    return seller_order


# --- The demo ------------------------------------------------------------------------------------


def seed() -> dict[str, int]:
    """Loads the orders, tickets, rates and statements above once; later runs change nothing."""
    if not Order.objects.filter(platform_order_id__startswith=PREFIX).exists():
        with transaction.atomic():
            _seed()
    return {
        "orders": Order.objects.filter(platform_order_id__startswith=PREFIX).count(),
        "tickets": AfterSalesTicket.objects.count(),
        "statements": Statement.objects.count(),
        "paid statements": Statement.objects.filter(status=StatementStatus.PAID).count(),
    }


def _seed() -> None:
    rng = random.Random(SEED)  # noqa: S311 (demo data, fixed on purpose)
    staff = User.objects.filter(username=STAFF_USERNAME).first()
    _rates()
    skus = _catalogue()
    sessions = _sessions()
    generate_orders(
        rng=rng, skus=skus, start=date(2026, 8, 1), end=date(2026, 11, 15), count=2400,
        prefix=f"{PREFIX}A", sessions=sessions, settled_by=moment(date(2026, 11, 28), 12),
    )  # fmt: skip
    _campaign_orders(rng)
    done = {"status": LineStatus.COMPLETED, "after_sales_status": AfterSalesStatus.NONE}
    if staff is not None:
        _refund_ticket(staff, date(2026, 9, 3), date(2026, 9, 10), "草莓运输中压坏", done)
    for year, month in SETTLED_MONTHS[:-1]:
        _settle(year, month, staff)
    if staff is not None:
        # A refund on an August line whose statement was paid: it comes off October's.
        _refund_ticket(
            staff, date(2026, 8, 5), date(2026, 8, 20), "买家反映酒酿发酸", done, late=True
        )
    _settle(*SETTLED_MONTHS[-1], staff)
    if staff is not None:
        _story_tickets(staff, done)


def _rates() -> None:
    for channel, (fee, commission) in RATES.items():
        ChannelRate.objects.get_or_create(
            channel=channel,
            defaults={"platform_fee_rate": Decimal(fee), "commission_rate": Decimal(commission)},
        )
    leader = Member.objects.filter(name="宋小赞").first()
    if leader is not None:
        MemberRate.objects.get_or_create(
            member=leader,
            channel="",
            defaults={"commission_rate": Decimal("0.00"), "note": "领头雁，基地免收佣金"},
        )


def _catalogue() -> list[SKU]:
    """On-sale SKUs of the home county's sellers, and strawberries of women of 小阿莓."""
    _project_products()
    return list(
        SKU.objects.filter(
            is_active=True,
            product__status=ProductStatus.ON_SALE,
            product__is_partner_county=False,
            price__gt=0,
        )
        .select_related("product")
        .order_by("merchant_code")
    )


def _project_products() -> None:
    project = Project.objects.filter(name__contains="小阿莓").first()
    category = Category.objects.filter(name="草莓", parent__isnull=False).first()
    if project is None or category is None:
        return
    women = Member.objects.filter(
        participations__project=project, is_seller=True, status=MemberStatus.ACTIVE
    ).order_by("mobile")[:12]
    for index, woman in enumerate(women):
        product, _created = Product.objects.get_or_create(
            seller=woman,
            name=f"小阿莓 红颜草莓（{woman.name}家）",
            defaults={
                "category": category,
                "origin_village": woman.village,
                "unit": "盒",
                "status": ProductStatus.ON_SALE,
                "description": "尚田“小阿莓”农创联盟的姐妹自家大棚草莓，现摘现发。",
            },
        )
        SKU.objects.get_or_create(
            merchant_code=f"XAM-{index + 1:03d}",
            defaults={"product": product, "spec": "2斤装", "price": Decimal("68.00"), "stock": 50},
        )


def _sessions() -> list[LiveSession]:
    """Evening sessions twice a week from August to mid-November, by the three streamers."""
    streamers = {m.name: m for m in Member.objects.filter(name__in=STREAMERS, is_streamer=True)}
    studio, _created = Studio.objects.get_or_create(number=1, defaults={"name": "巾帼主播大厅"})
    platforms = (Channel.DOUYIN, Channel.CHANNELS, Channel.TAOBAO)
    sessions = []
    day, number = date(2026, 8, 2), 0
    while day <= date(2026, 11, 15) and streamers:
        name = STREAMERS[number % len(STREAMERS)]
        streamer = streamers.get(name) or next(iter(streamers.values()))
        start = moment(day, 19, 30)
        session, _created = LiveSession.objects.get_or_create(
            title=f"七彩巧妇好物直播 {day:%m月%d日}",
            planned_start=start,
            defaults={
                "studio": studio,
                "streamer": streamer,
                "platform": platforms[number % 3],
                "planned_end": start + timedelta(hours=2, minutes=30),
                "actual_start": start,
                "actual_end": start + timedelta(hours=2, minutes=30),
                "status": LiveSessionStatus.ENDED,
            },
        )
        sessions.append(session)
        day += timedelta(days=3 if number % 2 == 0 else 4)
        number += 1
    return sessions


def _campaign_orders(rng: random.Random) -> None:
    """The partner county's products sold during each 甘洛 campaign (in its sessions, mostly)."""
    for campaign in Campaign.objects.order_by("starts_on"):
        skus = list(
            SKU.objects.filter(product__in=campaign.products.all(), is_active=True, price__gt=0)
            .select_related("product")
            .order_by("merchant_code")
        )
        if not skus:
            continue
        sessions = list(campaign.live_sessions.all())
        generate_orders(
            rng=rng, skus=skus, start=campaign.starts_on, end=campaign.ends_on, count=260,
            prefix=f"{PREFIX}C{campaign.pk}", sessions=sessions,
            channels={Channel.DOUYIN: 50, Channel.CHANNELS: 35, Channel.MINIPROGRAM: 15},
            settled_by=moment(campaign.ends_on + timedelta(days=30), 12),
        )  # fmt: skip


def _settle(year: int, month: int, staff: User | None) -> None:
    """The month's statements, worked out on the 2nd, confirmed by the 5th, paid on the 8th."""
    period = Period.month(year, month)
    following = period.end + timedelta(days=1)
    settlement.make_statements(period=period, actor=staff, now=moment(following + timedelta(1), 9))
    for statement in Statement.objects.filter(period_start=period.start).select_related("seller"):
        settlement.confirm(
            statement=statement,
            member=statement.seller,
            now=moment(following + timedelta(days=4), 20),
        )
        if staff is not None:
            settlement.mark_paid(
                statement=statement,
                actor=staff,
                reference=f"ZH{following:%Y%m}{statement.pk:05d}",
                now=moment(following + timedelta(days=7), 10),
            )


def _demo_line(
    seller_name: str | None, start: date, end: date, **filters: object
) -> OrderLine | None:
    lines = OrderLine.objects.filter(
        order__platform_order_id__startswith=PREFIX,
        order__paid_at__gte=moment(start, 0),
        order__paid_at__lt=moment(end, 0),
        ticket_lines__isnull=True,
        **filters,
    )
    if seller_name:
        lines = lines.filter(seller__name=seller_name)
    return lines.order_by("pk").first()


def _refund_ticket(
    staff: User, start: date, end: date, subject: str, done: dict, *, late: bool = False
) -> None:
    line = _demo_line(None, start, end, **done)
    if line is None:
        return
    opened = moment(end + timedelta(days=2), 10) if not late else moment(date(2026, 10, 12), 10)
    ticket = aftersales.open_ticket(
        kind=TicketKind.REFUND_ONLY, subject=subject, lines=[line], actor=staff,
        description="买家来电，要求部分退款。", due_at=opened + timedelta(hours=24), now=opened,
    )  # fmt: skip
    aftersales.take(ticket=ticket, actor=staff, now=opened + timedelta(minutes=20))
    amount = (line.line_total / 2).quantize(Decimal("0.01"))
    aftersales.resolve(
        ticket=ticket, actor=staff, resolution=f"同意退款 {amount} 元",
        refunds={line.pk: amount}, now=opened + timedelta(hours=3),
    )  # fmt: skip
    if late:
        return
    aftersales.close(ticket=ticket, actor=staff, now=opened + timedelta(days=3))


def _story_tickets(staff: User, done: dict) -> None:
    november = (date(2026, 11, 8), date(2026, 11, 16))
    cases = [
        ("林夏女", TicketKind.RETURN_REFUND, "笋干受潮，买家要求退货退款", "waiting"),
        (None, TicketKind.REFUND_ONLY, "买家申请仅退款：少发一袋", "open"),
        (None, TicketKind.EXCHANGE, "尺码不合适，要求换货", "in_progress"),
        (None, TicketKind.COMPLAINT, "快递太慢，买家投诉", "declined"),
        (None, TicketKind.ENQUIRY, "咨询草莓何时再上架", "closed"),
    ]
    for index, (seller, kind, subject, state) in enumerate(cases):
        line = _demo_line(seller, *november, **done) or _demo_line(None, *november, **done)
        if line is None:
            continue
        opened = moment(date(2026, 11, 20 + index), 9, 30)
        ticket = aftersales.open_ticket(
            kind=kind, subject=subject, lines=[line], actor=staff,
            description="买家来电。", due_at=opened + timedelta(hours=24), now=opened,
        )  # fmt: skip
        _advance(ticket, staff, state, opened)


def _advance(ticket: AfterSalesTicket, staff: User, state: str, opened: datetime) -> None:
    if state == "open":
        return
    aftersales.take(ticket=ticket, actor=staff, now=opened + timedelta(minutes=15))
    aftersales.add_staff_note(
        ticket=ticket, actor=staff, text="已联系买家，核实情况中。", is_internal=True,
        now=opened + timedelta(minutes=30),
    )  # fmt: skip
    if state == "waiting":
        aftersales.add_staff_note(
            ticket=ticket, actor=staff, is_internal=False, ask_seller=True,
            text="您好，买家说笋干受潮了。请问发货时是否真空包装？方便的话拍张库存照片。",
            now=opened + timedelta(hours=1),
        )  # fmt: skip
    elif state == "declined":
        aftersales.decline(
            ticket=ticket, actor=staff, reason="物流延误属快递原因，已向买家解释并致歉。",
            now=opened + timedelta(hours=2),
        )  # fmt: skip
    elif state == "closed":
        aftersales.resolve(
            ticket=ticket, actor=staff, resolution="已告知买家：明年一月上架。",
            now=opened + timedelta(hours=1),
        )  # fmt: skip
        aftersales.close(ticket=ticket, actor=staff, now=opened + timedelta(days=1))
