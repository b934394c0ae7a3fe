"""What the seller's order desk changes besides the seller order's own transitions: her dashboard
notifications read, and a filled-in desk file shipped all or nothing."""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.models import Member, User
from livestreams import couriers
from livestreams.desk_files import COURIER, ORDER_ID, TRACKING_NUMBER
from livestreams.models import Notification, NotificationChannel, SellerOrder
from livestreams.services import fulfilment


def mark_read(*, seller_order: SellerOrder, member: Member) -> int:
    """Marks read her unread dashboard notifications of this seller order; repeat calls change
    nothing. Returns how many were marked."""
    if seller_order.seller_id != member.pk:
        return 0
    return Notification.objects.filter(
        seller_order=seller_order, channel=NotificationChannel.DASHBOARD, read_at=None
    ).update(read_at=timezone.now())


@dataclass
class FileShipResult:
    """How a desk file went: parcels shipped, or every bad row (and then nothing shipped)."""

    parcels: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


@transaction.atomic
def ship_from_file(
    *,
    rows: list[tuple[int, dict[str, str]]],
    row_errors: list[dict[str, Any]],
    seller: Member,
    actor: User,
) -> FileShipResult:
    """Ships her parcels named in her desk file, all or nothing.

    `rows` are (row number, cells) of the rows that name a parcel; `row_errors` the rows the file
    reader could not read. Every bad row is reported by its row number in the file, sorted; when
    there is one, nothing is shipped. A parcel already shipped with the same file changes nothing.
    """
    errors = list(row_errors) + _conflicts(rows)
    if not rows and not errors:
        errors.append({"row": 1, "message": _("No row has a courier and a tracking number.")})
    outcome = fulfilment.ship_from_rows(
        rows=[cells for _number, cells in rows], seller=seller, actor=actor
    )
    numbers = [number for number, _cells in rows]
    # ship_from_rows counts its rows from 2 (a header, then every row); ours skip empty rows.
    errors += [{**error, "row": numbers[error["row"] - 2]} for error in outcome.errors]
    if errors:
        transaction.set_rollback(True)
        return FileShipResult(errors=sorted(errors, key=lambda error: error["row"]))
    return FileShipResult(parcels=len({_parcel(cells) for _number, cells in rows}))


def _parcel(cells: dict[str, str]) -> str:
    return cells[ORDER_ID]


def _courier_code(text: str) -> str:
    text = text.strip().upper()
    return next((c.code for c in couriers.COURIERS if text in (c.code, c.name)), text)


def _conflicts(rows: list[tuple[int, dict[str, str]]]) -> list[dict[str, Any]]:
    """Rows of one order that disagree on courier or number: one parcel has one number."""
    seen: dict[str, tuple[str, str]] = {}
    errors = []
    for number, cells in rows:
        shipment = (
            _courier_code(cells[COURIER]),
            couriers.normalize_tracking(cells[TRACKING_NUMBER]),
        )
        key = _parcel(cells)
        if key in seen and seen[key] != shipment:
            errors.append(
                {
                    "row": number,
                    "message": _(
                        "Order %(order)s has another courier or tracking number on an earlier "
                        "row; one parcel has one tracking number."
                    )
                    % {"order": key[:40]},
                }
            )
        seen.setdefault(key, shipment)
    return errors
