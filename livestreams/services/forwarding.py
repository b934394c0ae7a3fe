"""Forwarding seller orders to their sellers (派单), designed so that no Celery or Redis setting
has to be trusted (RELIABILITY.md §1).

The pending seller order row is the outbox. After an import commits, its seller orders are
published to the broker, bounded and never blocking (publish_after_commit); if that fails, the
sweep finds them. A forwarding run claims the seller orders under a lease (row locks with SKIP
LOCKED, so two workers never work on one), makes one notification row per (seller order,
channel, kind) — the dashboard always, and the channels she chose — sends one digest message
per channel, and moves every seller order whose notifications all went out to `forwarded`,
exactly once (a locked transition). Transient failures are retried by the task with backoff;
permanent ones, and running out of tries, write a problem staff see on the monitor. Duplicate
runs (a redelivered message, the sweep racing a slow worker) find nothing pending and stop.
"""

import hashlib
import logging
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from alliance.models import Member
from alliance.sql import db_datetime, for_update, insert_rows, placeholders
from livestreams.models import (
    Channel,
    DeliveryAttempt,
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
    Order,
    SellerOrder,
    SellerOrderStatus,
)
from livestreams.notifications import SENDERS, DeliveryError, channels_for
from livestreams.services import seller_orders

logger = logging.getLogger(__name__)


@dataclass
class ForwardOutcome:
    """What a forwarding run did; `retry_after` is set when a channel may succeed later."""

    forwarded: list[int] = field(default_factory=list)
    claimed: list[int] = field(default_factory=list)
    retry_after: float | None = None
    problems: dict[int, str] = field(default_factory=dict)


# --- Publishing -----------------------------------------------------------------------------------


def publish_after_commit(seller_order_ids: Iterable[int]) -> None:
    """Publishes forwarding for these seller orders once the current transaction commits."""
    ids = list(seller_order_ids)
    if ids:
        transaction.on_commit(lambda: publish(ids))


def publish(seller_order_ids: list[int]) -> int:
    """Enqueues one forwarding task per seller; never raises (the sweep covers a failure).

    Returns how many tasks were published.
    """
    by_seller: dict[int, list[int]] = defaultdict(list)
    for seller_order_id, seller_id in SellerOrder.objects.filter(
        pk__any_of=seller_order_ids
    ).values_list("pk", "seller_id"):
        by_seller[seller_id].append(seller_order_id)
    return publish_by_seller(by_seller)


def publish_by_seller(by_seller: dict[int, list[int]]) -> int:
    """As publish, for seller orders already grouped by seller (seller id → seller order ids)."""
    from livestreams.forwarding_tasks import forward_seller_orders

    published = 0
    for seller_id, ids in by_seller.items():
        try:
            forward_seller_orders.apply_async(
                args=(seller_id, sorted(ids)),
                retry=True,
                retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
            )
            published += 1
        except Exception as error:  # the broker is down or slow: the sweep publishes later
            # Stop at the first failure: each further try would wait out the retry policy again.
            left = sum(len(rest) for rest in by_seller.values()) - sum(
                len(by_seller[s]) for s in list(by_seller)[:published]
            )
            logger.warning(
                "broker unavailable (%s: %s); %d seller orders left for the sweep",
                type(error).__name__,
                error,
                left,
            )
            break
    return published


# --- Forwarding ----------------------------------------------------------------------------------

# The run below is the worker's hot path, so its statements are written in SQL (alliance.sql).
SELLER_ORDERS = SellerOrder._meta.db_table
NOTIFICATIONS = Notification._meta.db_table
CHANNEL_LABELS = dict(Channel.choices)


def forward(*, seller_id: int, seller_order_ids: list[int]) -> ForwardOutcome:
    """One forwarding run for one seller's seller orders; safe to run twice at once or again.

    A run for one new order is 15 SQL statements in three transactions (claim, read, record
    and settle); a run that finds nothing to do (its orders went in an earlier digest) is 3.
    """
    outcome = ForwardOutcome()
    member, claimed = _claim(seller_id, seller_order_ids, outcome)
    if not claimed:
        return outcome
    records: list[Record] = []
    try:
        _send_pending(member, claimed, outcome, records)
    finally:
        # What went out is recorded, and settled, even if a later channel raised.
        with transaction.atomic():
            _record(records)
            _settle(claimed, outcome)
    return outcome


