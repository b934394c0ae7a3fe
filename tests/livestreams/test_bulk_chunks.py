"""PostgreSQL's loader takes a file a chunk of orders at a time (bulk.py, "Chunks"): the result
is the plain loader's, and a file whose orders do not keep together is loaded in one piece."""

import io
from pathlib import Path

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from livestreams.importers import FileRefused
from livestreams.models import Order
from livestreams.services import bulk, imports
from livestreams.services.imports import import_files
from tests.livestreams.conftest import DATA, SAMPLES, open_files
from tests.livestreams.test_loaders_agree import snapshot

pytestmark = pytest.mark.django_db
SAMPLE = DATA / "douyin/douyin_orders_20220907.csv"


def rows_of_sample() -> tuple[str, list[str]]:
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    return lines[0], lines[1:]


def order_id(row: str) -> str:
    return row.split(",")[0].strip('"\t')


def write(tmp_path: Path, header: str, rows: list[str]) -> Path:
    path = tmp_path / "douyin.csv"
    path.write_text("\ufeff" + "\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def load(path: Path, loader: str, chunk_rows: int = 3) -> tuple[dict, dict, list[str]]:
    """Imports the file, rolls back; returns the result, the rows written and the statements."""
    with (
        override_settings(IMPORT_CHUNK_ROWS=chunk_rows),
        transaction.atomic(),
        path.open("rb") as handle,
        CaptureQueriesContext(connection) as queries,
    ):
        result = import_files([(path.name, handle)], loader=loader)
        state = snapshot()
        transaction.set_rollback(True)
    statements = [query["sql"] for query in queries.captured_queries]
    return result.as_json(), state, statements


def chunks_loaded(statements: list[str]) -> int:
    return sum(sql.startswith("INSERT INTO import_all_orders") for sql in statements)


def undone(statements: list[str]) -> bool:
    return any(sql.startswith("ROLLBACK TO SAVEPOINT") for sql in statements)


def assert_as_plain_loader(path: Path, *, spans: bool) -> None:
    orm_result, orm_state, _statements = load(path, "orm")
    assert orm_state["orders"]
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError, match="PostgreSQL"):
            load(path, "bulk")
        return
    result, state, statements = load(path, "bulk")
    assert result == orm_result
    assert state == orm_state
    assert undone(statements) is spans
    # Undone: the chunks loaded before the shared order was found, then the file in one piece.
    assert chunks_loaded(statements) > (2 if spans else 1)


def test_a_file_loaded_in_chunks_is_loaded_as_in_one_piece(sample_catalogue, tmp_path):
    header, rows = rows_of_sample()
    assert_as_plain_loader(write(tmp_path, header, rows), spans=False)


def test_an_order_whose_rows_are_apart_is_loaded_in_one_piece(sample_catalogue, tmp_path):
    header, rows = rows_of_sample()
    first = next(i for i in range(len(rows) - 1) if order_id(rows[i]) == order_id(rows[i + 1]))
    rows.append(rows.pop(first + 1))  # its second line now comes last, chunks later
    assert_as_plain_loader(write(tmp_path, header, rows), spans=True)


def test_a_sub_order_id_repeated_in_a_later_chunk_is_reported_as_in_one_piece(
    sample_catalogue, tmp_path
):
    header, rows = rows_of_sample()
    copy = rows[0].split(",")
    copy[0] = '"\t4951000000000000001"'  # another order, with the first row's sub-order id
    rows.append(",".join(copy))
    path = write(tmp_path, header, rows)
    assert_as_plain_loader(path, spans=True)
    result, _state, _statements = load(path, "orm")
    assert result["skipped_rows"] == 1


def test_a_bad_row_in_a_later_chunk_skips_its_order_from_an_earlier_one(sample_catalogue, tmp_path):
    header, rows = rows_of_sample()
    first = next(i for i in range(len(rows) - 1) if order_id(rows[i]) == order_id(rows[i + 1]))
    broken = rows.pop(first + 1).split(",")
    broken[4] = "zero"  # 商品数量
    rows.append(",".join(broken))
    path = write(tmp_path, header, rows)
    assert_as_plain_loader(path, spans=True)
    result, state, _statements = load(path, "orm")
    assert result["skipped_rows"] == 2
    assert ("douyin", order_id(rows[first])) not in state["orders"]


def test_chunks_of_no_rows_mean_one_piece(sample_catalogue, tmp_path):
    header, rows = rows_of_sample()
    path = write(tmp_path, header, rows)
    orm_result, _state, _statements = load(path, "orm")
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError, match="PostgreSQL"):
            load(path, "bulk", chunk_rows=0)
        return
    result, _state, statements = load(path, "bulk", chunk_rows=0)
    assert result == orm_result
    assert chunks_loaded(statements) == 1


def test_a_stream_that_cannot_go_back_is_loaded_in_one_piece(sample_catalogue):
    class OneWay(io.BytesIO):
        def seekable(self) -> bool:
            return False

    stream = OneWay(SAMPLE.read_bytes())
    with override_settings(IMPORT_CHUNK_ROWS=3), CaptureQueriesContext(connection) as queries:
        result = import_files([(SAMPLE.name, stream)])
    assert result.orders_created == Order.objects.count() > 0
    if connection.vendor == "postgresql":
        statements = [query["sql"] for query in queries.captured_queries]
        assert chunks_loaded(statements) == 1  # three rows a chunk would have made many


def test_a_file_cut_off_after_some_chunks_writes_nothing(sample_catalogue, tmp_path):
    header, rows = rows_of_sample()
    last = rows.pop()
    cut = last[: last.index("\t", 50) + 3]  # inside the quoted title of the last row
    path = tmp_path / "douyin.csv"
    path.write_text("\ufeff" + "\n".join([header, *rows, cut]), encoding="utf-8")
    with (
        override_settings(IMPORT_CHUNK_ROWS=3),
        path.open("rb") as handle,
        pytest.raises(FileRefused),
    ):
        import_files([(path.name, handle)])
    assert not Order.objects.exists()


def test_a_statement_that_fails_in_a_chunk_is_reported_and_nothing_is_written(
    sample_catalogue, tmp_path, monkeypatch
):
    header, rows = rows_of_sample()
    path = write(tmp_path, header, rows)
    if connection.vendor != "postgresql":
        with path.open("rb") as handle, pytest.raises(ValueError, match="PostgreSQL"):
            import_files([(path.name, handle)], loader="bulk")
        return

    upsert_lines = bulk._upsert_lines

    def failing_in_the_third_chunk(cursor, context, result):
        if context["chunk"] == 2:
            cursor.execute("SELECT 1 / 0")
        upsert_lines(cursor, context, result)

    monkeypatch.setattr(bulk, "_upsert_lines", failing_in_the_third_chunk)
    with (
        override_settings(IMPORT_CHUNK_ROWS=3),
        path.open("rb") as handle,
        pytest.raises(DataError, match="division by zero"),
    ):
        import_files([(path.name, handle)])
    assert not Order.objects.exists()


@pytest.mark.parametrize("paths", list(SAMPLES.values()), ids=list(SAMPLES))
def test_the_files_read_again_give_the_same_rows(paths):
    """What the loader falls back on: the files (a pair, an xlsx) read again from the start."""
    files = open_files(paths)
    try:
        reopen = imports._reopener(files, None)
        importer, tables = imports.read_files(files)
        first = [item.row for item in importer.parse(tables)]
        again = [item.row for item in importer.parse(reopen())]
    finally:
        for _name, handle in files:
            handle.close()
    assert first and again == first
