"""Which orders a person means by what they type: the shop's name, its number, or its id."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.models import OrderRow


def orders_named(session: Session, text: str) -> list[int]:
    """Ids of the orders `text` (without '#') names: the name the shop shows (`#1166X01` or
    `SO-1166`, typed with or without its '#'), the store's order number (`1166`) or its id;
    failing those, the name in any case (`1166x01`)."""
    names = (text, f"#{text}")
    exact = or_(
        OrderRow.number.in_(names), OrderRow.order_number == text, OrderRow.external_id == text
    )
    lower = tuple(name.lower() for name in names)
    for where in (exact, func.lower(OrderRow.number).in_(lower)):
        ids = list(session.scalars(select(OrderRow.id).where(where).order_by(OrderRow.id)))
        if ids:
            return ids
    return []
