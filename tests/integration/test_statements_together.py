"""Statements sent together on PostgreSQL share one set of parameters: a name in both would
silently take one statement's values for the other's, so it is refused before anything runs."""

from __future__ import annotations

import dataclasses

import pytest

from domain.model import OrderSource
from storage import statements as sql
from storage.db import Database
from storage.statements import DriverSql
from storage.unit_of_work import SqlUnitOfWork
from tests.support.builders import T0, delivery, order

POSTGRES_ONLY = pytest.mark.parametrize(
    "database", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@POSTGRES_ONLY
def test_two_statements_sharing_a_parameter_name_are_refused(database: Database) -> None:
    with database.engine.connect() as conn:
        driver = DriverSql(conn)
        with pytest.raises(ValueError, match="must not share a parameter name"):
            driver.execute_together(
                sql.TAKE_STOCK, [{"pid": 1, "units": 1}], sql.TAKE_STOCK, [{"pid": 2, "units": 1}]
            )
        conn.rollback()


@POSTGRES_ONLY
def test_a_delivery_whose_order_names_another_store_is_refused(database: Database) -> None:
    shopify_order = order("1001", ("TUBE", 1), source=OrderSource.SHOPIFY)
    mixed = dataclasses.replace(delivery(shopify_order), source=OrderSource.GENERIC)
    with SqlUnitOfWork(database) as uow, pytest.raises(ValueError, match="delivery's store"):
        uow.orders.claim_delivered(mixed, T0)
