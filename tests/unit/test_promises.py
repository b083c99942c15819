"""Promises: a waiting line's ship-by date comes from the order when it states one, else the
product, else the supplier, else `customers.promise_days`; a line expected after it is late."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.promises import PromiseSource, UnpromisedLine, is_late, promise_for

PLACED = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


def test_an_order_that_states_a_date_is_promised_that_date_whatever_the_catalog_says() -> None:
    line = UnpromisedLine(1, PLACED, stated=date(2026, 12, 24), product_days=5, supplier_days=9)
    promise = promise_for(line, 30)
    assert (promise.day, promise.source) == (date(2026, 12, 24), PromiseSource.ORDER)


def test_the_products_days_come_before_the_suppliers() -> None:
    promise = promise_for(UnpromisedLine(1, PLACED, product_days=5, supplier_days=9), 30)
    assert (promise.day, promise.source) == (date(2026, 12, 6), PromiseSource.PRODUCT)


def test_the_suppliers_days_count_when_the_product_says_nothing() -> None:
    promise = promise_for(UnpromisedLine(1, PLACED, supplier_days=9), 30)
    assert (promise.day, promise.source) == (date(2026, 12, 10), PromiseSource.SUPPLIER)


def test_without_any_the_shop_promises_its_default_days_after_the_order() -> None:
    promise = promise_for(UnpromisedLine(1, PLACED), 30)
    assert (promise.day, promise.source) == (date(2026, 12, 31), PromiseSource.DEFAULT)


def test_a_zero_day_promise_from_the_catalog_is_still_the_catalogs() -> None:
    promise = promise_for(UnpromisedLine(1, PLACED, product_days=0, supplier_days=9), 30)
    assert (promise.day, promise.source) == (date(2026, 12, 1), PromiseSource.PRODUCT)


def test_a_line_expected_the_day_after_its_promise_is_late_and_on_the_day_is_not() -> None:
    promised = promise_for(UnpromisedLine(1, PLACED), 30).by
    assert is_late(datetime(2027, 1, 1, 8, 0, tzinfo=UTC), promised)
    assert not is_late(datetime(2026, 12, 31, 23, 0, tzinfo=UTC), promised)
    assert not is_late(None, promised)
    assert not is_late(datetime(2027, 1, 1, tzinfo=UTC), None)
