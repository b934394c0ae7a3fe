"""Forwarding seller orders: digests on every chosen channel, retries, problems, the sweep."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from livestreams.models import (
    DeliveryAttempt,
    Notification,
    NotificationStatus,
    SellerOrder,
    SellerOrderEvent,
    SellerOrderStatus,
)
from livestreams.services import forwarding, seller_orders
from livestreams.services.imports import import_files
from tests.factories import MemberFactory, OrderFactory, OrderLineFactory, SellerOrderFactory
from tests.livestreams.conftest import open_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_with_retries(monkeypatch):
    """Runs a task in-process, and each retry it asks for right away (Celery's eager apply)."""
    from config.celery import app

    # Eager apply() runs a retry itself only when eager exceptions do not propagate.
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)

    def run(task, args: tuple) -> None:
        result = task.apply(args=args)
        assert result.state == "SUCCESS", result.traceback

    return run


def seller_with_channels(receiver, **extra):
    return MemberFactory(
        is_seller=True,
        notify_by_wecom=True,
        wecom_webhook_url=receiver.webhook_url(f"robot-{extra.pop('robot', 1)}"),
        notify_by_sms=True,
        sms_mobile="13900001111",
        notify_by_email=True,
        notification_email="lin@example.com",
        **extra,
    )


def pending_orders(seller, count: int) -> list[SellerOrder]:
    seller_orders = []
    for _ in range(count):
        line = OrderLineFactory(sku__product__seller=seller, seller=seller)
        seller_order = SellerOrderFactory(order=line.order, seller=seller)
        line.seller_order = seller_order
        line.save()
        seller_orders.append(seller_order)
    return seller_orders


def test_several_orders_go_as_one_digest_per_channel(receiver):
    seller = seller_with_channels(receiver)
    orders = pending_orders(seller, 3)
    outcome = forwarding.forward(seller_id=seller.pk, seller_order_ids=[o.pk for o in orders])
    assert sorted(outcome.forwarded) == sorted(o.pk for o in orders)
    assert {r.path.split("?")[0] for r in receiver.received} == {"/cgi-bin/webhook/send", "/sms"}
    assert len(receiver.received) == 2  # one WeCom message, one SMS — not six
    assert len(mail.outbox) == 1
    wecom = next(r for r in receiver.received if r.path.startswith("/cgi-bin"))
    assert wecom.body["msgtype"] == "text"
    assert "3" in wecom.body["text"]["content"]
    assert wecom.headers["Idempotency-Key"]
    for seller_order in orders:
        seller_order.refresh_from_db()
        assert seller_order.status == SellerOrderStatus.FORWARDED
        assert seller_order.forwarded_at is not None
        assert set(seller_order.notifications.values_list("channel", "status")) == {
            ("dashboard", "sent"), ("email", "sent"), ("wecom", "sent"), ("sms", "sent"),
        }  # fmt: skip


def test_messages_carry_no_recipient_details(receiver):
    seller = seller_with_channels(receiver)
    seller_order = pending_orders(seller, 1)[0]
    order = seller_order.order
    order.recipient_name, order.recipient_mobile = "金峨村张三", "13912349876"
    order.recipient_address = "金峨村99号甲"
    order.save()
    forwarding.forward(seller_id=seller.pk, seller_order_ids=[seller_order.pk])
    everything = str([r.body for r in receiver.received]) + mail.outbox[0].body
    for secret in ("张三", "13912349876", "99号甲"):
        assert secret not in everything
    assert order.platform_order_id in everything


def test_forwarding_twice_changes_nothing_more(receiver):
    seller = seller_with_channels(receiver)
    seller_order = pending_orders(seller, 1)[0]
    forwarding.forward(seller_id=seller.pk, seller_order_ids=[seller_order.pk])
    again = forwarding.forward(seller_id=seller.pk, seller_order_ids=[seller_order.pk])
    assert again.claimed == [] and again.forwarded == []
    assert len(receiver.received) == 2
    assert SellerOrderEvent.objects.filter(seller_order=seller_order).count() == 1


def test_a_member_with_no_channels_is_forwarded_to_her_dashboard(receiver):
    seller = MemberFactory(is_seller=True)
    seller_order = pending_orders(seller, 1)[0]
    outcome = forwarding.forward(seller_id=seller.pk, seller_order_ids=[seller_order.pk])
    assert outcome.forwarded == [seller_order.pk]
    assert list(seller_order.notifications.values_list("channel", flat=True)) == ["dashboard"]
    assert receiver.received == []


