"""A seller order's lifecycle: the one place its status changes, always with an event row."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.models import User
from alliance.sql import db_datetime, for_update, insert_rows, placeholders
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
    row each, and sets `fields` on them; returns the ids moved.

    Locks the rows first, like `transition`, in one statement for all of them: a worker
    forwarding a digest runs this a hundred times a second, so it is written in SQL (three
    statements). Inside a caller's transaction it adds no savepoint: an error undoes the
    caller's work too.
    """
    if to_status not in TRANSITIONS[from_status]:
        raise ValueError(f"no transition from {from_status} to {to_status}")
    if not seller_order_ids:
        return []
    table = SellerOrder._meta.db_table
    now = timezone.now()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE id IN ({placeholders(seller_order_ids)}) "  # noqa: S608 (names and placeholders only)
            f"AND status = %s ORDER BY id{for_update()}",
            [*seller_order_ids, from_status],
        )
        moved = [row[0] for row in cursor.fetchall()]
        if not moved:
            return []
        at = db_datetime(now)
        insert_rows(
            SellerOrderEvent._meta.db_table,
            ["seller_order_id", "from_status", "to_status", "actor_id", "reason", "created_at"],
            [
                (pk, from_status, to_status, actor.pk if actor else None, reason[:200], at)
                for pk in moved
            ],
        )
        columns = {"status": to_status, "updated_at": now, **fields}
        assignments, values = [], []
        for name, value in columns.items():
            model_field = SellerOrder._meta.get_field(name)
            assignments.append(f"{connection.ops.quote_name(model_field.column)} = %s")
            values.append(model_field.get_db_prep_save(value, connection))
        cursor.execute(
            f"UPDATE {table} SET {', '.join(assignments)} WHERE id IN ({placeholders(moved)})",  # noqa: S608 (names and placeholders only)
            [*values, *moved],
        )
    return moved