def _claim(
    seller_id: int, ids: list[int], outcome: ForwardOutcome
) -> tuple[Member | None, list[int]]:
    """Takes a lease on the seller orders still pending and free, counts the delivery, and
    makes their notification rows, in one transaction; returns the seller (read only when
    there is something to send) and the seller orders claimed.

    Besides the ones asked for, it takes her other new seller orders waiting (never tried, up
    to FORWARD_DIGEST_MAX in all), so that a queue of one-order tasks for her — a busy evening
    of courtyard and mini-program orders — goes out as one digest and the later tasks find
    nothing to do. Orders tried before wait for their own retry: a failing channel is not sent
    to again ahead of its backoff.
    """
    now = timezone.now()
    member = None
    with transaction.atomic(), connection.cursor() as cursor:
        asked = placeholders(ids)
        cursor.execute(
            f"SELECT id, forward_attempts FROM {SELLER_ORDERS} "  # noqa: S608 (names and placeholders only)
            f"WHERE seller_id = %s AND status = %s AND problem = '' "
            f"AND (id IN ({asked}) OR forward_attempts = 0) "
            f"AND (lease_until IS NULL OR lease_until < %s) "
            f"ORDER BY CASE WHEN id IN ({asked}) THEN 0 ELSE 1 END, id "
            f"LIMIT %s{for_update(skip_locked=True)}",
            [
                seller_id,
                SellerOrderStatus.PENDING,
                *ids,
                db_datetime(now),
                *ids,
                max(len(ids), settings.FORWARD_DIGEST_MAX),
            ],
        )
        rows = cursor.fetchall()
        poisoned = [pk for pk, attempts in rows if attempts >= settings.FORWARD_MAX_DELIVERIES]
        claimed = [pk for pk, attempts in rows if attempts < settings.FORWARD_MAX_DELIVERIES]
        if poisoned:
            _flag(poisoned, _("Forwarding was tried too many times; a worker may crash on it."))
        if claimed:
            lease_until = now + timedelta(seconds=settings.FORWARD_LEASE_SECONDS)
            cursor.execute(
                f"UPDATE {SELLER_ORDERS} SET lease_until = %s, "  # noqa: S608 (names and placeholders only)
                f"forward_attempts = forward_attempts + 1 WHERE id IN ({placeholders(claimed)})",
                [db_datetime(lease_until), *claimed],
            )
            member = Member.objects.get(pk=seller_id)
            _ensure_notifications(member, claimed, NotificationKind.NEW_ORDER, reference="")
    outcome.claimed = claimed
    return member, claimed


def _ensure_notifications(
    member: Member, seller_order_ids: list[int], kind: str, *, reference: str
) -> None:
    """One notification row per (seller order, channel, kind, reference); repeats add nothing."""
    now = db_datetime(timezone.now())
    pending = NotificationStatus.PENDING
    rows = [
        (pk, channel, kind, reference, notification_key(pk, channel, kind, reference), pending, now)
        for pk in seller_order_ids
        for channel in channels_for(member)
    ]
    insert_rows(
        NOTIFICATIONS,
        ["seller_order_id", "channel", "kind", "reference", "idempotency_key", "status",
         "created_at", "attempts", "last_error", "text"],
        [(*row, 0, "", "") for row in rows],
        suffix="ON CONFLICT DO NOTHING",
    )  # fmt: skip


def notification_key(seller_order_id: int, channel: str, kind: str, reference: str) -> str:
    return f"so{seller_order_id}:{channel}:{kind}:{reference}"[:100]


@dataclass(frozen=True)
class Pending:
    """A notification waiting to go out, with what its message names of the order."""

    pk: int
    seller_order_id: int
    channel: str
    kind: str
    idempotency_key: str
    order_channel: str
    platform_order_id: str