def test_a_channel_that_is_down_does_not_stop_the_others(receiver):
    receiver.fail_times = 100  # the webhook and the SMS gateway both answer 500
    seller = seller_with_channels(receiver)
    seller_order = pending_orders(seller, 1)[0]
    outcome = forwarding.forward(seller_id=seller.pk, seller_order_ids=[seller_order.pk])
    assert outcome.retry_after is not None and outcome.forwarded == []
    assert len(mail.outbox) == 1  # email still went out
    statuses = dict(seller_order.notifications.values_list("channel", "status"))
    assert statuses == {"dashboard": "sent", "email": "sent", "wecom": "pending", "sms": "pending"}
    seller_order.refresh_from_db()
    assert seller_order.status == SellerOrderStatus.PENDING and seller_order.lease_until is None


def test_a_webhook_that_fails_then_recovers_is_retried_and_delivered(receiver, run_with_retries):
    """Through the Celery task (eager here): 500, 500, then 200."""
    from livestreams.forwarding_tasks import forward_seller_orders

    receiver.fail_times = 2
    seller = MemberFactory(
        is_seller=True, notify_by_wecom=True, wecom_webhook_url=receiver.webhook_url()
    )
    seller_order = pending_orders(seller, 1)[0]
    run_with_retries(forward_seller_orders, (seller.pk, [seller_order.pk]))
    seller_order.refresh_from_db()
    assert seller_order.status == SellerOrderStatus.FORWARDED
    assert len(receiver.received) == 1
    attempts = list(
        DeliveryAttempt.objects.filter(notification__channel="wecom").values_list(
            "outcome", flat=True
        )
    )
    assert attempts == ["retry", "retry", "sent"]


def test_a_webhook_that_answers_400_is_not_retried_and_is_flagged(receiver, run_with_retries):
    from livestreams.forwarding_tasks import forward_seller_orders

    receiver.fail_times, receiver.fail_status = 1, 400
    seller = MemberFactory(
        is_seller=True, notify_by_wecom=True, wecom_webhook_url=receiver.webhook_url()
    )
    seller_order = pending_orders(seller, 1)[0]
    run_with_retries(forward_seller_orders, (seller.pk, [seller_order.pk]))
    seller_order.refresh_from_db()
    assert seller_order.status == SellerOrderStatus.PENDING
    assert "HTTP 400" in seller_order.problem
    assert DeliveryAttempt.objects.filter(notification__channel="wecom").count() == 1
    assert receiver.failed == 1  # exactly one request, no retry


def test_after_the_last_retry_the_seller_order_is_flagged_never_dropped(
    receiver, settings, run_with_retries
):
    from livestreams.forwarding_tasks import forward_seller_orders

    settings.FORWARD_MAX_RETRIES = 2
    receiver.fail_times = 100
    seller = MemberFactory(
        is_seller=True, notify_by_wecom=True, wecom_webhook_url=receiver.webhook_url()
    )
    seller_order = pending_orders(seller, 1)[0]
    run_with_retries(forward_seller_orders, (seller.pk, [seller_order.pk]))
    seller_order.refresh_from_db()
    assert seller_order.status == SellerOrderStatus.PENDING
    assert "every retry" in seller_order.problem or "重试" in seller_order.problem
    assert receiver.failed == 3  # 1 + 2 retries, no storm


def test_a_webhook_address_outside_the_allow_list_is_refused_at_send_time(receiver, settings):
    seller = MemberFactory(
        is_seller=True, notify_by_wecom=True, wecom_webhook_url=receiver.webhook_url()
    )
    settings.WECOM_WEBHOOK_ORIGINS = ["https://qyapi.weixin.qq.com"]  # changed since she saved
    seller_order = pending_orders(seller, 1)[0]
    forwarding.forward(seller_id=seller.pk, seller_order_ids=[seller_order.pk])
    assert receiver.received == [] and receiver.failed == 0
    seller_order.refresh_from_db()
    assert seller_order.problem


