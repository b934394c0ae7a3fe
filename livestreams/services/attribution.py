"""Attributing orders to the live session that sold them."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from alliance.models import User
from livestreams.models import Attribution, LiveSession, LiveSessionStatus, Order


def _window(session: LiveSession) -> tuple:
    grace = timedelta(minutes=settings.ATTRIBUTION_GRACE_MINUTES)
    start = session.actual_start or session.planned_start
    end = (session.actual_end or session.planned_end) + grace
    return start, end


@transaction.atomic
def attribute_orders(*, order_ids: Iterable[int]) -> int:
    """Attributes unattributed orders to a session; orders staff attributed are never touched.

    The export's streamer account (达人ID, 带货账号昵称) names the session when a session of
    that account was on air when the order was paid; without an account, the one session of
    the platform on air at payment time, if exactly one was. Returns how many were attributed.
    """
    orders = list(
        Order.objects.filter(
            pk__in=list(order_ids), attribution=Attribution.NONE, paid_at__isnull=False
        ).only("id", "channel", "paid_at", "streamer_account")
    )
    if not orders:
        return 0
    earliest = min(o.paid_at for o in orders) - timedelta(days=1)
    latest = max(o.paid_at for o in orders) + timedelta(days=1)
    sessions = list(
        LiveSession.objects.filter(
            platform__in={o.channel for o in orders},
            planned_start__lte=latest,
            planned_end__gte=earliest - timedelta(days=1),
        ).exclude(status=LiveSessionStatus.CANCELLED)
    )
    changed = []
    for order in orders:
        session, how = _session_for(order, sessions)
        if session is not None:
            order.live_session_id = session.pk
            order.attribution = how
            changed.append(order)
    Order.objects.bulk_update(changed, ["live_session", "attribution"], batch_size=1000)
    return len(changed)


def _session_for(order: Order, sessions: list[LiveSession]) -> tuple[LiveSession | None, str]:
    on_air = [
        s
        for s in sessions
        if s.platform == order.channel and _window(s)[0] <= order.paid_at <= _window(s)[1]
    ]
    if order.streamer_account:
        named = [
            s for s in on_air if s.platform_account and s.platform_account == order.streamer_account
        ]
        if len(named) == 1:
            return named[0], Attribution.EXPORT
        return None, Attribution.NONE
    if len(on_air) == 1:
        return on_air[0], Attribution.TIME_WINDOW
    return None, Attribution.NONE


@transaction.atomic
def set_attribution(*, order: Order, session: LiveSession | None, actor: User | None) -> Order:
    """Staff's correction: the order belongs to this session (or to none); imports keep it."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if session is not None and session.platform != order.channel:
        raise ValidationError(
            _("The session streamed on another platform than the order's."), code="wrong_platform"
        )
    order.live_session = session
    order.attribution = Attribution.MANUAL
    order.save(update_fields=["live_session", "attribution", "updated_at"])
    return order
