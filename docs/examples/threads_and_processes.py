"""Concurrency: one engine shared by many threads; one engine per process, one database."""

import multiprocessing
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

from voucher_engine import Engine, Money, VoucherKind, VoucherSpec
from voucher_engine.errors import PoolDepleted, Rejected


def pop_codes(url: str, count: int) -> list[str]:
    """Runs in a child process: it opens its own engine (never share one across a fork)."""
    codes = []
    with Engine.open(url) as engine:
        for _ in range(count):
            try:
                codes.append(engine.pop_code("shop", "tickets").code)
            except PoolDepleted:
                break
    return codes


def spend_ten(engine: Engine, code: str) -> bool:
    try:
        engine.redeem("shop", code=code, amount=Money.parse("10.00", "EUR"))
        return True
    except Rejected:  # InsufficientFunds, or IllegalTransition once the voucher is redeemed
        return False


if __name__ == "__main__":
    url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
    with Engine.open(url) as engine:  # opened (and migrated) once before any worker starts
        engine.create_tenant("shop")
        voucher = engine.issue("shop", VoucherSpec(VoucherKind.MONETARY, Money.parse("100.00", "EUR")))
        with ThreadPoolExecutor(max_workers=16) as threads:  # 32 redemptions of 10.00 race
            results = list(threads.map(lambda _: spend_ten(engine, voucher.code), range(32)))
        print("succeeded:", results.count(True), "refused:", results.count(False),
              "left:", engine.get_voucher("shop", code=voucher.code).balance())

        engine.create_pool("shop", "tickets")
        engine.add_codes("shop", "tickets", (f"TICKET-{n:03d}" for n in range(1, 41)))

    with multiprocessing.get_context("spawn").Pool(4) as processes:  # 4 x 15 pops of 40 codes
        popped = [code for batch in processes.starmap(pop_codes, [(url, 15)] * 4) for code in batch]
    print("popped:", len(popped), "distinct:", len(set(popped)))

# Output:
# succeeded: 10 refused: 22 left: 0.00 EUR
# popped: 40 distinct: 40