def _send_pending(
    member: Member,
    seller_order_ids: list[int],
    outcome: ForwardOutcome,
    records: list["Record"],
    *,
    kind: str | None = None,
    reference: str | None = None,
) -> None:
    """Sends each channel's pending notifications of these seller orders (only those of a
    kind and reference, if given) as one digest, and adds to `records` what came of each, as
    it goes: the caller records them (`_record`) even when a later channel raises."""
    only, only_values = "", []
    if kind is not None:
        only, only_values = " AND n.kind = %s AND n.reference = %s", [kind, reference or ""]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.id, n.seller_order_id, n.channel, n.kind, n.idempotency_key, o.channel, "  # noqa: S608 (names and placeholders only)
            f"o.platform_order_id FROM {NOTIFICATIONS} n "
            f"JOIN {SELLER_ORDERS} s ON s.id = n.seller_order_id "
            f"JOIN {Order._meta.db_table} o ON o.id = s.order_id "
            f"WHERE n.seller_order_id IN ({placeholders(seller_order_ids)}) AND n.status = %s"
            f"{only} ORDER BY n.channel, n.seller_order_id, n.kind",
            [*seller_order_ids, NotificationStatus.PENDING, *only_values],
        )
        pending = [Pending(*row) for row in cursor.fetchall()]
    by_channel: dict[str, list[Pending]] = defaultdict(list)
    for notification in pending:
        by_channel[notification.channel].append(notification)
    for channel, notifications in by_channel.items():
        if channel != NotificationChannel.DASHBOARD and channel not in channels_for(member):
            # She switched the channel off since: nothing to send there.
            records.append(
                Record(notifications, DeliveryAttempt.Outcome.SENT, "channel switched off", 0)
            )
            continue
        records.append(_deliver(member, channel, notifications, outcome))


@dataclass
class Record:
    """What one delivery of one channel's notifications came to."""

    notifications: list[Pending]
    result: str
    detail: str
    elapsed_ms: int
    text: str = ""


def _deliver(
    member: Member, channel: str, notifications: list[Pending], outcome: ForwardOutcome
) -> Record:
    text = digest_text(notifications)
    key = hashlib.sha256("|".join(n.idempotency_key for n in notifications).encode()).hexdigest()[
        :32
    ]
    started = timezone.now()
    try:
        SENDERS[channel].send(member=member, text=text, idempotency_key=key)
    except DeliveryError as error:
        elapsed = int((timezone.now() - started).total_seconds() * 1000)
        if error.permanent:
            record = Record(notifications, DeliveryAttempt.Outcome.FAILED, error.detail, elapsed)
            for notification in notifications:
                outcome.problems[notification.seller_order_id] = _(
                    "%(channel)s refused the message: %(detail)s"
                ) % {"channel": NotificationChannel(channel).label, "detail": error.detail}
        else:
            record = Record(notifications, DeliveryAttempt.Outcome.RETRY, error.detail, elapsed)
            wait = error.retry_after or 0.0
            outcome.retry_after = max(outcome.retry_after or 0.0, wait)
        logger.warning(
            "notification not delivered channel=%s seller=%s permanent=%s detail=%s",
            channel,
            member.pk,
            error.permanent,
            error.detail,
        )
        return record
    elapsed = int((timezone.now() - started).total_seconds() * 1000)
    return Record(notifications, DeliveryAttempt.Outcome.SENT, "", elapsed, text=text)


NOTIFICATION_STATUS = {
    DeliveryAttempt.Outcome.SENT: NotificationStatus.SENT,
    DeliveryAttempt.Outcome.FAILED: NotificationStatus.FAILED,
    DeliveryAttempt.Outcome.RETRY: NotificationStatus.PENDING,
}


@transaction.atomic(savepoint=False)
def _record(records: list[Record]) -> None:
    """An attempt row per notification, and each notification's new status, in one go: one
    UPDATE for the channels that came to the same (the dashboard and a webhook both sent)."""
    if not records:
        return
    now = db_datetime(timezone.now())
    insert_rows(
        DeliveryAttempt._meta.db_table,
        ["notification_id", "outcome", "detail", "duration_ms", "created_at"],
        [(n.pk, r.result, r.detail, r.elapsed_ms, now) for r in records for n in r.notifications],
    )
    alike: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for record in records:
        key = (NOTIFICATION_STATUS[record.result], record.detail, record.text[:500])
        alike[key] += [n.pk for n in record.notifications]
    with connection.cursor() as cursor:
        for (status, detail, text), pks in alike.items():
            cursor.execute(
                f"UPDATE {NOTIFICATIONS} SET status = %s, attempts = attempts + 1, "  # noqa: S608 (names and placeholders only)
                f"last_error = %s, text = %s, sent_at = %s WHERE id IN ({placeholders(pks)})",
                [status, detail, text, now if status == NotificationStatus.SENT else None, *pks],
            )


