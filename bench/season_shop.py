"""The season's shop: suppliers (reliable, ordinary, slow and noisy), their SKUs, and a demand
stream drawn once from the seed so every policy faces the same customers.

Orders arrive as a Poisson process per SKU (a weekly rhythm, a daytime hour profile and one
flash sale); each customer carries a patience drawn up front, so "cancelled because of the
wait" depends on the policy and nothing else.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from domain.model import Catalog, Product, Supplier

# Mon..Sun: more on Sunday evening and Monday, less on Saturday.
WEEKDAY_RHYTHM = (1.1, 1.0, 0.95, 0.95, 0.9, 0.75, 1.35)
# Relative orders per local hour 0..23: quiet nights, a lunch bump, busy evenings.
HOUR_PROFILE = (1, 1, 1, 1, 1, 1, 2, 4, 6, 7, 7, 8, 9, 8, 7, 7, 7, 8, 10, 12, 12, 10, 6, 3)
CASE_PACKS = (1, 1, 2, 4, 6, 12)
FLASH_MULTIPLIER = 40.0
FLASH_HOURS = 6
NO_EARLY_RAISE = 0


@dataclass(frozen=True)
class SupplierHabit:
    """How a supplier delivers: its stated lead time, how far it strays, how often late."""

    name: str
    kind: str  # reliable | ordinary | slow
    lead_days: int
    spread_days: float  # standard deviation of the lead time around the stated one
    late_chance: float  # a late delivery: extra days on top
    late_days: tuple[int, int]
    short_chance: float  # a short delivery: part of the lines come later, or never
    min_order_qty: int
    promise_days: int | None


@dataclass(frozen=True)
class SeasonOrder:
    """One customer's order as it will arrive, with what the customer will do later."""

    number: str
    placed_at: datetime
    lines: tuple[tuple[str, int], ...]
    patience_days: float  # cancels if still waiting this long after placing
    changes_mind_at: datetime | None = None  # cancels then, whatever the wait
    updated_at: datetime | None = None  # the first line's quantity goes up by one then
    flash: bool = False


@dataclass
class Shop:
    habits: tuple[SupplierHabit, ...]
    catalog: Catalog
    orders: list[SeasonOrder] = field(default_factory=list)

    @property
    def supplier_of(self) -> dict[str, str]:
        return {p.sku: p.supplier for p in self.catalog.products}


def supplier_habits(count: int, rng: random.Random) -> tuple[SupplierHabit, ...]:
    """A quarter reliable, a quarter slow and noisy, the rest ordinary."""
    habits = []
    for n in range(count):
        share = n / count
        if share < 0.25:
            kind, lead, spread, late, short = "reliable", rng.randint(4, 7), 0.5, 0.03, 0.03
            minimum, promise, late_days = rng.choice((24, 36, 48)), None, (1, 3)
        elif share >= 0.8:
            kind, lead, spread, late, short = "slow", rng.randint(16, 24), 4.0, 0.25, 0.15
            minimum, promise, late_days = 120, lead + 16, (5, 15)
        else:
            kind, lead, spread, late, short = "ordinary", rng.randint(7, 12), 1.5, 0.1, 0.08
            minimum = rng.choice((NO_EARLY_RAISE, 40, 60))
            promise, late_days = None, (2, 7)
        name = f"{kind.title()} Supplier {n + 1:02d}"
        habits.append(
            SupplierHabit(name, kind, lead, spread, late, late_days, short, minimum, promise)
        )
    return tuple(habits)


