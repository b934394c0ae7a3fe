"""Reads of the courtyards shared by the public pages, the API, the dashboard and staff pages."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from alliance.models import Member, MemberStatus, Village
from courtyards import conf
from courtyards.models import (
    BookingStatus,
    Courtyard,
    CourtyardDesign,
    CourtyardItem,
    CourtyardSale,
    DayOff,
    DesignVisitBooking,
    ItemStatus,
    Photo,
    QrCode,
    ScanEvent,
    VisitSlot,
    WeeklySlot,
)
from products.models import ProductStatus

OTHER_PIECES_SHOWN = 12

# --- The public pages ----------------------------------------------------------------------------


def qr_code_for_page(token: str) -> QrCode | None:
    """A code by its token with everything its page shows joined (one query); None if unknown."""
    return (
        QrCode.objects.select_related(
            "courtyard__village__township",
            "courtyard__owner",
            "item__sku__product",
            "design__designer",
        )
        .filter(token=token)
        .first()
    )


def _active_token(**outer: str) -> Subquery:
    codes = QrCode.objects.filter(
        retired_at__isnull=True, **{k: OuterRef(v) for k, v in outer.items()}
    )
    return Subquery(codes.values("token")[:1])


def _first_thumbnail(**outer: str) -> Subquery:
    photos = Photo.objects.filter(**{k: OuterRef(v) for k, v in outer.items()}).order_by(
        "position", "pk"
    )
    return Subquery(photos.values("thumbnail_small")[:1])


def public_items(courtyard_id: int) -> QuerySet[CourtyardItem]:
    """A courtyard's pieces on display (sold ones last), each with its code and first photo."""
    return (
        CourtyardItem.objects.filter(courtyard_id=courtyard_id)
        .select_related("sku__product")
        .annotate(
            token=_active_token(item="pk"),
            thumbnail=_first_thumbnail(item="pk"),
        )
        .alias(sold_last=Case(When(status=ItemStatus.SOLD, then=Value(1)), default=Value(0)))
        .order_by("sold_last", "position", "pk")
    )


def public_designs(courtyard_id: int) -> QuerySet[CourtyardDesign]:
    """A courtyard's designs shown to visitors, each with its code and first photo."""
    return (
        CourtyardDesign.objects.filter(courtyard_id=courtyard_id, is_active=True)
        .select_related("designer")
        .annotate(token=_active_token(design="pk"), thumbnail=_first_thumbnail(design="pk"))
        .order_by("position", "pk")
    )


def public_courtyard(token: str) -> Courtyard | None:
    """A courtyard shown to visitors, by its page token, with its photos (two queries)."""
    return (
        Courtyard.objects.filter(public_token=token, is_active=True)
        .select_related("village__township", "owner")
        .prefetch_related(
            Prefetch(
                "photos",
                queryset=Photo.objects.filter(item__isnull=True, design__isnull=True),
                to_attr="own_photos",
            )
        )
        .first()
    )


def is_for_sale(item: CourtyardItem) -> bool:
    """Whether a piece can be bought now: for sale, and for a catalogue plant, on sale in stock."""
    if item.status != ItemStatus.AVAILABLE:
        return False
    if item.sku_id is None:
        return True
    sku = item.sku
    return bool(sku.is_active and sku.stock > 0 and sku.product.status == ProductStatus.ON_SALE)


# --- Design visits: free slots -------------------------------------------------------------------


@dataclass(frozen=True)
class FreeSlot:
    starts_at: datetime
    ends_at: datetime
    left: int

    @property
    def key(self) -> str:
        """The slot as forms and the API name it: its local start, e.g. 2026-12-05T09:00."""
        return timezone.localtime(self.starts_at).strftime("%Y-%m-%dT%H:%M")


