"""The set-based import loader for PostgreSQL: COPY into a staging table, then SQL.

The same rules as the plain loader in imports.py (tests run both on the same files and compare
the databases): parsed rows, matched to their SKUs as they are read (matching.SkuMatcher, by
merchant code, then by channel listing), go into a temporary table with COPY a chunk at a time,
so memory stays flat as the file grows (see "Chunks"); bad rows, repeated sub-order ids and
sub-order ids owned by another order mark their order bad and the whole order is skipped; new
orders are inserted with their seller orders and lines (without row-by-row foreign-key checks
where allowed, see below); orders that existed are updated where a value differs and their
lines upserted with INSERT … ON CONFLICT … WHERE changed; a line never moves back in status;
changes are recorded; the orders whose lines changed are split again into seller orders;
orders are attributed to live sessions — all as a handful of statements per chunk whatever
the number of rows.
"""

import io
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg.copy import Copy, FileWriter

from alliance.models import User
from livestreams.importers import FileRefused, Importer, ParsedLine, RowError, Table
from livestreams.models import AfterSalesStatus, OrderImport
from livestreams.services import imports
from livestreams.services.imports import ImportResult
from livestreams.services.matching import SkuMatcher

STAGE_COLUMNS = (
    "row", "order_id", "line_key", "title", "spec", "quantity", "unit_price", "line_total",
    "product_id", "merchant_code", "refunded", "platform_status", "status",
    "platform_after_sales", "after_sales", "shipped_at", "courier", "tracking",
    "order_platform_status", "ordered_at", "paid_at", "order_paid", "shipping", "buyer_note",
    "recipient_name", "recipient_mobile", "province", "city", "district", "address",
    "streamer_account", "traffic_source", "sku_id", "seller_id",
)  # fmt: skip

STAGE_TYPES = [
    "int4", "text", "text", "text", "text", "int4", "numeric", "numeric", "text", "text",
    "numeric", "text", "text", "text", "text", "timestamptz", "text", "text", "text",
    "timestamptz", "timestamptz", "numeric", "numeric", "text", "text", "text", "text", "text",
    "text", "text", "text", "text", "int8", "int8",
]  # fmt: skip

CREATE = """
SET LOCAL work_mem = '64MB';
SET LOCAL jit = off;
-- A caller's transaction may hold an earlier import's tables (ON COMMIT DROP waits for the
-- outermost commit): start afresh.
DROP TABLE IF EXISTS pg_temp.import_stage, pg_temp.import_bad, pg_temp.import_orders,
    pg_temp.import_touched, pg_temp.import_all_orders, pg_temp.import_seller_orders;
CREATE TEMP TABLE import_stage (
    row integer, order_id text, line_key text, title text, spec text, quantity integer,
    unit_price numeric(12,2), line_total numeric(12,2), product_id text, merchant_code text,
    refunded numeric(12,2), platform_status text, status text, platform_after_sales text,
    after_sales text, shipped_at timestamptz, courier text, tracking text,
    order_platform_status text, ordered_at timestamptz, paid_at timestamptz,
    order_paid numeric(12,2), shipping numeric(12,2), buyer_note text, recipient_name text,
    recipient_mobile text, province text, city text, district text, address text,
    streamer_account text, traffic_source text,
    sku_id bigint, seller_id bigint
) ON COMMIT DROP;
CREATE TEMP TABLE import_bad (
    row integer, order_id text, kind text, column_name text, message text, key text,
    first_row integer, chunk integer, owner text
) ON COMMIT DROP;
-- The orders of every chunk loaded so far (import_orders holds one chunk's).
CREATE TEMP TABLE import_all_orders (order_id text, pk bigint) ON COMMIT DROP;
-- The seller orders made for one chunk's new lines.
CREATE TEMP TABLE import_seller_orders (id bigint, order_id bigint, seller_id bigint)
    ON COMMIT DROP;
"""

RANK = """(CASE {0} WHEN 'unpaid' THEN 0 WHEN 'paid' THEN 1 WHEN 'shipped' THEN 2
           WHEN 'completed' THEN 3 WHEN 'closed' THEN 4 END)"""
# An order's status from its lines' statuses (as imports.order_status): {over} is "" for a
# GROUP BY, " OVER w" for a window w.
ORDER_STATUS = """CASE
    WHEN count(*) FILTER (WHERE {0} <> 'closed'){over} = 0 THEN 'cancelled'
    WHEN bool_and({0} = 'unpaid') FILTER (WHERE {0} <> 'closed'){over} THEN 'unpaid'
    WHEN bool_and({0} = 'completed') FILTER (WHERE {0} <> 'closed'){over} THEN 'completed'
    WHEN bool_and({0} IN ('shipped', 'completed')) FILTER (WHERE {0} <> 'closed'){over}
        THEN 'shipped'
    WHEN bool_or({0} IN ('shipped', 'completed')) FILTER (WHERE {0} <> 'closed'){over}
        THEN 'part_shipped'
    ELSE 'paid' END"""
ROUTABLE = """l.seller_id IS NOT NULL AND l.status IN ('paid', 'shipped', 'completed')
              AND l.after_sales_status <> 'refunded'"""
ROUTABLE_STAGE = """s.seller_id IS NOT NULL AND s.status IN ('paid', 'shipped', 'completed')
                    AND s.after_sales <> 'refunded'"""


