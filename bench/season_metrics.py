"""What a season did for the shop, read from the bot's own records (and what the season saw):
customers' waits, POs per supplier and week, units forgotten, cancellations, customers told in
time, overage; and the bot's invariants, each a sentence when broken."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from bench.season_run import Record
from storage.db import Database

DAY_S = 86400.0


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def _at(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _lines(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            "SELECT l.id, l.product_id, l.quantity, l.allocated_qty, l.waiting_qty, "
            "l.backordered_qty, l.placed_at, l.promised_by, l.cancelled_at AS line_cancelled, "
            "o.cancelled_at AS order_cancelled, o.number FROM order_lines l "
            "JOIN orders o ON o.id = l.order_id WHERE l.product_id IS NOT NULL"
        )
    ).mappings()
    return [
        dict(r)
        | {
            "placed_at": _at(r["placed_at"]),
            "promised_by": _at(r["promised_by"]),
            "cancelled": r["line_cancelled"] is not None or r["order_cancelled"] is not None,
        }
        for r in rows
    ]


def season_outcome(
    database: Database, record: Record, start: datetime, end: datetime, first_deadline: datetime
) -> dict[str, Any]:
    """The figures at the end of the season (before the closing release)."""
    with database.engine.connect() as conn:
        lines = _lines(conn)
        pos = conn.execute(
            text(
                "SELECT p.id, p.supplier_id, p.trigger, p.sent_at, p.proposed_at, p.status "
                "FROM purchase_orders p"
            )
        ).all()
        stock = conn.execute(text("SELECT coalesce(sum(on_hand), 0) FROM products")).scalar_one()
        suppliers = conn.execute(text("SELECT count(*) FROM suppliers")).scalar_one()
    waits, censored = [], 0
    for line in lines:
        if line["cancelled"] or not line["backordered_qty"]:
            continue
        ready = record.filled_at.get(line["id"]) if not line["waiting_qty"] else None
        if ready is None:
            censored += 1
            ready = end
        waits.append((ready - line["placed_at"]).total_seconds() / DAY_S)
    weeks = (end - start).days / 7 or 1
    sent = [p for p in pos if p.sent_at is not None]
    return {
        "orders_lines": len(lines),
        "backordered_lines": len(waits),
        "still_waiting_at_end": censored,
        "wait_p50_days": percentile(waits, 0.5),
        "wait_p90_days": percentile(waits, 0.9),
        "wait_max_days": max(waits, default=None),
        "waits_days": waits,
        "pos_sent": len(sent),
        "pos_per_supplier_week": len(sent) / suppliers / weeks,
        "pos_per_week": _per_week(sent, start, end),
        "most_non_minimum_pos_in_a_supplier_week": _most_in_a_cycle(sent, first_deadline),
        "wait_cancelled_lines": record.wait_cancels,
        "wait_cancelled_units": record.wait_cancelled_units,
        "told_in_time": told_in_time(database, lines, record, end),
        "stock_left_units": int(stock),
        "lead_p90_days": percentile([r["lead_days"] for r in record.receipts], 0.9),
        "lead_p50_days": percentile([r["lead_days"] for r in record.receipts], 0.5),
        "receipts": len(record.receipts),
        "late_receipts": sum(r["late"] for r in record.receipts),
        "short_receipts": sum(r["short"] for r in record.receipts),
    }


def _per_week(sent: list[Any], start: datetime, end: datetime) -> list[int]:
    """POs sent in each week of the season (week 1 starts on its first day)."""
    counts = Counter(
        int((at - start) // timedelta(days=7))
        for at in (_at(p.sent_at) for p in sent)
        if at is not None and start <= at < end
    )
    return [counts.get(w, 0) for w in range(-(-(end - start).days // 7))]


def _most_in_a_cycle(sent: list[Any], first_deadline: datetime) -> int:
    """The most POs sent to one supplier that were proposed in one deadline week, minimum-
    triggered ones aside. Weeks run from 12 h before one deadline to 12 h before the next
    (a clock change moves the deadline by an hour in UTC, never out of its week); keyed by
    proposal, as a PO proposed on Friday may be approved on Monday."""
    start = first_deadline - timedelta(hours=12)
    counts: Counter[tuple[int, int]] = Counter()
    for p in sent:
        proposed = _at(p.proposed_at)
        if p.trigger != "minimum" and proposed is not None:
            counts[(p.supplier_id, (proposed - start) // timedelta(days=7))] += 1
    return max(counts.values(), default=0)


def told_in_time(
    database: Database, lines: list[dict[str, Any]], record: Record, end: datetime
) -> dict[str, Any]:
    """Lines whose promise lapsed before they were ready (or before they were cancelled, or by
    the season's end), and how many of their customers got a notice, sent by the promised day,
    that gave a date after it (the backordered notice, or a delay notice); and how many heard
    only later."""
    told: dict[int, list[tuple[datetime, Any]]] = defaultdict(list)
    with database.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT lines_key, sent_at, about_date FROM customer_notices "
                "WHERE status = 'sent' AND kind IN ('backordered', 'delayed')"
            )
        ).all()
    for key, sent_at, about in rows:
        for line_id in str(key).split(","):
            told[int(line_id)].append((_at(sent_at), about))
    late: list[list[tuple[datetime | None, str]]] = []
    for line in lines:
        promise = line["promised_by"]
        if not line["backordered_qty"] or promise is None or promise > end:
            continue
        ready = record.filled_at.get(line["id"]) if not line["waiting_qty"] else None
        if ready is not None and ready.date() <= promise.date():  # ready on the day: in time
            continue
        cancelled = _at(line["line_cancelled"] or line["order_cancelled"])
        if cancelled is not None and cancelled.date() <= promise.date():
            continue  # given up before any promise lapsed: not a late line
        day = str(promise.date())
        late.append([(sent, day) for sent, about in told.get(line["id"], []) if str(about) > day])
    in_time = sum(
        any(sent is not None and str(sent.date()) <= day for sent, day in notices)
        for notices in late
    )
    share = in_time / len(late) if late else None
    return {
        "late_lines": len(late),
        "told_before_lapse": in_time,
        "told_only_after_lapse": sum(bool(notices) for notices in late) - in_time,
        "share": share,
    }


def forgotten_units(database: Database) -> dict[str, int]:
    """After the policy's next release: waiting units on no open PO, and units on the shelf
    while customers of the same SKU wait."""
    with database.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.id, p.on_hand, coalesce(w.units, 0), coalesce(o.units, 0) "
                "FROM products p "
                "LEFT JOIN (SELECT l.product_id, sum(l.waiting_qty) AS units FROM order_lines l "
                "JOIN orders o ON o.id = l.order_id WHERE l.waiting_qty > 0 "
                "AND l.cancelled_at IS NULL AND o.cancelled_at IS NULL GROUP BY l.product_id) w "
                "ON w.product_id = p.id "
                "LEFT JOIN (SELECT pl.product_id, sum(pl.quantity - pl.received_qty) AS units "
                "FROM po_lines pl JOIN purchase_orders po ON po.id = pl.po_id "
                "WHERE po.status IN ('proposed', 'held', 'approved', 'sent') "
                "GROUP BY pl.product_id) o ON o.product_id = p.id"
            )
        ).all()
    off_po = sum(max(int(w) - int(o), 0) for _, _, w, o in rows)
    on_shelf = sum(min(max(int(h), 0), int(w)) for _, h, w, _ in rows)
    return {"not_on_a_po": off_po, "on_the_shelf": on_shelf, "total": off_po + on_shelf}


def broken_invariants(
    database: Database, record: Record, initial_stock: int, policy_forgets: bool
) -> list[str]:
    """Each broken invariant, in a sentence; empty when all hold."""
    broken = list(record.broken)
    with database.engine.connect() as conn:
        lines = _lines(conn)
        negative = conn.execute(text("SELECT count(*) FROM products WHERE on_hand < 0")).scalar()
        received = conn.execute(
            text("SELECT coalesce(sum(quantity), 0) FROM receipt_lines")
        ).scalar_one()
        stock = conn.execute(text("SELECT coalesce(sum(on_hand), 0) FROM products")).scalar_one()
        sends = conn.execute(
            text(
                "SELECT json_extract(payload, '$.po_id') AS po, count(*) FROM outbox "
                "WHERE kind = 'po.to_supplier' GROUP BY po HAVING count(*) > 1"
            )
        ).all()
        numbers = conn.execute(
            text(
                "SELECT number FROM purchase_orders WHERE number IS NOT NULL "
                "GROUP BY number HAVING count(*) > 1"
            )
        ).all()
    if negative:
        broken.append(f"stock below zero on {negative} products")
    live = [ln for ln in lines if not ln["cancelled"]]
    odd = [ln["id"] for ln in live if ln["allocated_qty"] + ln["waiting_qty"] != ln["quantity"]]
    if odd:
        broken.append(f"units not conserved on {len(odd)} lines (ordered != ready + waiting)")
    allocated = sum(ln["allocated_qty"] for ln in live)
    if initial_stock + int(received) != int(stock) + allocated:
        broken.append(
            f"stock not conserved: {initial_stock} at start + {received} received != "
            f"{stock} on hand + {allocated} with customers"
        )
    if sends:
        broken.append(f"{len(sends)} POs sent to their supplier more than once")
    if numbers:
        broken.append(f"{len(numbers)} PO numbers used twice")
    broken += fifo_breaks(lines, record)
    if not policy_forgets:
        forgotten = forgotten_units(database)
        if forgotten["total"]:
            broken.append(f"{forgotten['total']} units forgotten: {json.dumps(forgotten)}")
    return broken


def fifo_breaks(lines: list[dict[str, Any]], record: Record) -> list[str]:
    """A line still waiting while a later line of the same SKU was filled by a receipt."""
    waiting: dict[int, datetime] = {}
    for line in lines:
        if line["waiting_qty"] and not line["cancelled"] and line["number"] not in record.updated:
            pid = line["product_id"]
            waiting[pid] = min(waiting.get(pid, line["placed_at"]), line["placed_at"])
    breaks = [
        line["id"]
        for line in lines
        if line["id"] in record.filled_at
        and line["product_id"] in waiting
        and line["placed_at"] > waiting[line["product_id"]]
        and not line["cancelled"]
    ]
    return [f"first in, first out broken: {len(breaks)} later lines filled first"] if breaks else []