def _settle(claimed: list[int], outcome: ForwardOutcome) -> None:
    """Moves to forwarded each claimed seller order whose notifications all went out."""
    for pk, problem in outcome.problems.items():
        _flag([pk], problem)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT seller_order_id FROM {NOTIFICATIONS} "  # noqa: S608 (names and placeholders only)
            f"WHERE seller_order_id IN ({placeholders(claimed)}) AND kind = %s AND status <> %s",
            [*claimed, NotificationKind.NEW_ORDER, NotificationStatus.SENT],
        )
        unsent = {row[0] for row in cursor.fetchall()}
    # Those someone else moved meanwhile (a duplicate run, staff) are left as they are.
    moved = seller_orders.transition_many(
        seller_order_ids=[pk for pk in claimed if pk not in outcome.problems and pk not in unsent],
        from_status=SellerOrderStatus.PENDING,
        to_status=SellerOrderStatus.FORWARDED,
        actor=None,
        reason="forwarded",
        forwarded_at=timezone.now(),
        lease_until=None,
    )
    outcome.forwarded += moved
    if len(moved) < len(claimed):
        SellerOrder.objects.filter(pk__in=set(claimed) - set(moved)).update(lease_until=None)


def _flag(seller_order_ids: list[int], problem: str) -> None:
    SellerOrder.objects.filter(pk__in=seller_order_ids, problem="").update(
        problem=problem[:300], problem_at=timezone.now()
    )


def give_up(*, seller_order_ids: list[int], detail: str) -> None:
    """After the last retry: seller orders still pending are flagged for staff, never dropped."""
    still_pending = list(
        SellerOrder.objects.filter(
            pk__in=seller_order_ids, status=SellerOrderStatus.PENDING
        ).values_list("pk", flat=True)
    )
    _flag(
        still_pending,
        _("Forwarding failed after every retry: %(detail)s") % {"detail": detail},
    )
    logger.error("forwarding gave up on %d seller orders", len(still_pending))


