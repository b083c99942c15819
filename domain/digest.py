"""The weekly digest: once per week in the channel, with its workbook beside it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.lead_times import EtaSlip, LatePromise
from domain.notifications import DIGEST_POSTED, DIGEST_WORKBOOK, Notice
from domain.ports import UnitOfWork


def post_digest(
    uow: UnitOfWork,
    key: str,
    week: tuple[datetime, datetime],
    now: datetime,
    channel: str,
    slips: Sequence[EtaSlip] = (),
    once: bool = True,
    late: Sequence[LatePromise] = (),
) -> bool:
    """Queue the digest of `week` (start, end) under `key`; with `once`, only once per key.

    Its numbers are read when it is sent; `slips` (expected dates that moved, found once by
    the ETA refresh) and `late` (lines expected after their promise) travel with it.
    """
    week_facts = {"start": week[0].isoformat(), "end": week[1].isoformat()}
    found = {"slips": [_slip(s) for s in slips], "late": [_late(line) for line in late]}
    with uow:
        if once and not uow.periods.claim(key, now):
            return False
        uow.outbox.add(
            Notice(DIGEST_POSTED, channel, week_facts | found, key),
            now,
        )
        workbook = Notice(DIGEST_WORKBOOK, channel, week_facts | {"digest": key}, f"{key}:file")
        uow.outbox.add(workbook, now)
        uow.commit()
    return True


def _slip(slip: EtaSlip) -> dict[str, Any]:
    return {
        "order_number": slip.order_number,
        "sku": slip.sku,
        "first_expected_at": slip.first_expected_at.isoformat(),
        "expected_at": slip.expected_at.isoformat(),
    }


def _late(line: LatePromise) -> dict[str, Any]:
    return {
        "order_number": line.order_number,
        "sku": line.sku,
        "promised_by": line.promised_by.isoformat(),
        "expected_at": line.expected_at.isoformat(),
    }