def test_the_robot_gets_at_most_20_messages_a_minute(receiver, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.WECOM_MESSAGES_PER_MINUTE = 20
    url = receiver.webhook_url("busy-robot")
    delayed = 0
    for _ in range(22):
        seller = MemberFactory(is_seller=True, notify_by_wecom=True, wecom_webhook_url=url)
        seller_order = pending_orders(seller, 1)[0]
        outcome = forwarding.forward(seller_id=seller.pk, seller_order_ids=[seller_order.pk])
        if outcome.retry_after:
            delayed += 1
            assert 0 < outcome.retry_after <= 61
    assert len(receiver.received) == 20 and delayed == 2


def test_backoff_grows_with_jitter_and_stays_under_the_cap(settings):
    settings.FORWARD_BACKOFF_BASE_SECONDS, settings.FORWARD_BACKOFF_MAX_SECONDS = 10, 600
    first = [forwarding.backoff_seconds(0) for _ in range(50)]
    fourth = [forwarding.backoff_seconds(3) for _ in range(50)]
    late = [forwarding.backoff_seconds(10) for _ in range(50)]
    assert all(5 <= d <= 10 for d in first) and all(40 <= d <= 80 for d in fourth)
    assert max(late) <= 600 < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert len(set(first)) > 1
    assert forwarding.backoff_seconds(0, retry_after=45) == 45


# --- The sweep, reminders, escalation -----------------------------------------------------------


def test_the_sweep_forwards_what_was_never_published(receiver, settings):
    seller = MemberFactory(is_seller=True)
    seller_order = pending_orders(seller, 1)[0]
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    # Too young: its own publish is still on its way. (Another seller's: a run for hers would
    # take it along in her digest.)
    fresh = pending_orders(MemberFactory(is_seller=True), 1)[0]
    assert forwarding.sweep() == 1
    seller_order.refresh_from_db()
    fresh.refresh_from_db()
    assert seller_order.status == SellerOrderStatus.FORWARDED
    assert fresh.status == SellerOrderStatus.PENDING
    assert forwarding.sweep() == 0


def test_the_sweep_leaves_leased_and_flagged_seller_orders_alone(settings):
    seller = MemberFactory(is_seller=True)
    old = timezone.now() - timedelta(minutes=10)
    leased, flagged = pending_orders(seller, 2)
    SellerOrder.objects.filter(pk=leased.pk).update(
        created_at=old, lease_until=timezone.now() + timedelta(minutes=3)
    )
    SellerOrder.objects.filter(pk=flagged.pk).update(created_at=old, problem="webhook refused")
    assert forwarding.sweep() == 0


def test_poison_seller_orders_are_flagged_after_too_many_deliveries(settings):
    settings.FORWARD_MAX_DELIVERIES = 3
    seller = MemberFactory(is_seller=True)
    seller_order = pending_orders(seller, 1)[0]
    SellerOrder.objects.filter(pk=seller_order.pk).update(forward_attempts=3)
    outcome = forwarding.forward(seller_id=seller.pk, seller_order_ids=[seller_order.pk])
    seller_order.refresh_from_db()
    assert outcome.claimed == [] and seller_order.problem


def test_unacknowledged_orders_are_reminded_once(receiver, settings):
    seller = seller_with_channels(receiver)
    seller_order = pending_orders(seller, 1)[0]
    forwarding.forward(seller_id=seller.pk, seller_order_ids=[seller_order.pk])
    later = timezone.now() + timedelta(minutes=settings.REMIND_UNACKNOWLEDGED_AFTER_MINUTES + 1)
    assert forwarding.remind_unacknowledged(now=later) == 1
    assert forwarding.remind_unacknowledged(now=later) == 0
    reminders = Notification.objects.filter(seller_order=seller_order, kind="reminder")
    assert set(reminders.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert any("提醒" in str(r.body) or "Reminder" in str(r.body) for r in receiver.received)


def test_orders_not_shipped_by_the_deadline_are_escalated_once(settings):
    settings.STAFF_ALERT_EMAILS = ["desk@example.com"]
    order = OrderFactory(channel="douyin", paid_at=timezone.now() - timedelta(hours=49))
    late = SellerOrderFactory(order=order, status=SellerOrderStatus.FORWARDED)
    on_time = SellerOrderFactory(order=OrderFactory(channel="douyin"))
    assert forwarding.escalate_overdue() == 1
    assert forwarding.escalate_overdue() == 0
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.escalated_at and on_time.escalated_at is None
    assert mail.outbox[-1].to == ["desk@example.com"]


# --- From an import ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_import_forwards_its_seller_orders_once_it_commits(sample_catalogue, receiver):
    files = open_files(["douyin/douyin_orders_20220907.csv"])
    result = import_files(files)
    for _name, handle in files:
        handle.close()
    assert result.seller_orders_created > 0
    statuses = set(SellerOrder.objects.values_list("status", flat=True))
    assert statuses == {SellerOrderStatus.FORWARDED}
    per_seller = SellerOrder.objects.values("seller").distinct().count()
    dashboard = Notification.objects.filter(channel="dashboard", kind="new_order", status="sent")
    assert dashboard.count() == SellerOrder.objects.count()
    assert per_seller == len({n.seller_order.seller_id for n in dashboard})


def test_a_digest_moves_its_orders_at_once_with_an_event_each_and_skips_those_moved_meanwhile(
    receiver,
):
    seller = seller_with_channels(receiver)
    orders = pending_orders(seller, 3)
    ids = [so.pk for so in orders]
    seller_orders.transition(
        seller_order=orders[1], to_status=SellerOrderStatus.CANCELLED, actor=None, reason="staff"
    )
    with pytest.raises(ValueError, match="no transition"):
        seller_orders.transition_many(
            seller_order_ids=ids, from_status="pending", to_status="shipped", actor=None
        )
    moved = seller_orders.transition_many(
        seller_order_ids=ids,
        from_status=SellerOrderStatus.PENDING,
        to_status=SellerOrderStatus.FORWARDED,
        actor=None,
        reason="forwarded",
        forwarded_at=timezone.now(),
    )
    assert moved == [ids[0], ids[2]]
    states = dict(SellerOrder.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert states == {ids[0]: "forwarded", ids[1]: "cancelled", ids[2]: "forwarded"}
    assert SellerOrder.objects.filter(pk__in=moved, forwarded_at__isnull=False).count() == 2
    events = SellerOrderEvent.objects.filter(seller_order_id__in=ids, to_status="forwarded")
    assert sorted(events.values_list("seller_order_id", "from_status", "reason")) == [
        (ids[0], "pending", "forwarded"),
        (ids[2], "pending", "forwarded"),
    ]


def test_a_run_takes_her_other_new_orders_along_but_not_ones_waiting_for_a_retry_nor_others(
    receiver, settings
):
    seller = seller_with_channels(receiver)
    asked, waiting, tried = pending_orders(seller, 3)
    SellerOrder.objects.filter(pk=tried.pk).update(forward_attempts=1)  # failed before: backoff
    someone_else = pending_orders(seller_with_channels(receiver, robot=2), 1)[0]
    outcome = forwarding.forward(seller_id=seller.pk, seller_order_ids=[asked.pk])
    assert sorted(outcome.forwarded) == sorted([asked.pk, waiting.pk])
    [digest] = [m for m in receiver.received if m.path.startswith("/cgi-bin/")]  # one message
    assert asked.order.platform_order_id in digest.body["text"]["content"]
    assert waiting.order.platform_order_id in digest.body["text"]["content"]
    statuses = dict(SellerOrder.objects.values_list("pk", "status"))
    assert statuses[tried.pk] == statuses[someone_else.pk] == SellerOrderStatus.PENDING
    # Her own task for the one taken along finds nothing left to do.
    assert forwarding.forward(seller_id=seller.pk, seller_order_ids=[waiting.pk]).claimed == []
    # At most FORWARD_DIGEST_MAX in a run, the ones asked for first.
    settings.FORWARD_DIGEST_MAX = 2
    more = pending_orders(seller, 4)
    outcome = forwarding.forward(seller_id=seller.pk, seller_order_ids=[more[3].pk])
    assert sorted(outcome.forwarded) == sorted([more[3].pk, more[0].pk])


def test_a_run_costs_a_fixed_few_statements_and_one_with_nothing_to_do_three(receiver):
    """The worker's hot path: 15 statements for a one-order run to the dashboard and a robot
    (6 to claim, 1 to read, 8 to record and settle, counting the transactions' begin and end
    as the savepoints they are inside a test), and as many for ten orders; 3 for a task whose
    order went out in an earlier digest."""
    seller = MemberFactory(
        is_seller=True, notify_by_wecom=True, wecom_webhook_url=receiver.webhook_url("robot-9")
    )
    [one] = pending_orders(seller, 1)
    with CaptureQueriesContext(connection) as queries:
        assert forwarding.forward(seller_id=seller.pk, seller_order_ids=[one.pk]).forwarded
    assert len(queries.captured_queries) == 15
    ten = pending_orders(seller, 10)
    with CaptureQueriesContext(connection) as queries:
        outcome = forwarding.forward(seller_id=seller.pk, seller_order_ids=[ten[0].pk])
    assert sorted(outcome.forwarded) == sorted(so.pk for so in ten)
    assert len(queries.captured_queries) == 15
    with CaptureQueriesContext(connection) as queries:
        assert forwarding.forward(seller_id=seller.pk, seller_order_ids=[ten[5].pk]).claimed == []
    assert len(queries.captured_queries) == 3
    sent = Notification.objects.filter(seller_order__in=[one, *ten], status="sent")
    assert sent.count() == 22  # dashboard and WeCom for each of the eleven