def parse_slot_key(value: str) -> datetime | None:
    """An aware datetime from a slot key; None when it is not one."""
    try:
        naive = datetime.strptime((value or "").strip()[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return timezone.make_aware(naive)


def booking_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The first and last moment a visit may start when booked now."""
    now = now or timezone.now()
    first = now + timedelta(hours=conf.get("COURTYARD_BOOKING_LEAD_HOURS"))
    last_day = timezone.localdate(now) + timedelta(days=conf.get("COURTYARD_BOOKING_DAYS"))
    last = timezone.make_aware(datetime.combine(last_day, datetime.max.time()))
    return first, last


def _starts(day: date, rule: WeeklySlot) -> datetime:
    return timezone.make_aware(datetime.combine(day, rule.start_time))


def free_slots(designer_id: int, *, now: datetime | None = None) -> list[FreeSlot]:
    """A designer's slots that can still be booked, soonest first (three queries)."""
    rules = list(WeeklySlot.objects.filter(designer_id=designer_id))
    if not rules:
        return []
    first, last = booking_window(now)
    days_off = set(
        DayOff.objects.filter(
            designer_id=designer_id, date__range=(first.date(), last.date())
        ).values_list("date", flat=True)
    )
    taken = {
        slot.starts_at: slot
        for slot in VisitSlot.objects.filter(
            designer_id=designer_id, starts_at__range=(first, last)
        )
    }
    slots = []
    day = timezone.localdate(first)
    while day <= timezone.localdate(last):
        if day not in days_off:
            for rule in rules:
                if rule.weekday != day.weekday():
                    continue
                starts = _starts(day, rule)
                if not first <= starts <= last:
                    continue
                slot = taken.get(starts)
                left = (slot.capacity - slot.booked) if slot else rule.capacity
                if left > 0:
                    ends = starts + timedelta(minutes=rule.duration_minutes)
                    slots.append(FreeSlot(starts, ends, left))
        day += timedelta(days=1)
    return sorted(slots, key=lambda slot: slot.starts_at)


def offered_rule(
    designer_id: int, starts_at: datetime, *, now: datetime | None = None
) -> WeeklySlot | None:
    """The weekly slot a start time belongs to if that time can be booked now; else None."""
    first, last = booking_window(now)
    if not first <= starts_at <= last:
        return None
    local = timezone.localtime(starts_at)
    rule = WeeklySlot.objects.filter(
        designer_id=designer_id, weekday=local.weekday(), start_time=local.time()
    ).first()
    if rule is None or DayOff.objects.filter(designer_id=designer_id, date=local.date()).exists():
        return None
    return rule


def estimate(design: CourtyardDesign, area_sqm: Decimal) -> tuple[Decimal, Decimal]:
    """What a design costs for a courtyard of this area, from and to, in yuan."""
    cent = Decimal("0.01")
    return (
        (design.price_min_per_sqm * area_sqm).quantize(cent),
        (design.price_max_per_sqm * area_sqm).quantize(cent),
    )


# --- The seller dashboard ------------------------------------------------------------------------


def owner_courtyards(member: Member) -> QuerySet[Courtyard]:
    """A member's courtyards with their village and how many pieces and designs each has."""
    return (
        Courtyard.objects.filter(owner=member)
        .select_related("village__township")
        .annotate(
            item_count=Count("items", distinct=True),
            available_count=Count(
                "items", filter=Q(items__status=ItemStatus.AVAILABLE), distinct=True
            ),
            design_count=Count("designs", distinct=True),
        )
        .order_by("name", "pk")
    )


def owner_summary(member: Member) -> dict[str, int]:
    """How many courtyards she has, and pieces in them in all and for sale (one query)."""
    return Courtyard.objects.filter(owner=member).aggregate(
        courtyards=Count("pk", distinct=True),
        pieces=Count("items"),
        available=Count("items", filter=Q(items__status=ItemStatus.AVAILABLE)),
    )


def owner_items(member: Member) -> QuerySet[CourtyardItem]:
    """Pieces of a member's courtyards (another seller's are not there), with code and photo."""
    return (
        CourtyardItem.objects.filter(courtyard__owner=member)
        .select_related("courtyard", "sku__product")
        .annotate(token=_active_token(item="pk"), thumbnail=_first_thumbnail(item="pk"))
        .order_by("position", "pk")
    )


def owner_designs(member: Member) -> QuerySet[CourtyardDesign]:
    """Designs in a member's courtyards, with designer, code and first photo."""
    return (
        CourtyardDesign.objects.filter(courtyard__owner=member)
        .select_related("courtyard", "designer")
        .annotate(token=_active_token(design="pk"), thumbnail=_first_thumbnail(design="pk"))
        .order_by("position", "pk")
    )


def designer_bookings(member: Member) -> QuerySet[DesignVisitBooking]:
    """A designer's bookings, with their slot and design, the next visit first."""
    return (
        DesignVisitBooking.objects.filter(designer=member)
        .select_related("slot", "design__courtyard__village__township")
        .order_by("slot__starts_at", "pk")
    )


def designer_booking_counts(member: Member) -> dict[str, int]:
    """How many of her bookings wait for her, are confirmed and still to come (one query)."""
    now = timezone.now()
    return DesignVisitBooking.objects.filter(designer=member).aggregate(
        requested=Count("pk", filter=Q(status=BookingStatus.REQUESTED)),
        upcoming=Count("pk", filter=Q(status=BookingStatus.CONFIRMED, slot__starts_at__gte=now)),
    )


def active_designers() -> QuerySet[Member]:
    return Member.objects.filter(is_designer=True, status=MemberStatus.ACTIVE).order_by("name")


def qr_codes_for_labels(courtyard_ids: list[int]) -> list[QrCode]:
    """The active codes of courtyards with what a label prints, in courtyard and list order."""
    return list(
        QrCode.objects.filter(courtyard_id__in=courtyard_ids, retired_at__isnull=True)
        .select_related("courtyard__village", "item__sku", "design")
        .order_by(
            "courtyard__name",
            "courtyard_id",
            "design_id",
            Coalesce("item__position", "design__position"),
            "item_id",
            "pk",
        )
    )


# --- Figures: scans and what they turned into ----------------------------------------------------


def _since(days: int | None) -> datetime | None:
    return timezone.now() - timedelta(days=days) if days else None


def _count(queryset: QuerySet, group: str, since: datetime | None, time_field: str) -> Subquery:
    if since is not None:
        queryset = queryset.filter(**{f"{time_field}__gte": since})
    counted = queryset.filter(**{group: OuterRef("pk")}).order_by().values(group)
    return Coalesce(
        Subquery(counted.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
        Value(0),
    )


def _sales() -> QuerySet[CourtyardSale]:
    return CourtyardSale.objects.filter(released_at__isnull=True)


def _bookings() -> QuerySet[DesignVisitBooking]:
    return DesignVisitBooking.objects.exclude(status=BookingStatus.CANCELLED)


def item_figures(items: QuerySet[CourtyardItem], days: int | None) -> QuerySet[CourtyardItem]:
    """Pieces with their scans and orders (placed from their code) in the last days, or ever."""
    since = _since(days)
    return items.annotate(
        scan_count=_count(ScanEvent.objects.all(), "item", since, "scanned_at"),
        order_count=_count(_sales(), "item", since, "created_at"),
    )


def design_figures(
    designs: QuerySet[CourtyardDesign], days: int | None
) -> QuerySet[CourtyardDesign]:
    """Designs with their scans and bookings in the last days, or ever."""
    since = _since(days)
    return designs.annotate(
        scan_count=_count(ScanEvent.objects.all(), "design", since, "scanned_at"),
        booking_count=_count(_bookings(), "design", since, "created_at"),
    )


def courtyard_figures(courtyards: QuerySet[Courtyard], days: int | None) -> QuerySet[Courtyard]:
    """Courtyards with their scans, orders and bookings in the last days, or ever."""
    since = _since(days)
    return courtyards.annotate(
        scan_count=_count(ScanEvent.objects.all(), "courtyard", since, "scanned_at"),
        order_count=_count(_sales(), "item__courtyard", since, "created_at"),
        booking_count=_count(_bookings(), "design__courtyard", since, "created_at"),
    )


def village_figures(days: int | None) -> QuerySet[Village]:
    """Villages that have courtyards, with their scans, orders and bookings (most scanned first)."""
    since = _since(days)
    return (
        Village.objects.filter(courtyards__isnull=False)
        .distinct()
        .select_related("township")
        .annotate(
            courtyard_total=Subquery(
                Courtyard.objects.filter(village=OuterRef("pk"))
                .order_by()
                .values("village")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            scan_count=_count(ScanEvent.objects.all(), "courtyard__village", since, "scanned_at"),
            order_count=_count(_sales(), "item__courtyard__village", since, "created_at"),
            booking_count=_count(_bookings(), "design__courtyard__village", since, "created_at"),
        )
        .order_by("-scan_count", "township__name", "name")
    )


def totals(courtyards: QuerySet[Courtyard]) -> dict[str, int]:
    """Scans, orders and bookings of some courtyards added up (one query)."""
    figures = courtyards.aggregate(
        scans=Coalesce(Sum("scan_count"), 0),
        orders=Coalesce(Sum("order_count"), 0),
        bookings=Coalesce(Sum("booking_count"), 0),
    )
    return figures
