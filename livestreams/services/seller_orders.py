"""A seller order's lifecycle: the one place its status changes, always with an event row."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.models import User
from livestreams.models import SellerOrder, SellerOrderEvent, SellerOrderStatus

S = SellerOrderStatus
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.FORWARDED, S.CANCELLED},
    S.FORWARDED: {S.ACKNOWLEDGED, S.SHIPPED, S.CANCELLED},
    S.ACKNOWLEDGED: {S.SHIPPED, S.CANCELLED},
    S.SHIPPED: {S.DELIVERED},
    S.DELIVERED: set(),
    S.CANCELLED: set(),
}


@transaction.atomic
def transition(
    *, seller_order: SellerOrder, to_status: str, actor: User | None, reason: str = ""
) -> SellerOrder:
    """Moves a seller order to a new status if the map allows it; the same status is a no-op.

    Locks the row first, so two workers or a worker and the seller cannot both move it.
    """
    locked = SellerOrder.objects.select_for_update().get(pk=seller_order.pk)
    if locked.status == to_status:
        return locked
    if to_status not in TRANSITIONS[locked.status]:
        raise ValidationError(
            _("A seller order cannot go from “%(from)s” to “%(to)s”.")
            % {"from": locked.get_status_display(), "to": S(to_status).label},
            code="invalid_transition",
        )
    SellerOrderEvent.objects.create(
        seller_order=locked,
        from_status=locked.status,
        to_status=to_status,
        actor=actor,
        reason=reason[:200],
    )
    locked.status = to_status
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def transition_many(
    *,
    seller_order_ids: list[int],
    from_status: str,
    to_status: str,
    actor: User | None,
    reason: str = "",
    **fields: object,
) -> list[int]:
    """Moves those of these seller orders still in `from_status` to `to_status`, with an event
    row each, and sets `fields` on them; returns the ids moved. Locks the rows first, like
    `transition`, in one statement for all of them (a worker forwarding a digest)."""
    if to_status not in TRANSITIONS[from_status]:
        raise ValueError(f"no transition from {from_status} to {to_status}")
    moved = list(
        SellerOrder.objects.select_for_update()
        .filter(pk__in=seller_order_ids, status=from_status)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not moved:
        return []
    SellerOrderEvent.objects.bulk_create(
        SellerOrderEvent(
            seller_order_id=pk,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason[:200],
        )
        for pk in moved
    )
    SellerOrder.objects.filter(pk__in=moved).update(
        status=to_status, updated_at=timezone.now(), **fields
    )
    return moved