def shop_catalog(
    habits: tuple[SupplierHabit, ...], skus: int, rng: random.Random, minimums: bool = True
) -> Catalog:
    """`skus` products spread over the suppliers, a little stock on hand."""
    suppliers = tuple(
        Supplier(
            h.name,
            f"orders@{h.kind}{i}.example",
            h.lead_days,
            h.min_order_qty if minimums else NO_EARLY_RAISE,
            h.promise_days,
        )
        for i, h in enumerate(habits)
    )
    products = tuple(
        Product(
            f"SKU-{n:04d}",
            f"Season product {n}",
            habits[n % len(habits)].name,
            rng.randint(0, 6),
            rng.choice(CASE_PACKS),
            Decimal(rng.randint(150, 9_000)) / 100,
        )
        for n in range(skus)
    )
    return Catalog(suppliers, products, supplier_promises=True)


def poisson(mean: float, rng: random.Random) -> int:
    """A Poisson draw (Knuth's method; the means here are small)."""
    if mean <= 0:
        return 0
    if mean > 30:  # normal approximation for the flash sale's busiest SKUs
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def demand(
    shop: Shop,
    start: datetime,
    days: int,
    orders_per_day: float,
    flash_day: int | None,
    rng: random.Random,
) -> list[SeasonOrder]:
    """Every order of the season, in placing order (the same for every policy)."""
    skus = [p.sku for p in shop.catalog.products]
    weights = [rng.lognormvariate(0, 1.0) for _ in skus]  # a few best sellers, a long tail
    scale = orders_per_day / sum(weights)
    flash_skus = set(rng.sample(skus, max(1, len(skus) // 4)))
    arrivals: list[tuple[datetime, str, bool]] = []
    for day in range(days):
        midnight = start + timedelta(days=day)
        rhythm = WEEKDAY_RHYTHM[midnight.weekday()]
        for sku, weight in zip(skus, weights, strict=True):
            for _ in range(poisson(weight * scale * rhythm, rng)):
                arrivals.append((midnight + _hour_of_day(rng), sku, False))
            if day == flash_day and sku in flash_skus:
                extra = weight * scale * FLASH_MULTIPLIER * FLASH_HOURS / 24
                for _ in range(poisson(extra, rng)):
                    at = midnight + timedelta(hours=19, seconds=rng.uniform(0, FLASH_HOURS * 3600))
                    arrivals.append((at, sku, True))
    arrivals.sort()
    return [_order(n, at, sku, flash, skus, rng) for n, (at, sku, flash) in enumerate(arrivals)]


def _hour_of_day(rng: random.Random) -> timedelta:
    hour = rng.choices(range(24), weights=HOUR_PROFILE)[0]
    return timedelta(hours=hour, seconds=rng.uniform(0, 3599))


def _order(
    n: int, at: datetime, sku: str, flash: bool, skus: list[str], rng: random.Random
) -> SeasonOrder:
    """One order: its SKU (and sometimes a second), and what its customer will do."""
    lines = [(sku, min(1 + int(rng.expovariate(1.5)), 6))]
    if rng.random() < 0.2:
        other = rng.choice(skus)
        if other != sku:
            lines.append((other, 1))
    changes_mind = at + timedelta(days=rng.uniform(0.1, 2)) if rng.random() < 0.02 else None
    updated = at + timedelta(hours=rng.uniform(1, 12)) if rng.random() < 0.06 else None
    return SeasonOrder(
        number=str(50_001 + n),
        placed_at=at,
        lines=tuple(lines),
        # Weibull with shape 2: the chance to give up grows with the wait.
        patience_days=rng.weibullvariate(40, 2),
        changes_mind_at=changes_mind,
        updated_at=updated,
        flash=flash,
    )


def build_shop(
    seed: int,
    suppliers: int,
    skus: int,
    start: datetime,
    days: int,
    orders_per_day: float,
    flash_day: int | None,
    minimums: bool = True,
) -> Shop:
    """The shop and its season, from the seed alone."""
    rng = random.Random(f"season:{seed}:shop")
    habits = supplier_habits(suppliers, rng)
    shop = Shop(habits, shop_catalog(habits, skus, rng, minimums))
    shop.orders = demand(
        shop, start, days, orders_per_day, flash_day, random.Random(f"season:{seed}:demand")
    )
    return shop