def load(
    importer: Importer,
    tables: list[Table],
    *,
    order_import: OrderImport | None,
    actor: User | None,
    progress: Callable[[int], None] | None,
    reopen: Callable[[], list[Table]] | None = None,
) -> ImportResult:
    """Loads the files' rows inside the caller's transaction; returns the import's counts.

    With `reopen` (the files read again from their start), the file is loaded a chunk of
    orders at a time ("Chunks" below); without it, in one piece (staged a piece at a time).
    """
    channel = importer.platform
    context = {
        "channel": channel,
        "import_id": order_import.pk if order_import else None,
        "actor_id": actor.pk if actor else None,
        "now": timezone.now(),
        "grace": settings.ATTRIBUTION_GRACE_MINUTES,
    }
    chunk_rows = settings.IMPORT_CHUNK_ROWS if reopen is not None else None
    if chunk_rows is not None and chunk_rows <= 0:
        chunk_rows = None  # 0: in one piece
    with connection.cursor() as cursor:
        cursor.execute(CREATE)
        context["may_skip_checks"] = settings.IMPORT_SKIP_FOREIGN_KEY_CHECKS and (
            _may_set_replication_role(cursor)
        )
        if chunk_rows is None:
            result = _load_chunks(cursor, importer, tables, context, progress, None)
        else:
            savepoint = transaction.savepoint()
            try:
                result = _load_chunks(cursor, importer, tables, context, progress, chunk_rows)
            except _OrdersSpanChunks:
                # Rows of one order (or one sub-order id) in two chunks: loaded chunk by chunk
                # they would not be judged together. Undo the chunks, load the file in one piece.
                transaction.savepoint_rollback(savepoint)
                result = _load_chunks(cursor, importer, reopen(), context, progress, None)
            else:
                transaction.savepoint_commit(savepoint)
        _collect_errors(cursor, result)
        _refresh_statistics(cursor, context, result.rows)
        cursor.execute("ANALYZE import_all_orders")
        result.orders_attributed = _attribute(cursor, context)
        cursor.execute(
            """SELECT count(*) FROM livestreams_orderline l
               JOIN import_all_orders o ON o.pk = l.order_id WHERE l.sku_id IS NULL"""
        )
        result.unmatched_lines = cursor.fetchone()[0]
        cursor.execute("SELECT pk FROM import_all_orders")
        result.order_ids = [row[0] for row in cursor.fetchall()]
    return result


# --- Chunks ---------------------------------------------------------------------------------
#
# Reading the file is Python's work, the statements below PostgreSQL's: one after the other,
# one of the two cores waits for the other (2 s of reading, 3 s of statements for 100,000
# lines). So a large file is loaded a chunk at a time: while PostgreSQL runs the statements of
# one chunk (in a thread that waits on the connection), Python reads the next and formats it
# as COPY data; only sending it waits for the connection. A chunk ends between two orders once
# it holds IMPORT_CHUNK_ROWS rows; exports list an order's rows together, so each order falls
# in one chunk, and each chunk is loaded exactly as a whole file would be. Where rows of one
# order, or one sub-order id, turn up in two chunks after all (an export sorted otherwise), the
# chunks are undone (a savepoint) and the file read again and loaded in one piece, as without
# chunks; _spans_chunks says which cases those are.


class _OrdersSpanChunks(Exception):  # noqa: N818 (a signal, caught in load)
    pass


def _load_chunks(
    cursor: Any,
    importer: Importer,
    tables: list[Table],
    context: dict[str, Any],
    progress: Callable[[int], None] | None,
    chunk_rows: int | None,
) -> ImportResult:
    """Stages and loads each chunk (or, with no chunk_rows, stages the file a piece at a time
    and loads it as one); returns the counts (the errors still to collect)."""
    cursor.execute("TRUNCATE import_bad, import_all_orders")
    context.update(analyzed_at_rows=0, stage_rows=0, stage_analyzed_rows=0)
    result = ImportResult(platform=context["channel"], rows=0)
    stager = _Stager(cursor, SkuMatcher(context["channel"]), progress)
    context.pop("locked", None)  # a savepoint rolled back undoes the locks too
    pieces = _chunks(importer.parse(tables), chunk_rows or STAGE_PIECE_ROWS)
    if chunk_rows is None:
        for piece in pieces:
            stager.send(stager.read(piece), chunk=0)
        if stager.rows:
            _load_chunk(cursor, context, result, 0, stager.rows, stager.references_so_far())
    else:
        with (
            _prompt_thread_switches(),
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-chunk") as statements,
        ):
            running: Future | None = None
            try:
                for number, piece in enumerate(pieces):
                    staged = stager.read(piece)  # while the chunk before is loaded
                    if running is not None:
                        running.result()
                    if number:
                        cursor.execute("TRUNCATE import_stage")
                    stager.send(staged, chunk=number)
                    references = stager.references_so_far()
                    running = statements.submit(
                        _load_chunk, cursor, context, result, number, stager.rows, references
                    )
                if running is not None:
                    running.result()
            except Exception:
                # A statement that failed aborts the transaction, and whatever ran after it
                # fails for that reason: say the first reason.
                if running is not None and running.done() and running.exception() is not None:
                    raise running.exception() from None
                raise
    result.rows = stager.rows
    if result.rows == 0:
        raise FileRefused(imports.no_orders_message())
    return result


