"""Cell converters that remember repeated cells give what the converter gives, every time."""

from decimal import Decimal

import pytest

from livestreams.importers.base import BadValue, Memo, money, optional


def counting(convert):
    calls = []

    def wrapped(value, **kwargs):
        calls.append(value)
        return convert(value, **kwargs)

    return wrapped, calls


def test_a_repeated_cell_is_converted_once_and_gives_the_same_value():
    convert, calls = counting(money)
    amount = Memo(convert, column="商品单价")
    assert amount("12.50") == Decimal("12.50")
    assert amount("12.50") == Decimal("12.50")
    assert amount("1,234.5") == Decimal("1234.50")
    assert calls == ["12.50", "1,234.5"]


def test_a_bad_cell_raises_on_every_row():
    convert, calls = counting(money)
    amount = Memo(convert, column="商品单价")
    for _ in range(2):
        with pytest.raises(BadValue):
            amount("abc")
    assert calls == ["abc", "abc"]


def test_only_text_cells_are_remembered():
    # An xlsx cell True must not answer for the 1 seen before (True == 1 in a dictionary).
    amount = Memo(money, column="商品单价")
    assert amount(1) == Decimal("1.00")
    with pytest.raises(BadValue):
        amount(True)
    assert amount.values == {}


def test_memory_stays_bounded():
    text = Memo(optional, size=3)
    for n in range(10):
        assert text(f" {n} ") == str(n)
        assert len(text.values) <= 3
    assert text("-") == ""