def backoff_seconds(retries: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, capped; never shorter than the server asked."""
    cap = min(
        settings.FORWARD_BACKOFF_MAX_SECONDS,
        settings.FORWARD_BACKOFF_BASE_SECONDS * (2**retries),
    )
    return max(random.uniform(cap / 2, cap), retry_after or 0.0)  # noqa: S311


def digest_text(notifications: list[Pending]) -> str:
    """The message a seller gets: her orders by platform order id and what to pack.

    Never the recipient's name, phone or address — she reads those in her desk.
    """
    with override(settings.LANGUAGE_CODE):
        seller_orders_seen = {}
        for notification in notifications:
            seller_orders_seen.setdefault(notification.seller_order_id, notification)
        kinds = {n.kind for n in notifications}
        if kinds == {NotificationKind.REMINDER}:
            head = _("Reminder: %(count)d order(s) waiting for you to confirm.")
        elif kinds == {NotificationKind.CHANGED}:
            head = _("%(count)d of your order(s) changed (cancelled or refunded lines).")
        elif kinds == {NotificationKind.AFTER_SALES}:
            head = _("%(count)d of your order(s) have news from customer service.")
        else:
            head = _("You have %(count)d new order(s) to ship.")
        lines = [head % {"count": len(seller_orders_seen)}]
        for notification in list(seller_orders_seen.values())[:10]:
            channel = CHANNEL_LABELS.get(notification.order_channel, notification.order_channel)
            lines.append(f"· {channel} {notification.platform_order_id}")
        if len(seller_orders_seen) > 10:
            lines.append(_("… and %(more)d more.") % {"more": len(seller_orders_seen) - 10})
        lines.append(_("Open your order desk to see what to pack and where it goes."))
    return "\n".join(lines)


# --- Other messages: order changes and reminders ------------------------------------------------


def notify(
    *, seller_id: int, seller_order_ids: list[int], kind: str, reference: str
) -> ForwardOutcome:
    """Sends a kind of message (changed, reminder) about these seller orders on her channels.

    Idempotent by (seller order, channel, kind, reference): a repeat sends nothing new.
    """
    outcome = ForwardOutcome(claimed=list(seller_order_ids))
    member = Member.objects.get(pk=seller_id)
    _ensure_notifications(member, seller_order_ids, kind, reference=reference)
    records: list[Record] = []
    try:
        _send_pending(member, seller_order_ids, outcome, records, kind=kind, reference=reference)
    finally:
        _record(records)
    return outcome


def publish_notices(seller_order_ids: list[int], kind: str, reference: str) -> int:
    """Enqueues change or reminder messages per seller; never raises."""
    from livestreams.forwarding_tasks import notify_sellers

    by_seller: dict[int, list[int]] = defaultdict(list)
    for pk, seller_id in SellerOrder.objects.filter(pk__in=seller_order_ids).values_list(
        "pk", "seller_id"
    ):
        by_seller[seller_id].append(pk)
    published = 0
    for seller_id, ids in by_seller.items():
        try:
            notify_sellers.apply_async(
                args=(seller_id, sorted(ids), kind, reference),
                retry=True,
                retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
            )
            published += 1
        except Exception:
            logger.warning("notice not published (%s)", kind, exc_info=True)
    return published


# --- The sweep, reminders and escalation (beat) ------------------------------------------------


def sweep(*, now: timezone.datetime | None = None) -> int:
    """Publishes forwarding for seller orders still pending after a while; returns how many.

    Claimed with FOR UPDATE SKIP LOCKED and stamped, so two sweeps never take the same rows
    and a sweep never takes rows a worker holds a lease on.
    """
    now = now or timezone.now()
    older_than = now - timedelta(seconds=settings.FORWARD_SWEEP_AFTER_SECONDS)
    with transaction.atomic():
        ids = list(
            SellerOrder.objects.select_for_update(skip_locked=True)
            .filter(status=SellerOrderStatus.PENDING, problem="", created_at__lt=older_than)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .filter(Q(swept_at__isnull=True) | Q(swept_at__lt=older_than))
            .order_by("created_at")
            .values_list("pk", flat=True)[: settings.FORWARD_SWEEP_BATCH]
        )
        SellerOrder.objects.filter(pk__in=ids).update(swept_at=now)
    if ids:
        logger.info("sweep: %d pending seller orders published again", len(ids))
        publish(ids)
    return len(ids)


def remind_unacknowledged(*, now: timezone.datetime | None = None) -> int:
    """Reminds sellers of orders forwarded but not acknowledged in time (once per order)."""
    now = now or timezone.now()
    late = now - timedelta(minutes=settings.REMIND_UNACKNOWLEDGED_AFTER_MINUTES)
    with transaction.atomic():
        ids = list(
            SellerOrder.objects.select_for_update(skip_locked=True)
            .filter(status=SellerOrderStatus.FORWARDED, reminded_at=None, forwarded_at__lt=late)
            .values_list("pk", flat=True)[:1000]
        )
        SellerOrder.objects.filter(pk__in=ids).update(reminded_at=now)
    if ids:
        publish_notices(ids, NotificationKind.REMINDER, "")
    return len(ids)


def escalate_overdue(*, now: timezone.datetime | None = None) -> int:
    """Flags for staff the seller orders not shipped by their platform's deadline (once each)."""
    now = now or timezone.now()
    escalated = 0
    for channel, hours in settings.SHIPPING_DEADLINE_HOURS.items():
        due = now - timedelta(hours=hours)
        escalated += SellerOrder.objects.filter(
            status__in=(
                SellerOrderStatus.PENDING,
                SellerOrderStatus.FORWARDED,
                SellerOrderStatus.ACKNOWLEDGED,
            ),
            escalated_at=None,
            order__channel=channel,
            order__paid_at__lt=due,
        ).update(escalated_at=now)
    if escalated and settings.STAFF_ALERT_EMAILS:
        from django.core.mail import send_mail

        send_mail(
            subject=_("%(count)d seller order(s) not shipped by the deadline")
            % {"count": escalated},
            message=_("See the forwarding monitor on the staff desk."),
            from_email=None,
            recipient_list=settings.STAFF_ALERT_EMAILS,
            fail_silently=True,
        )
    return escalated
