"""`python -m bench [--quick]`: every benchmark in turn, each with its defaults (`make bench`)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from bench import (
    customer_notices,
    deadline,
    digest,
    ingest,
    po_workbook,
    receiving,
    season,
    slack_ack,
    slow_clients,
)

BENCHES: dict[str, Callable[[list[str] | None], int | None]] = {
    "ingest": ingest.main,
    "slack_ack": slack_ack.main,
    "po_workbook": po_workbook.main,
    "deadline": deadline.main,
    "digest": digest.main,
    "receiving": receiving.main,
    "customer_notices": customer_notices.main,
    "slow_clients": slow_clients.main,
    "season": season.main,
}
# the others are quick already
QUICK = frozenset(
    {"ingest", "slack_ack", "deadline", "slow_clients", "receiving", "customer_notices", "season"}
)


# Set to a PostgreSQL URL on this machine, the benches whose goals name both databases run
# there too (they use a schema of their own, `bench`, dropped at the end).
POSTGRES_ENV = "BENCH_POSTGRES_URL"


def variants(name: str, postgres_url: str | None) -> list[list[str]]:
    """The runs of bench `name`: its defaults, and what its goals also name."""
    runs: list[list[str]] = [[]]
    if name == "ingest":
        runs.append(["--batch-every", "0"])  # summaries "post at once"
    if name in ("ingest", "receiving") and postgres_url:
        runs.append(["--database-url", postgres_url])
    return runs


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benches in order; stop at the first that fails."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="each bench's smoke run")
    parser.add_argument("--only", choices=list(BENCHES), action="append", help="repeatable")
    args = parser.parse_args(argv)
    postgres_url = os.environ.get(POSTGRES_ENV) or None
    names = args.only or list(BENCHES)
    if not postgres_url and {"ingest", "receiving"} & set(names):
        print(f"PostgreSQL runs of ingest and receiving: set {POSTGRES_ENV} to include them.")
    for name in names:
        quick = ["--quick"] if args.quick and name in QUICK else []
        for variant in variants(name, postgres_url):
            passed = quick + variant
            print(f"\n## bench.{name} {' '.join(passed)}\n", flush=True)
            code = BENCHES[name](passed)
            if code:
                return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