@contextmanager
def _prompt_thread_switches() -> Iterator[None]:
    """The thread of the statements waits on the connection while this one reads; each time a
    statement returns, it must get the interpreter back from the reader, which by default
    keeps it up to 5 ms (sys.setswitchinterval). For a hundred statements that wait cost a
    tenth of the import; 0.1 ms costs the reader next to nothing."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, 0.0001))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _chunks(
    items: Iterator[ParsedLine | RowError], size: int
) -> Iterator[list[ParsedLine | RowError]]:
    """Lists of at least `size` rows (the last one fewer), each ending where an order does.
    The first ones are smaller (a tenth, a fifth, …): the database starts early, and each
    chunk is read in about the time the database takes for the one before."""
    chunk: list[ParsedLine | RowError] = []
    last = None
    least = max(1, size // 10)
    for item in items:
        if len(chunk) >= least and item.order_id != last:
            yield chunk
            chunk, least = [], min(size, least * 2)
        chunk.append(item)
        last = item.order_id
    if chunk:
        yield chunk


def _load_chunk(
    cursor: Any,
    context: dict[str, Any],
    result: ImportResult,
    number: int,
    rows: int,
    references: dict[str, frozenset[int]],
) -> None:
    """The statements for one staged chunk (in import_stage); adds its counts to `result`.
    `rows` and `references`: the rows staged so far and the SKUs and sellers they matched.

    Runs in a thread of its own: it uses only `cursor` (no ORM, which would open a
    connection of the thread's own) while the caller's thread reads the next chunk.
    """
    context["chunk"], context["references"] = number, references
    if rows - context["stage_rows"] > context["stage_analyzed_rows"] * 1.5:
        # The columns the statements below join, group and filter on (all 32 cost twice as
        # long). A chunk no larger than one analyzed before keeps its statistics.
        cursor.execute("ANALYZE import_stage (order_id, line_key, status, paid_at)")
        context["stage_analyzed_rows"] = rows - context["stage_rows"]
    context["stage_rows"] = rows
    _mark_bad_orders(cursor, context)
    if number and _spans_chunks(cursor, context):
        raise _OrdersSpanChunks
    _skip_bad_orders(cursor, context)
    # Which after-sales states the lines carry, without the sort a DISTINCT takes.
    states = AfterSalesStatus.values
    carried = ", ".join("bool_or(after_sales = %s)" for _state in states)
    cursor.execute(f"SELECT count(*), {carried} FROM import_stage", states)  # noqa: S608
    context["lines"], *flags = cursor.fetchone()
    result.after_sales_seen.update(state for state, flag in zip(states, flags, strict=True) if flag)
    _upsert_orders(cursor, context, result)
    _create_seller_orders_for_new_lines(cursor, context, result)
    _upsert_lines(cursor, context, result)
    cursor.execute("SELECT count(*) FROM import_touched")
    touched = cursor.fetchone()[0]
    result.orders_updated += touched
    result.orders_unchanged += context["orders_existed"] - touched
    if touched:
        # These join the touched orders with all their lines and seller orders: statistics
        # from before this import's writes could make a nested loop of it.
        _refresh_statistics(cursor, context, rows)
        _refresh_statuses(cursor)
        _split(cursor, context, result)
    cursor.execute(
        "INSERT INTO import_all_orders (order_id, pk) SELECT order_id, pk FROM import_orders"
    )


def _spans_chunks(cursor: Any, context: dict[str, Any]) -> bool:
    """Whether this chunk shares an order or a sub-order id with an earlier one: its order ids
    (its bad rows' included) among the earlier chunks' orders, its order ids among their bad
    rows', its sub-order ids among their bad rows' or owned by their orders (the lines of their
    good rows are stored: _mark_bad_orders found the owner)."""
    # Counts, not EXISTS: planned for a first match, EXISTS makes nested loops of these joins.
    cursor.execute(
        """
        SELECT (SELECT count(*) FROM import_stage s
                JOIN import_all_orders a ON a.order_id = s.order_id)
             + (SELECT count(*) FROM import_bad b
                JOIN import_all_orders a ON a.order_id = b.order_id OR a.order_id = b.owner
                WHERE b.chunk = %(chunk)s)
             + (SELECT count(*) FROM import_stage s
                JOIN import_bad b ON b.chunk < %(chunk)s
                     AND (b.order_id = s.order_id OR b.key = s.line_key AND b.key <> '')) > 0
        """,
        context,
    )
    return cursor.fetchone()[0]


# Lines matched per pair of catalogue queries (only for codes and product ids not seen before).
MATCH_BATCH = 2000
# Without chunks, the file is still staged a piece at a time, so memory stays flat.
STAGE_PIECE_ROWS = 20000


@dataclass
class _Staged:
    """A piece of the file read: its good rows as COPY data, its bad rows, how many rows."""

    data: bytes
    bad: list[tuple]
    rows: int


class _Stager:
    """Reads pieces of the file into COPY data, its lines matched to their SKUs (`read`, which
    runs no statement but the matcher's), and sends them into import_stage and import_bad
    (`send`); counts the rows and keeps the SKUs and sellers matched (`references`)."""

    def __init__(
        self, cursor: Any, matcher: SkuMatcher, progress: Callable[[int], None] | None
    ) -> None:
        self.cursor = cursor.cursor  # the psycopg cursor under Django's wrapper
        self.matcher = matcher
        self.progress = progress
        self.rows = 0
        self.references: dict[str, set[int]] = {"sku": set(), "seller": set()}

    def read(self, items: Iterable[ParsedLine | RowError]) -> _Staged:
        bad: list[tuple] = []
        batch: list[ParsedLine] = []
        data = io.BytesIO()
        rows = 0
        # Rows formatted as PostgreSQL reads them, without a COPY running: the statements of
        # the chunk before may have the connection (a cursor of its own does no I/O here).
        with (
            self.cursor.connection.cursor() as formatting,
            Copy(formatting, binary=False, writer=FileWriter(data)) as copy,
        ):
            copy.set_types(STAGE_TYPES)  # no type to work out per value: 0.1 s per 100,000
            for item in items:
                rows += 1
                if isinstance(item, RowError):
                    bad.append((item.row, item.order_id, "row", item.column, item.message, ""))
                else:
                    batch.append(item)
                    if len(batch) == MATCH_BATCH:
                        self._write(copy, batch)
                        batch = []
                if self.progress is not None and (self.rows + rows) % 1000 == 0:
                    self.progress(self.rows + rows)
            self._write(copy, batch)
        return _Staged(data.getvalue(), bad, rows)

    def _write(self, copy: Copy, batch: list[ParsedLine]) -> None:
        matcher = self.matcher
        # Asks the catalogue only about codes and product ids it has not seen.
        matcher.learn((line.merchant_code for line in batch), (line.product_id for line in batch))
        skus, sellers = self.references["sku"], self.references["seller"]
        for line in batch:
            found = matcher.match(
                merchant_code=line.merchant_code, product_id=line.product_id, spec=line.spec
            )
            sku_id = seller_id = None
            if found is not None:
                sku_id, seller_id = found.sku_id, found.seller_id
                skus.add(sku_id)
                sellers.add(seller_id)
            copy.write_row((*_stage_row(line), sku_id, seller_id))

    def send(self, staged: _Staged, chunk: int) -> None:
        columns = ", ".join(f'"{name}"' for name in STAGE_COLUMNS)
        with self.cursor.copy(f"COPY import_stage ({columns}) FROM STDIN") as copy:
            copy.write(staged.data)
        if staged.bad:
            with self.cursor.copy(
                """COPY import_bad (row, order_id, kind, column_name, message, key, chunk)
                   FROM STDIN"""
            ) as copy:
                for record in staged.bad:
                    copy.write_row((*record, chunk))
        self.rows += staged.rows

    def references_so_far(self) -> dict[str, frozenset[int]]:
        """A copy the statements' thread can read while this one adds to the sets."""
        return {name: frozenset(ids) for name, ids in self.references.items()}


def _stage_row(line: ParsedLine) -> tuple:
    return (
        line.row, line.order_id, line.line_key, line.title, line.spec, line.quantity,
        line.unit_price, line.line_total, line.product_id, line.merchant_code,
        line.refunded_amount, line.platform_status[:50], line.status,
        line.platform_after_sales[:50], line.after_sales or "none", line.shipped_at,
        line.courier_name, line.tracking_number,
        (line.order_platform_status or line.platform_status)[:50], line.ordered_at,
        line.paid_at, line.order_paid_amount, line.shipping_fee, line.buyer_note,
        line.recipient_name, line.recipient_mobile, line.province, line.city, line.district,
        line.address, line.streamer_account, line.traffic_source,
    )  # fmt: skip


def _mark_bad_orders(cursor: Any, context: dict[str, Any]) -> None:
    """Repeated sub-order ids and ids owned by another order (`owner`) make their order bad."""
    cursor.execute(
        """
        INSERT INTO import_bad (row, order_id, kind, column_name, message, key, first_row, chunk)
        SELECT row, order_id, 'duplicate', '', '', line_key, first_row, %(chunk)s FROM (
            SELECT row, order_id, line_key,
                   min(row) OVER (PARTITION BY line_key) AS first_row
            FROM import_stage) repeated
        WHERE row > first_row;
        DELETE FROM import_stage s USING import_bad b
        WHERE b.kind = 'duplicate' AND b.chunk = %(chunk)s AND s.row = b.row;
        INSERT INTO import_bad (row, order_id, kind, column_name, message, key, first_row, chunk,
            owner)
        SELECT s.row, s.order_id, 'foreign', '', '', s.line_key, NULL, %(chunk)s,
               o.platform_order_id
        FROM import_stage s
        JOIN livestreams_orderline l ON l.channel = %(channel)s AND l.line_key = s.line_key
        JOIN livestreams_order o ON o.id = l.order_id
        WHERE o.platform_order_id <> s.order_id;
        """,
        context,
    )


def _skip_bad_orders(cursor: Any, context: dict[str, Any]) -> None:
    """Every row of a bad order leaves the stage (reported as skipped with its order)."""
    cursor.execute(
        """
        INSERT INTO import_bad (row, order_id, kind, column_name, message, key, first_row, chunk)
        SELECT s.row, s.order_id, 'sibling', '', '', s.line_key, firsts.first_bad, %(chunk)s
        FROM import_stage s
        JOIN (SELECT order_id, min(row) AS first_bad FROM import_bad
              WHERE order_id <> '' AND chunk = %(chunk)s GROUP BY order_id) firsts
             ON firsts.order_id = s.order_id
        WHERE NOT EXISTS (SELECT 1 FROM import_bad b WHERE b.row = s.row);
        DELETE FROM import_stage s USING import_bad b
        WHERE b.order_id <> '' AND b.chunk = %(chunk)s AND s.order_id = b.order_id;
        """,
        context,
    )


def _collect_errors(cursor: Any, result: ImportResult) -> None:
    cursor.execute("SELECT count(*), count(DISTINCT row) FROM import_bad")
    result.errors_total, result.skipped_rows = cursor.fetchone()
    cursor.execute(
        """SELECT row, order_id, kind, column_name, message, key, first_row FROM import_bad
           ORDER BY row, kind LIMIT %s""",
        [imports.MAX_REPORTED_ERRORS],
    )
    errors = []
    for row, order_id, kind, column, message, key, first_row in cursor.fetchall():
        if kind == "duplicate":
            error = imports.duplicate_error(row, order_id, key, first_row)
        elif kind == "foreign":
            error = imports.foreign_error(row, order_id, key)
        elif kind == "sibling":
            error = imports.sibling_error(row, order_id, first_row)
        else:
            error = RowError(row, column, message, order_id)
        errors.append(error)
    errors.sort(key=lambda error: (error.row, error.message))
    result.errors = [error.as_dict() for error in errors]


# --- Foreign-key checks ---------------------------------------------------------------------
#
# The large writes of new orders (orders, their seller orders, their lines) would fire
# PostgreSQL's foreign-key check once per row and key: about 640,000 single-row lookups for a
# 100,000-line file, two seconds at commit. Every reference they write is known to hold, and
# is held: to rows this transaction inserted (the orders, the seller orders), which no one
# else can see, or to the SKUs, sellers, import and person that _lock_references locks
# FOR KEY SHARE first — the lock each check would have taken (a delete waits for the commit).
# A row gone before its lock keeps the checks, which then refuse the import.
# So, where the database role may set session_replication_role (a superuser, or on PostgreSQL
# 15+ `GRANT SET ON PARAMETER session_replication_role TO <role>`) and the setting
# IMPORT_SKIP_FOREIGN_KEY_CHECKS allows it, those statements alone run as `replica`, which skips
# row triggers as pg_restore --disable-triggers does. Every other statement keeps its checks,
# among them the writes to orders that existed. The three tables have no triggers but their
# foreign keys' (a test checks): a deferrable unique constraint or a trigger added to them
# would be skipped too. (The right itself lets a role switch off every trigger in its
# sessions, the audit ones on export logs and paid statements included: the README says so
# where it lists the setting.)

# Each locks the rows of one referenced table and counts those still there.
LOCK = """SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id = ANY(%s::bigint[])
           ORDER BY id FOR KEY SHARE) locked"""
LOCKS = (
    ("sku", LOCK.format(table="products_sku")),
    ("seller", LOCK.format(table="alliance_member")),
    ("import", LOCK.format(table="livestreams_orderimport")),
    ("actor", LOCK.format(table="alliance_user")),
)


def _lock_references(cursor: Any, context: dict[str, Any]) -> bool:
    """Locks the existing rows the large writes will refer to (the SKUs and sellers matched,
    the import, the person); True when those writes may skip their row-by-row foreign-key
    checks (see above)."""
    if not context["may_skip_checks"]:
        return False
    references = {
        **context["references"],
        "import": {context["import_id"]} - {None},
        "actor": {context["actor_id"]} - {None},
    }
    locked = context.setdefault("locked", {name: set() for name, _statement in LOCKS})
    for name, statement in LOCKS:
        ids = sorted(references[name] - locked[name])  # held to the commit once locked
        if not ids:
            continue
        cursor.execute(statement, ["{" + ",".join(map(str, ids)) + "}"])
        if cursor.fetchone()[0] != len(ids):
            # A referenced row deleted since it was matched: keep the checks, which will say so.
            return False
        locked[name].update(ids)
    return True


def _may_set_replication_role(cursor: Any) -> bool:
    if connection.pg_version >= 150000:
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
    else:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    return bool(cursor.fetchone()[0])


@contextmanager
def _unchecked(cursor: Any, context: dict[str, Any]) -> Iterator[None]:
    """Runs the statements inside without row triggers when _lock_references allowed it."""
    if not context["unchecked"]:
        yield
        return
    cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        cursor.execute("SET LOCAL session_replication_role = origin")


ORDER_COLUMNS = (
    "paid_amount", "shipping_fee", "ordered_at", "paid_at", "platform_status", "buyer_note",
    "recipient_name", "recipient_mobile", "recipient_province", "recipient_city",
    "recipient_district", "recipient_address", "streamer_account", "traffic_source",
)  # fmt: skip


def _upsert_orders(cursor: Any, context: dict[str, Any], result: ImportResult) -> None:
    """The file's orders: new ones inserted with ids drawn beforehand, existing ones updated
    where a value differs (recorded in import_touched)."""
    if "order_sequence" not in context:
        cursor.execute("SELECT pg_get_serial_sequence('livestreams_order', 'id')")
        context["order_sequence"] = cursor.fetchone()[0]
    cursor.execute(
        f"""
        DROP TABLE IF EXISTS pg_temp.import_orders, pg_temp.import_touched;
        CREATE TEMP TABLE import_orders ON COMMIT DROP AS
        SELECT f.order_id,
               CASE WHEN f.paid_at IS NULL THEN 0
                    ELSE COALESCE(f.order_paid, f.paid_total, 0) END AS paid_amount,
               f.shipping AS shipping_fee, f.ordered_at, f.paid_at,
               f.order_platform_status AS platform_status, f.buyer_note,
               f.recipient_name, f.recipient_mobile, f.province AS recipient_province,
               f.city AS recipient_city, f.district AS recipient_district,
               f.address AS recipient_address, f.streamer_account, f.traffic_source,
               f.status, COALESCE(o.id, nextval(%(order_sequence)s::regclass)) AS pk,
               o.id IS NULL AS inserted
        -- The first row's values, with the totals of all the order's rows: one sort.
        FROM (SELECT DISTINCT ON (order_id) order_id, paid_at, order_paid, shipping, ordered_at,
                     order_platform_status, buyer_note, recipient_name, recipient_mobile,
                     province, city, district, address, streamer_account, traffic_source,
                     sum(line_total) FILTER (WHERE paid_at IS NOT NULL) OVER w AS paid_total,
                     {ORDER_STATUS.format("status", over=" OVER w")} AS status
              FROM import_stage WINDOW w AS (PARTITION BY order_id)
              ORDER BY order_id, row) f
        LEFT JOIN livestreams_order o
             ON o.channel = %(channel)s AND o.platform_order_id = f.order_id;
        CREATE UNIQUE INDEX ON import_orders (order_id);
        ANALYZE import_orders;
        CREATE TEMP TABLE import_touched (order_pk bigint PRIMARY KEY) ON COMMIT DROP;
        TRUNCATE import_seller_orders;
        """,  # noqa: S608 (a fixed expression)
        context,
    )
    cursor.execute("SELECT count(*) FILTER (WHERE inserted), count(*) FROM import_orders")
    created, total = cursor.fetchone()
    result.orders_created += created
    context["orders_created"], context["orders_existed"] = created, total - created
    context["unchecked"] = bool(created) and _lock_references(cursor, context)
    columns = ", ".join(ORDER_COLUMNS)
    changed = " OR ".join(f"o.{name} IS DISTINCT FROM io.{name}" for name in ORDER_COLUMNS)
    updates = ", ".join(f"{name} = io.{name}" for name in ORDER_COLUMNS)
    with _unchecked(cursor, context):
        # No other writer makes orders of a platform's channel, and imports of one platform
        # take turns (_serialize_imports): no conflict to resolve.
        cursor.execute(
            f"""
            INSERT INTO livestreams_order (id, channel, platform_order_id, {columns}, status,
                attribution, last_import_id, created_at, updated_at)
            SELECT pk, %(channel)s, order_id, {columns}, status, 'none', %(import_id)s,
                   %(now)s, %(now)s
            FROM import_orders WHERE inserted
            """,  # noqa: S608 (column names are constants)
            context,
        )
    cursor.execute(
        f"""
        WITH updated AS (
            UPDATE livestreams_order o
            SET {updates}, last_import_id = %(import_id)s, updated_at = %(now)s
            FROM import_orders io
            WHERE o.id = io.pk AND NOT io.inserted AND ({changed})
            RETURNING o.id
        )
        INSERT INTO import_touched SELECT id FROM updated
        """,  # noqa: S608 (column names are constants)
        context,
    )


LINE_INSERT = """
INSERT INTO livestreams_orderline (order_id, channel, line_key, sku_id, seller_id,
    seller_order_id, platform_product_id, merchant_code, title, spec, quantity, unit_price,
    line_total, refunded_amount, platform_status, status, platform_after_sales,
    after_sales_status, shipped_at, courier_name, tracking_number, created_at, updated_at)
SELECT io.pk, %(channel)s, s.line_key, s.sku_id, s.seller_id, so.id, s.product_id,
       s.merchant_code, s.title, s.spec, s.quantity, s.unit_price, s.line_total, s.refunded,
       s.platform_status, s.status, s.platform_after_sales, s.after_sales, s.shipped_at,
       s.courier, s.tracking, %(now)s, %(now)s
FROM import_stage s
JOIN import_orders io ON io.order_id = s.order_id AND {orders}
LEFT JOIN {seller_orders} so ON so.order_id = io.pk AND so.seller_id = s.seller_id
     AND {routable_stage}
"""
# For the lines of orders that existed: a line may exist too.
LINE_CONFLICT = """
ON CONFLICT (channel, line_key) DO UPDATE SET
    status = CASE WHEN {back} THEN livestreams_orderline.status ELSE EXCLUDED.status END,
    platform_status = CASE WHEN {back} THEN livestreams_orderline.platform_status
                           ELSE EXCLUDED.platform_status END,
    shipped_at = CASE WHEN {back} THEN livestreams_orderline.shipped_at
                      ELSE EXCLUDED.shipped_at END,
    courier_name = CASE WHEN {back} THEN livestreams_orderline.courier_name
                        ELSE EXCLUDED.courier_name END,
    tracking_number = CASE WHEN {back} THEN livestreams_orderline.tracking_number
                           ELSE EXCLUDED.tracking_number END,
    platform_after_sales = EXCLUDED.platform_after_sales,
    after_sales_status = EXCLUDED.after_sales_status,
    refunded_amount = EXCLUDED.refunded_amount,
    sku_id = COALESCE(livestreams_orderline.sku_id, EXCLUDED.sku_id),
    seller_id = CASE WHEN livestreams_orderline.sku_id IS NULL THEN EXCLUDED.seller_id
                     ELSE livestreams_orderline.seller_id END,
    updated_at = EXCLUDED.updated_at
WHERE (NOT {back} AND (
        livestreams_orderline.status IS DISTINCT FROM EXCLUDED.status
        OR livestreams_orderline.platform_status IS DISTINCT FROM EXCLUDED.platform_status
        OR livestreams_orderline.shipped_at IS DISTINCT FROM EXCLUDED.shipped_at
        OR livestreams_orderline.courier_name IS DISTINCT FROM EXCLUDED.courier_name
        OR livestreams_orderline.tracking_number IS DISTINCT FROM EXCLUDED.tracking_number))
   OR livestreams_orderline.platform_after_sales IS DISTINCT FROM EXCLUDED.platform_after_sales
   OR livestreams_orderline.after_sales_status IS DISTINCT FROM EXCLUDED.after_sales_status
   OR livestreams_orderline.refunded_amount IS DISTINCT FROM EXCLUDED.refunded_amount
   OR (livestreams_orderline.sku_id IS NULL AND EXCLUDED.sku_id IS NOT NULL)
RETURNING order_id, (xmax = 0) AS inserted
"""


# Seller orders for the new lines of the orders picked by {orders}.
SELLER_ORDER_INSERT = f"""
WITH created AS (
    INSERT INTO livestreams_sellerorder (order_id, seller_id, status, created_at, updated_at)
    SELECT DISTINCT io.pk, s.seller_id, 'pending', %(now)s, %(now)s
    FROM import_stage s JOIN import_orders io ON io.order_id = s.order_id AND {{orders}}
    WHERE {ROUTABLE_STAGE} {{new_lines}}
    ORDER BY io.pk, s.seller_id
    {{conflict}}
    RETURNING id, order_id, seller_id
), kept AS (
    INSERT INTO import_seller_orders SELECT id, order_id, seller_id FROM created
)
SELECT count(*) FROM created
"""  # noqa: S608 (fixed expressions)


def _create_seller_orders_for_new_lines(
    cursor: Any, context: dict[str, Any], result: ImportResult
) -> None:
    """Seller orders for lines that do not exist yet, so new lines are inserted linked.

    A new order's lines are all new, and it has no seller orders yet; an order that existed
    may have both. (Existing lines keep their link here; _split corrects any that change.)
    """
    created = 0
    if context["orders_created"]:
        with _unchecked(cursor, context):
            cursor.execute(
                SELLER_ORDER_INSERT.format(orders="io.inserted", new_lines="", conflict=""),
                context,
            )
            created += cursor.fetchone()[0]
    if context["orders_existed"]:
        new_lines = """AND NOT EXISTS (SELECT 1 FROM livestreams_orderline l
                       WHERE l.channel = %(channel)s AND l.line_key = s.line_key)"""
        cursor.execute(
            SELLER_ORDER_INSERT.format(
                orders="NOT io.inserted",
                new_lines=new_lines,
                conflict="ON CONFLICT (order_id, seller_id) DO NOTHING",
            ),
            context,
        )
        created += cursor.fetchone()[0]
    result.seller_orders_created += created


def _upsert_lines(cursor: Any, context: dict[str, Any], result: ImportResult) -> None:
    """Inserts the lines of new orders; records the changes the lines of orders that existed
    are about to take, then upserts those."""
    # A new order's seller orders are all in import_seller_orders: a join with a small table.
    lines = LINE_INSERT.format(
        orders="io.inserted", seller_orders="import_seller_orders", routable_stage=ROUTABLE_STAGE
    )
    created = updated = 0
    if context["orders_created"]:
        with _unchecked(cursor, context):
            cursor.execute(
                f"WITH inserted AS ({lines} RETURNING 1) SELECT count(*) FROM inserted",  # noqa: S608
                context,
            )
            created = cursor.fetchone()[0]
    if context["orders_existed"]:
        more, updated = _upsert_existing_orders_lines(cursor, context)
        created += more
    result.lines_unchanged += context["lines"] - created - updated
    result.lines_created += created
    result.lines_updated += updated


def _upsert_existing_orders_lines(cursor: Any, context: dict[str, Any]) -> tuple[int, int]:
    """Returns how many lines were inserted and how many updated."""
    back = RANK.format("EXCLUDED.status") + " < " + RANK.format("livestreams_orderline.status")
    forward = RANK.format("s.status") + " > " + RANK.format("l.status")
    cursor.execute(
        f"""
        INSERT INTO livestreams_orderlinechange (line_id, field, from_value, to_value,
            order_import_id, actor_id, created_at)
        SELECT l.id, change.field, change.from_value, change.to_value, %(import_id)s,
               %(actor_id)s, %(now)s
        FROM import_stage s
        JOIN import_orders io ON io.order_id = s.order_id AND NOT io.inserted
        JOIN livestreams_orderline l ON l.channel = %(channel)s AND l.line_key = s.line_key
             AND ({forward} OR l.after_sales_status <> s.after_sales
                  OR l.refunded_amount <> s.refunded)
        CROSS JOIN LATERAL (VALUES
            ('status', l.status, s.status, {forward}),
            ('after_sales_status', l.after_sales_status, s.after_sales,
             l.after_sales_status <> s.after_sales),
            ('refunded_amount', l.refunded_amount::text, s.refunded::text,
             l.refunded_amount <> s.refunded)
        ) AS change(field, from_value, to_value, differs)
        WHERE change.differs
        ORDER BY l.id, change.field
        """,  # noqa: S608 (fixed expressions)
        context,
    )
    lines = LINE_INSERT.format(
        orders="NOT io.inserted",
        seller_orders="livestreams_sellerorder",
        routable_stage=ROUTABLE_STAGE,
    )
    cursor.execute(
        f"""
        WITH upserted AS ({lines} {LINE_CONFLICT.format(back=back)}),
        touched AS (
            INSERT INTO import_touched
            SELECT DISTINCT order_id FROM upserted ON CONFLICT DO NOTHING
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
        FROM upserted
        """,  # noqa: S608
        context,
    )
    return cursor.fetchone()


def _refresh_statuses(cursor: Any) -> None:
    """The status of each order whose lines changed, from its stored lines; a new order took
    its status from the file's lines when it was inserted. Nothing else moves an imported
    order's status, so an order whose lines did not change keeps it."""
    cursor.execute(
        f"""
        WITH computed AS (
            SELECT l.order_id, {ORDER_STATUS.format("l.status", over="")} AS status
            FROM livestreams_orderline l JOIN import_touched t ON t.order_pk = l.order_id
            GROUP BY l.order_id
        )
        UPDATE livestreams_order o SET status = c.status FROM computed c
        WHERE o.id = c.order_id AND o.status <> c.status
        """  # noqa: S608 (a fixed expression)
    )


# Tables whose planner statistics a large import makes stale within its own transaction.
# Only the columns the later statements join and filter on: all of them take three times as long
# (a full ANALYZE by autovacuum follows, since a partial one does not reset its change count).
ANALYZED_TABLES = {
    "livestreams_order": ("id", "channel", "paid_at", "attribution", "status"),
    "livestreams_orderline": (
        "order_id", "seller_id", "seller_order_id", "sku_id", "status", "after_sales_status",
    ),
    "livestreams_sellerorder": ("order_id", "seller_id", "status"),
}  # fmt: skip
ANALYZE_TARGET = 10
# An import of at least this many rows, and more than this share of a table's rows, analyzes it.
ANALYZE_MIN_ROWS = 2000
ANALYZE_SHARE = 0.1


def _refresh_statistics(cursor: Any, context: dict[str, Any], rows: int) -> None:
    """Analyzes the order tables when the rows this import has staged since it last did
    (`rows` so far) are a large part of them.

    The statements that join the import's orders with their lines and seller orders need it.
    On statistics that predate a large import (a first import into young tables, never
    analyzed) the planner takes those tables for tiny and probes a seller's lines once per
    seller order: a 100,000-line import spent 45 s in one statement. ANALYZE counts the rows
    this transaction wrote. Its lock is held to the commit and only conflicts with another
    ANALYZE or VACUUM of the table: imports of other platforms (never the same rows) wait for
    it, autovacuum gives way.
    """
    written = rows - context["analyzed_at_rows"]
    if written < ANALYZE_MIN_ROWS:
        return
    cursor.execute(
        "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r'",
        [list(ANALYZED_TABLES)],
    )
    stale = stale_tables(dict(cursor.fetchall()), written)
    if stale:
        columns = [f"{name} ({', '.join(ANALYZED_TABLES[name])})" for name in stale]
        # A sample of 3,000 rows instead of 30,000: enough to size the tables and their
        # joins, a tenth of the time; autovacuum's full ANALYZE follows the commit.
        cursor.execute(
            f"""SET LOCAL default_statistics_target = {ANALYZE_TARGET};
                ANALYZE {", ".join(columns)};
                RESET default_statistics_target"""  # the names are constants
        )
        context["analyzed_at_rows"] = rows


def stale_tables(estimated_rows: dict[str, float], rows: int) -> list[str]:
    """The tables whose planner estimate (-1: never analyzed) an import of `rows` rows makes
    stale: it is at least ANALYZE_MIN_ROWS and more than ANALYZE_SHARE of the table."""
    if rows < ANALYZE_MIN_ROWS:
        return []
    return sorted(name for name, tuples in estimated_rows.items() if tuples < rows / ANALYZE_SHARE)


def _split(cursor: Any, context: dict[str, Any], result: ImportResult) -> None:
    """One seller order per (order, seller) with routable lines; emptied ones are cancelled.

    Only orders that existed and changed need it: a new order's seller orders were made with its
    lines, and every other service that changes lines splits their orders itself.
    """
    cursor.execute(
        f"""
        WITH created AS (
            INSERT INTO livestreams_sellerorder
                (order_id, seller_id, status, created_at, updated_at)
            SELECT DISTINCT l.order_id, l.seller_id, 'pending', %(now)s, %(now)s
            FROM livestreams_orderline l JOIN import_touched t ON t.order_pk = l.order_id
            WHERE {ROUTABLE}
            ORDER BY l.order_id, l.seller_id
            ON CONFLICT (order_id, seller_id) DO NOTHING
            RETURNING id
        )
        SELECT count(*) FROM created
        """,  # noqa: S608
        context,
    )
    result.seller_orders_created += cursor.fetchone()[0]
    cursor.execute(
        f"""
        UPDATE livestreams_orderline l SET seller_order_id = so.id
        FROM livestreams_sellerorder so, import_touched t
        WHERE t.order_pk = l.order_id AND so.order_id = l.order_id AND so.seller_id = l.seller_id
          AND {ROUTABLE} AND l.seller_order_id IS DISTINCT FROM so.id
        """,  # noqa: S608
        context,
    )
    cursor.execute(
        f"""
        WITH emptied AS (
            SELECT so.id, so.status FROM livestreams_sellerorder so
            JOIN import_touched t ON t.order_pk = so.order_id
            WHERE so.status IN ('pending', 'forwarded', 'acknowledged')
              AND NOT EXISTS (SELECT 1 FROM livestreams_orderline l
                              WHERE l.order_id = so.order_id AND l.seller_id = so.seller_id
                                AND {ROUTABLE})
            FOR UPDATE OF so
        ), cancelled AS (
            UPDATE livestreams_sellerorder so SET status = 'cancelled', updated_at = %(now)s
            FROM emptied e WHERE so.id = e.id RETURNING so.id, e.status AS from_status
        ), events AS (
            INSERT INTO livestreams_sellerorderevent (seller_order_id, from_status, to_status,
                actor_id, reason, created_at)
            SELECT id, from_status, 'cancelled', %(actor_id)s, 'all lines cancelled or refunded',
                   %(now)s
            FROM cancelled RETURNING 1
        )
        SELECT count(*) FROM events
        """,  # noqa: S608
        context,
    )
    result.seller_orders_cancelled += cursor.fetchone()[0]


def _attribute(cursor: Any, context: dict[str, Any]) -> int:
    """As attribution.attribute_orders: the named session, else the only one on air."""
    cursor.execute(
        """
        WITH candidates AS (
            SELECT o.id AS order_id, o.streamer_account, s.id AS session_id,
                   s.platform_account
            FROM livestreams_order o
            JOIN import_all_orders io ON io.pk = o.id
            JOIN livestreams_livesession s ON s.platform = o.channel
                 AND s.status <> 'cancelled'
                 AND o.paid_at BETWEEN COALESCE(s.actual_start, s.planned_start)
                     AND COALESCE(s.actual_end, s.planned_end)
                         + make_interval(mins => %(grace)s)
            WHERE o.attribution = 'none' AND o.paid_at IS NOT NULL
        ), chosen AS (
            SELECT order_id, min(session_id) AS session_id, 'export' AS how
            FROM candidates
            WHERE streamer_account <> '' AND platform_account = streamer_account
            GROUP BY order_id HAVING count(*) = 1
            UNION ALL
            SELECT order_id, min(session_id), 'time_window'
            FROM candidates WHERE streamer_account = ''
            GROUP BY order_id HAVING count(*) = 1
        ), updated AS (
            UPDATE livestreams_order o SET live_session_id = c.session_id, attribution = c.how
            FROM chosen c WHERE o.id = c.order_id RETURNING 1
        )
        SELECT count(*) FROM updated
        """,
        context,
    )
    return cursor.fetchone()[0]
