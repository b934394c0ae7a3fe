"""The set-based loader's writes of new orders skip PostgreSQL's row-by-row foreign-key checks
only where every reference they write is to a row the import made or locked, and leave the same
rows as with the checks."""

import os

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from alliance.models import Member
from livestreams.models import OrderLine
from livestreams.services import bulk
from livestreams.services.imports import import_files
from products.models import SKU
from tests.livestreams.conftest import open_files
from tests.livestreams.test_loaders_agree import run_sequence

SAMPLE = ["douyin/douyin_orders_20220907.csv"]
ORDER_TABLES = ("livestreams_order", "livestreams_orderline", "livestreams_sellerorder")


def import_sample(loader: str = "auto") -> None:
    files = open_files(SAMPLE)
    try:
        import_files(files, loader=loader)
    finally:
        for _name, handle in files:
            handle.close()


def replication_roles(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"].rsplit(" ", 1)[-1]
        for q in queries.captured_queries
        if q["sql"].startswith("SET LOCAL session_replication_role")
    ]


@pytest.mark.django_db
def test_the_order_tables_have_no_triggers_but_their_foreign_keys():
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError, match="PostgreSQL"):
            import_sample("bulk")  # the skipping loader exists only on PostgreSQL
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.tgrelid::regclass::text, t.tgname, c.contype
               FROM pg_trigger t LEFT JOIN pg_constraint c ON c.oid = t.tgconstraint
               WHERE t.tgrelid::regclass::text = ANY(%s)""",
            [list(ORDER_TABLES)],
        )
        triggers = cursor.fetchall()
    assert {table for table, _name, _kind in triggers} == set(ORDER_TABLES)
    assert [t for t in triggers if t[2] != "f"] == [], "a trigger the large writes would skip"


@pytest.mark.django_db
def test_only_the_large_writes_skip_the_checks_and_the_rows_are_the_same(
    sample_catalogue, settings
):
    sequence = [SAMPLE, ["douyin/douyin_orders_20220913.csv"]]
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError, match="PostgreSQL"):
            run_sequence(sequence, "bulk")
        return
    settings.IMPORT_SKIP_FOREIGN_KEY_CHECKS = False
    with CaptureQueriesContext(connection) as checked_queries:
        checked_results, checked_state = run_sequence(sequence, "bulk")
    assert replication_roles(checked_queries) == []
    settings.IMPORT_SKIP_FOREIGN_KEY_CHECKS = True
    with CaptureQueriesContext(connection) as queries:
        results, state = run_sequence(sequence, "bulk")
    # The new orders of each file, their seller orders and their lines (the second file's
    # orders that existed keep their checks).
    assert replication_roles(queries) == ["replica", "origin"] * 6
    assert results == checked_results and state == checked_state
    assert state["lines"] and state["seller_orders"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


@pytest.mark.django_db(transaction=True)
def test_what_the_writes_refer_to_is_locked_until_the_import_commits(sample_catalogue, settings):
    settings.IMPORT_SKIP_FOREIGN_KEY_CHECKS = True
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError, match="PostgreSQL"):
            import_sample("bulk")
        return
    database = connection.settings_dict
    other = psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"] or "postgres",
        dbname=database["NAME"],
        autocommit=True,
    )
    try:
        other.execute("SET lock_timeout = '300ms'")
        with transaction.atomic():
            import_sample("bulk")
            line = OrderLine.objects.filter(sku__isnull=False).select_related("sku").first()
            sku, seller = line.sku, line.seller
            for statement, pk in (
                ("DELETE FROM products_sku WHERE id = %s", sku.pk),
                ("DELETE FROM alliance_member WHERE id = %s", seller.pk),
            ):
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    other.execute(statement, [pk])
            transaction.set_rollback(True)
        # Rolled back: nothing holds the rows any more.
        assert other.execute("SELECT count(*) FROM products_sku WHERE id = %s", [sku.pk])
        other.execute("SELECT 1 FROM products_sku WHERE id = %s FOR UPDATE NOWAIT", [sku.pk])
    finally:
        other.close()
    assert Member.objects.filter(pk=seller.pk).exists()


@pytest.mark.django_db
def test_a_role_that_may_not_set_the_replication_role_keeps_the_checks(sample_catalogue):
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError, match="PostgreSQL"):
            import_sample("bulk")
        return
    role = f"fulian_plain_{os.getpid()}"
    with connection.cursor() as cursor:
        assert bulk._may_set_replication_role(cursor) is True  # the tests' superuser
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")  # rolled back with the test
        with transaction.atomic():
            cursor.execute(f"SET LOCAL ROLE {role}")
            assert bulk._may_set_replication_role(cursor) is False
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_referenced_row_that_is_gone_keeps_the_checks(sample_catalogue):
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError, match="PostgreSQL"):
            import_sample("bulk")
        return
    sku = SKU.objects.select_related("product").first()
    references = {"sku": {sku.pk}, "seller": {sku.product.seller_id}}
    context = {"import_id": None, "actor_id": None, "references": references}
    context["may_skip_checks"] = True  # the tests run as a superuser
    with transaction.atomic(), connection.cursor() as cursor:
        assert bulk._lock_references(cursor, context) is True
        references["sku"].add(sku.pk + 10_000)
        assert bulk._lock_references(cursor, context) is False
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_types_the_staging_copy_declares_are_the_staging_tables():
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError, match="PostgreSQL"):
            import_sample("bulk")
        return
    names = {"integer": "int4", "bigint": "int8", "numeric": "numeric", "text": "text"}
    names["timestamp with time zone"] = "timestamptz"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(bulk.CREATE)
        cursor.execute(
            """SELECT attname, format_type(atttypid, NULL) FROM pg_attribute
               WHERE attrelid = 'pg_temp.import_stage'::regclass AND attnum > 0"""
        )
        declared = {name: names[kind] for name, kind in cursor.fetchall()}
        transaction.set_rollback(True)
    assert [declared[name] for name in bulk.STAGE_COLUMNS] == bulk.STAGE_TYPES
