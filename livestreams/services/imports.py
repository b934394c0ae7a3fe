"""Importing a platform's order export: one transaction per file (or pair).

Semantics (RELIABILITY.md §0.5): a file that cannot be read as a whole writes nothing; a row
with a bad value skips its whole order — never half an order — and is reported by row and
column while the other orders import; importing the same file again changes nothing; a later
export updates statuses and records each change. Lines find their SKU (matching.py), paid lines
are split into seller orders (splitting.py) and orders attributed to sessions (attribution.py).

Two loaders share the parsing and these rules: the plain one below (the ORM, in chunks; the
embedded SQLite default and small files) and a set-based one for PostgreSQL (bulk.py).
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.lookups import id_array
from alliance.models import User
from livestreams.importers import FileRefused, Importer, ParsedLine, RowError, Table, detect
from livestreams.importers.base import open_table
from livestreams.models import (
    AfterSalesStatus,
    LineStatus,
    NotificationKind,
    Order,
    OrderImport,
    OrderLine,
    OrderLineChange,
    OrderStatus,
    SellerOrder,
    SellerOrderStatus,
)
from livestreams.services.attribution import attribute_orders
from livestreams.services.matching import SkuMatcher
from livestreams.services.splitting import split_orders

CHUNK = 500
MAX_REPORTED_ERRORS = 1000
# A line never moves back along this order (an older export imported after a newer one).
LINE_RANK = {
    LineStatus.UNPAID: 0,
    LineStatus.PAID: 1,
    LineStatus.SHIPPED: 2,
    LineStatus.COMPLETED: 3,
    LineStatus.CLOSED: 4,
}
ORDER_FIELDS = (
    "paid_amount",
    "shipping_fee",
    "ordered_at",
    "paid_at",
    "platform_status",
    "status",
    "buyer_note",
    "recipient_name",
    "recipient_mobile",
    "recipient_province",
    "recipient_city",
    "recipient_district",
    "recipient_address",
    "streamer_account",
    "traffic_source",
)
LINE_FIELDS = (
    "platform_status",
    "status",
    "platform_after_sales",
    "after_sales_status",
    "refunded_amount",
    "shipped_at",
    "courier_name",
    "tracking_number",
)
RECORDED_LINE_FIELDS = ("status", "after_sales_status", "refunded_amount")


@dataclass
class ImportResult:
    """The outcome of an import, as the command line prints it and the staff page shows it."""

    platform: str = ""
    rows: int = 0
    orders_created: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    lines_created: int = 0
    lines_updated: int = 0
    lines_unchanged: int = 0
    unmatched_lines: int = 0
    skipped_rows: int = 0
    seller_orders_created: int = 0
    seller_orders_cancelled: int = 0
    orders_attributed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_total: int = 0
    dry_run: bool = False
    # The orders the file holds (not reported: used to publish forwarding and notices).
    order_ids: list[int] = field(default_factory=list, repr=False)
    # The after-sales statuses its imported lines carry (not reported: a status no line carries
    # needs no after-sales work).
    after_sales_seen: set[str] = field(default_factory=set, repr=False)

    def counts(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for internal in ("errors", "order_ids", "after_sales_seen"):
            data.pop(internal)
        return data

    def as_json(self) -> dict[str, Any]:
        return {**self.counts(), "errors": self.errors}


@dataclass
class ParsedFile:
    """The orders of a file grouped, with every bad row (not yet their order's other rows)."""

    platform: str
    rows: int
    orders: dict[str, list[ParsedLine]]
    errors: list[RowError]


def file_digest(streams: list[IO[bytes]]) -> str:
    digest = hashlib.sha256()
    for stream in streams:
        stream.seek(0)
        for chunk in iter(lambda s=stream: s.read(1 << 20), b""):
            digest.update(chunk)
        stream.seek(0)
    return digest.hexdigest()


def read_files(
    files: list[tuple[str, IO[bytes]]], *, platform: str | None = None
) -> tuple[Importer, list[Table]]:
    """Opens the files and recognises their platform; refuses them (FileRefused) otherwise."""
    tables = [open_table(stream, name) for name, stream in files]
    return detect(tables, platform), tables


def parse_files(
    importer: Importer,
    tables: list[Table],
    *,
    progress: Callable[[int], None] | None = None,
) -> ParsedFile:
    """Reads every row, grouping good lines by order; a repeated sub-order id is a bad row."""
    orders: dict[str, list[ParsedLine]] = defaultdict(list)
    errors: list[RowError] = []
    first_row_of_key: dict[str, int] = {}
    rows = 0
    for item in importer.parse(tables):
        rows += 1
        if isinstance(item, RowError):
            errors.append(item)
        elif item.line_key in first_row_of_key:
            errors.append(
                duplicate_error(
                    item.row, item.order_id, item.line_key, first_row_of_key[item.line_key]
                )
            )
        else:
            first_row_of_key[item.line_key] = item.row
            orders[item.order_id].append(item)
        if progress is not None and rows % 1000 == 0:
            progress(rows)
    if rows == 0:
        raise FileRefused(no_orders_message())
    return ParsedFile(importer.platform, rows, dict(orders), errors)


def no_orders_message() -> str:
    return _("There are no orders in the file (only a header).")


def duplicate_error(row: int, order_id: str, key: str, first_row: int) -> RowError:
    return RowError(
        row,
        "",
        _("the sub-order %(key)s appears twice in the file (first at row %(row)d)")
        % {"key": key, "row": first_row},
        order_id,
    )


def foreign_error(row: int, order_id: str, key: str) -> RowError:
    return RowError(
        row,
        "",
        _("the sub-order %(key)s already belongs to another order") % {"key": key},
        order_id,
    )


def sibling_error(row: int, order_id: str, first_bad: int) -> RowError:
    return RowError(
        row,
        "",
        _("skipped with its order: row %(row)d of the same order has a bad value")
        % {"row": first_bad},
        order_id,
    )


def _drop_bad_orders(orders: dict[str, list[ParsedLine]], errors: list[RowError]) -> int:
    """Never half an order: every row of an order with a bad row is skipped and reported."""
    skipped = len({error.row for error in errors})
    first_bad: dict[str, int] = {}
    for error in errors:
        if error.order_id:
            first_bad[error.order_id] = min(error.row, first_bad.get(error.order_id, error.row))
    bad_rows = {error.row for error in errors}
    for order_id, first in first_bad.items():
        for line in orders.pop(order_id, []):
            if line.row not in bad_rows:
                skipped += 1
                errors.append(sibling_error(line.row, order_id, first))
    errors.sort(key=lambda error: (error.row, error.message))
    return skipped


def import_files(
    files: list[tuple[str, IO[bytes]]],
    *,
    platform: str | None = None,
    dry_run: bool = False,
    actor: User | None = None,
    order_import: OrderImport | None = None,
    progress: Callable[[int], None] | None = None,
    loader: str = "auto",
) -> ImportResult:
    """Imports an export file (or a pair) in one transaction; dry_run reports and rolls back.

    Raises FileRefused (nothing written) when the files cannot be imported as a whole.
    `loader`: "orm", "bulk" (PostgreSQL only) or "auto" (bulk on PostgreSQL).
    """
    if loader == "bulk" and connection.vendor != "postgresql":
        raise ValueError("the set-based loader needs PostgreSQL")
    reopen = _reopener(files, platform)
    importer, tables = read_files(files, platform=platform)
    bulk_path = loader == "bulk" or (loader == "auto" and connection.vendor == "postgresql")
    started = timezone.now()
    with transaction.atomic():
        _serialize_imports(importer.platform)
        if bulk_path:
            from livestreams.services import bulk

            result = bulk.load(
                importer,
                tables,
                order_import=order_import,
                actor=actor,
                progress=progress,
                reopen=reopen,
            )
        else:
            result = _load_with_orm(
                importer, tables, order_import=order_import, actor=actor, progress=progress
            )
        result.dry_run = dry_run
        if dry_run:
            transaction.set_rollback(True)
        else:
            _after_import(result, started)
    return result


def _reopener(
    files: list[tuple[str, IO[bytes]]], platform: str | None
) -> Callable[[], list[Table]] | None:
    """Reads the files again from where they start now, for a loader that needs a second pass;
    None when one of them cannot go back."""
    if not all(getattr(stream, "seekable", lambda: False)() for _name, stream in files):
        return None
    starts = [stream.tell() for _name, stream in files]

    def reopen() -> list[Table]:
        for (_name, stream), start in zip(files, starts, strict=True):
            stream.seek(start)
        return read_files(files, platform=platform)[1]

    return reopen


def _after_import(result: ImportResult, started: Any) -> None:
    """Once the import commits: forward its new seller orders, tell sellers what changed."""
    from livestreams.services import aftersales, forwarding, settlement

    # Lines entering after-sales open tickets; completed parcels are delivered (settlement).
    order_ids = id_array(result.order_ids)
    aftersales.after_import(order_ids=order_ids, since=started, statuses=result.after_sales_seen)
    settlement.deliver_completed(order_ids=order_ids)

    pending: dict[int, list[int]] = defaultdict(list)
    for pk, seller_id in (
        SellerOrder.objects.filter(
            order_id__any_of=order_ids, status=SellerOrderStatus.PENDING, problem=""
        )
        .order_by()
        .values_list("pk", "seller_id")
    ):
        pending[seller_id].append(pk)
    if pending:
        transaction.on_commit(lambda: forwarding.publish_by_seller(pending))
    if not result.lines_updated:
        return  # no line changed, so no seller order has changes to tell
    changed = list(
        SellerOrder.objects.filter(
            lines__changes__created_at__gte=started,
            order_id__any_of=order_ids,
            status__in=(SellerOrderStatus.FORWARDED, SellerOrderStatus.ACKNOWLEDGED),
        )
        .distinct()
        .values_list("pk", flat=True)
    )
    if changed:
        reference = f"import-{started:%Y%m%d%H%M%S%f}"
        transaction.on_commit(
            lambda: forwarding.publish_notices(changed, NotificationKind.CHANGED, reference)
        )


def _load_with_orm(
    importer: Importer,
    tables: list[Table],
    *,
    order_import: OrderImport | None,
    actor: User | None,
    progress: Callable[[int], None] | None,
) -> ImportResult:
    """The plain loader: Python groups the orders, the ORM writes them a chunk at a time."""
    parsed = parse_files(importer, tables, progress=progress)
    parsed.errors += _foreign_line_errors(parsed.platform, parsed.orders)
    skipped = _drop_bad_orders(parsed.orders, parsed.errors)
    result = ImportResult(
        platform=parsed.platform,
        rows=parsed.rows,
        skipped_rows=skipped,
        errors=[e.as_dict() for e in parsed.errors[:MAX_REPORTED_ERRORS]],
        errors_total=len(parsed.errors),
    )
    order_ids: list[int] = []
    for chunk in _chunks(list(parsed.orders.items()), CHUNK):
        order_ids += _load_chunk(parsed.platform, chunk, result, order_import, actor)
    split = split_orders(order_ids=order_ids, actor=actor)
    result.seller_orders_created = split["seller_orders_created"]
    result.seller_orders_cancelled = split["seller_orders_cancelled"]
    result.orders_attributed = attribute_orders(order_ids=order_ids)
    result.unmatched_lines = OrderLine.objects.filter(
        order_id__in=order_ids, sku__isnull=True
    ).count()
    result.order_ids = order_ids
    result.after_sales_seen = {
        line.after_sales or AfterSalesStatus.NONE
        for lines in parsed.orders.values()
        for line in lines
    }
    return result


def _foreign_line_errors(channel: str, orders: dict[str, list[ParsedLine]]) -> list[RowError]:
    """A sub-order id that already belongs to another order in the database is a bad row."""
    errors = []
    lines = [line for order_lines in orders.values() for line in order_lines]
    for chunk in _chunks(lines, 2000):
        owners = dict(
            OrderLine.objects.filter(
                channel=channel, line_key__in=[line.line_key for line in chunk]
            ).values_list("line_key", "order__platform_order_id")
        )
        errors += [
            foreign_error(line.row, line.order_id, line.line_key)
            for line in chunk
            if line.line_key in owners and owners[line.line_key] != line.order_id
        ]
    return errors


def _serialize_imports(channel: str) -> None:
    """Two imports of one platform at once would race for the same orders: the second waits."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            key = int(hashlib.sha256(f"import:{channel}".encode()).hexdigest()[:15], 16)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _order_values(lines: list[ParsedLine]) -> dict[str, Any]:
    first = lines[0]
    paid_lines = [line for line in lines if line.paid_at is not None]
    paid = (
        first.order_paid_amount
        if first.order_paid_amount is not None
        else sum((line.line_total for line in paid_lines), Decimal("0.00"))
    )
    return {
        "paid_amount": paid if first.paid_at is not None else Decimal("0.00"),
        "shipping_fee": first.shipping_fee,
        "ordered_at": first.ordered_at,
        "paid_at": first.paid_at,
        "platform_status": (first.order_platform_status or first.platform_status)[:50],
        "status": order_status([line.status for line in lines]),
        "buyer_note": first.buyer_note,
        "recipient_name": first.recipient_name,
        "recipient_mobile": first.recipient_mobile,
        "recipient_province": first.province,
        "recipient_city": first.city,
        "recipient_district": first.district,
        "recipient_address": first.address,
        "streamer_account": first.streamer_account,
        "traffic_source": first.traffic_source,
    }


def order_status(line_statuses: list[str]) -> str:
    """An order's status from its lines' statuses."""
    open_lines = [s for s in line_statuses if s != LineStatus.CLOSED]
    if not open_lines:
        return OrderStatus.CANCELLED
    if all(s == LineStatus.UNPAID for s in open_lines):
        return OrderStatus.UNPAID
    if all(s == LineStatus.COMPLETED for s in open_lines):
        return OrderStatus.COMPLETED
    if all(s in (LineStatus.SHIPPED, LineStatus.COMPLETED) for s in open_lines):
        return OrderStatus.SHIPPED
    if any(s in (LineStatus.SHIPPED, LineStatus.COMPLETED) for s in open_lines):
        return OrderStatus.PART_SHIPPED
    return OrderStatus.PAID


def _line_values(line: ParsedLine) -> dict[str, Any]:
    return {
        "platform_status": line.platform_status[:50],
        "status": line.status,
        "platform_after_sales": line.platform_after_sales[:50],
        "after_sales_status": line.after_sales or AfterSalesStatus.NONE,
        "refunded_amount": line.refunded_amount,
        "shipped_at": line.shipped_at,
        "courier_name": line.courier_name,
        "tracking_number": line.tracking_number,
    }


def _load_chunk(
    channel: str,
    chunk: list[tuple[str, list[ParsedLine]]],
    result: ImportResult,
    order_import: OrderImport | None,
    actor: User | None,
) -> list[int]:
    existing = {
        order.platform_order_id: order
        for order in Order.objects.select_for_update().filter(
            channel=channel, platform_order_id__in=[order_id for order_id, _ in chunk]
        )
    }
    keys = [line.line_key for _, lines in chunk for line in lines]
    existing_lines = {
        line.line_key: line for line in OrderLine.objects.filter(channel=channel, line_key__in=keys)
    }
    matcher = SkuMatcher(
        channel,
        (line.merchant_code for _, lines in chunk for line in lines),
        (line.product_id for _, lines in chunk for line in lines),
    )
    orders = _upsert_orders(channel, chunk, existing, result, order_import)
    touched = _upsert_lines(
        channel, chunk, orders, existing_lines, matcher, result, order_import, actor
    )
    touched |= _refresh_statuses(orders)
    for order_id, _lines in chunk:
        order = orders[order_id]
        if (
            order_id in existing
            and order.pk not in touched
            and not getattr(order, "_changed", False)
        ):
            result.orders_unchanged += 1
        elif order_id in existing:
            result.orders_updated += 1
    return [order.pk for order in orders.values()]


def _upsert_orders(
    channel: str,
    chunk: list[tuple[str, list[ParsedLine]]],
    existing: dict[str, Order],
    result: ImportResult,
    order_import: OrderImport | None,
) -> dict[str, Order]:
    new, changed = [], []
    orders: dict[str, Order] = {}
    for order_id, lines in chunk:
        values = _order_values(lines)
        # The status follows the lines as stored (an older export cannot move it back).
        values.pop("status")
        order = existing.get(order_id)
        if order is None:
            order = Order(
                channel=channel, platform_order_id=order_id, last_import=order_import, **values
            )
            new.append(order)
        else:
            differs = [name for name, value in values.items() if getattr(order, name) != value]
            if differs:
                for name in differs:
                    setattr(order, name, values[name])
                order.last_import = order_import
                order._changed = True
                changed.append(order)
        orders[order_id] = order
    Order.objects.bulk_create(new, batch_size=1000)
    if changed:
        now = timezone.now()
        for order in changed:
            order.updated_at = now
        Order.objects.bulk_update(
            changed, [*ORDER_FIELDS, "last_import", "updated_at"], batch_size=1000
        )
    result.orders_created += len(new)
    if any(order.pk is None for order in new):
        # Databases that cannot return ids from a bulk insert: read them back.
        ids = dict(
            Order.objects.filter(
                channel=channel, platform_order_id__in=[o.platform_order_id for o in new]
            ).values_list("platform_order_id", "pk")
        )
        for order in new:
            order.pk = order.id = ids[order.platform_order_id]
    return orders


def _upsert_lines(
    channel: str,
    chunk: list[tuple[str, list[ParsedLine]]],
    orders: dict[str, Order],
    existing_lines: dict[str, OrderLine],
    matcher: SkuMatcher,
    result: ImportResult,
    order_import: OrderImport | None,
    actor: User | None,
) -> set[int]:
    new, changed, changes = [], [], []
    touched: set[int] = set()
    for order_id, lines in chunk:
        order = orders[order_id]
        for parsed in lines:
            line = existing_lines.get(parsed.line_key)
            if line is None:
                new.append(_new_line(channel, order, parsed, matcher))
                touched.add(order.pk)
                continue
            updates = _line_updates(line, parsed)
            if line.sku_id is None:
                found = matcher.match(
                    merchant_code=line.merchant_code,
                    product_id=line.platform_product_id,
                    spec=line.spec,
                )
                if found is not None:
                    updates["sku_id"], updates["seller_id"] = found.sku_id, found.seller_id
            if not updates:
                result.lines_unchanged += 1
                continue
            for name in RECORDED_LINE_FIELDS:
                if name in updates:
                    changes.append(
                        OrderLineChange(
                            line=line,
                            field=name,
                            from_value=str(getattr(line, name)),
                            to_value=str(updates[name]),
                            order_import=order_import,
                            actor=actor,
                        )
                    )
            for name, value in updates.items():
                setattr(line, name, value)
            changed.append(line)
            touched.add(order.pk)
    OrderLine.objects.bulk_create(new, batch_size=1000)
    if changed:
        now = timezone.now()
        for line in changed:
            line.updated_at = now
        OrderLine.objects.bulk_update(
            changed, [*LINE_FIELDS, "sku", "seller", "updated_at"], batch_size=1000
        )
    OrderLineChange.objects.bulk_create(changes, batch_size=1000)
    result.lines_created += len(new)
    result.lines_updated += len(changed)
    return touched


def _refresh_statuses(orders: dict[str, Order]) -> set[int]:
    """Sets each order's status from its stored lines; returns the orders whose status moved."""
    by_order: dict[int, list[str]] = defaultdict(list)
    for order_id, status in OrderLine.objects.filter(
        order_id__in=[o.pk for o in orders.values()]
    ).values_list("order_id", "status"):
        by_order[order_id].append(status)
    changed = []
    for order in orders.values():
        status = order_status(by_order[order.pk])
        if order.status != status:
            order.status = status
            changed.append(order)
    Order.objects.bulk_update(changed, ["status"], batch_size=1000)
    return {order.pk for order in changed}


def _new_line(channel: str, order: Order, parsed: ParsedLine, matcher: SkuMatcher) -> OrderLine:
    found = matcher.match(
        merchant_code=parsed.merchant_code, product_id=parsed.product_id, spec=parsed.spec
    )
    return OrderLine(
        order=order,
        channel=channel,
        line_key=parsed.line_key,
        sku_id=found.sku_id if found else None,
        seller_id=found.seller_id if found else None,
        platform_product_id=parsed.product_id,
        merchant_code=parsed.merchant_code,
        title=parsed.title,
        spec=parsed.spec,
        quantity=parsed.quantity,
        unit_price=parsed.unit_price,
        line_total=parsed.line_total,
        **_line_values(parsed),
    )


def _line_updates(line: OrderLine, parsed: ParsedLine) -> dict[str, Any]:
    values = _line_values(parsed)
    if LINE_RANK[values["status"]] < LINE_RANK[line.status]:
        # An older export: keep the later status (and what came with it).
        for name in ("status", "platform_status", "shipped_at", "courier_name", "tracking_number"):
            values.pop(name)
    return {name: value for name, value in values.items() if getattr(line, name) != value}


# --- Recorded imports (the command line, the staff page and the demo use these) ----------------


def record_import(
    *,
    files: list[tuple[str, IO[bytes]]],
    actor: User | None,
    platform: str | None = None,
    dry_run: bool = False,
) -> OrderImport:
    """Stores the uploaded file(s) with their hash so the import can run (and be downloaded)."""
    from django.core.files import File

    streams = [stream for _name, stream in files]
    order_import = OrderImport(
        platform=platform if platform not in (None, "auto") else "",
        file_names=" + ".join(name.rsplit("/", 1)[-1] for name, _ in files)[:500],
        sha256=file_digest(streams),
        uploaded_by=actor,
        is_dry_run=dry_run,
    )
    first_name, first = files[0]
    order_import.file.save(first_name.rsplit("/", 1)[-1], File(first), save=False)
    if len(files) > 1:
        second_name, second = files[1]
        order_import.companion_file.save(second_name.rsplit("/", 1)[-1], File(second), save=False)
    order_import.save()
    return order_import


def run_import(
    order_import: OrderImport, *, progress: Callable[[int], None] | None = None
) -> ImportResult | None:
    """Runs a recorded import and records its outcome; None when the files were refused."""
    from livestreams.models import ImportStatus

    OrderImport.objects.filter(pk=order_import.pk).update(status=ImportStatus.RUNNING)
    handles = [order_import.file.open("rb")]
    if order_import.companion_file:
        handles.append(order_import.companion_file.open("rb"))
    names = [f.name.rsplit("/", 1)[-1] for f in handles]
    try:
        result = import_files(
            list(zip(names, handles, strict=True)),
            platform=order_import.platform or None,
            dry_run=order_import.is_dry_run,
            actor=order_import.uploaded_by,
            order_import=None if order_import.is_dry_run else order_import,
            progress=progress,
        )
    except FileRefused as refusal:
        _finish(order_import, status=ImportStatus.REFUSED, refusal=str(refusal))
        return None
    finally:
        for handle in handles:
            handle.close()
    _finish(
        order_import,
        status=ImportStatus.COMPLETED,
        platform=result.platform,
        counts=result.counts(),
        errors=result.errors,
        rows_total=result.rows,
        rows_done=result.rows,
    )
    return result


def _finish(order_import: OrderImport, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(order_import, name, value)
    order_import.finished_at = timezone.now()
    order_import.save()
