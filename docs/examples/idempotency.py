"""Idempotency keys: a retried call returns the saved result and has no second effect."""

import os
import tempfile

from voucher_engine import Engine, Money, VoucherKind, VoucherSpec
from voucher_engine.errors import IdempotencyKeyReused

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
EUR = lambda text: Money.parse(text, "EUR")  # noqa: E731

with Engine.open(url) as engine:
    engine.create_tenant("shop")
    spec = VoucherSpec(VoucherKind.MONETARY, EUR("50.00"))
    issued = engine.issue("shop", spec, idempotency_key="order-881", scope="client-a")
    retried = engine.issue("shop", spec, idempotency_key="order-881", scope="client-a")
    print("same voucher:", retried == issued, "vouchers:", engine.stats("shop")["vouchers"])

    first = engine.redeem("shop", code=issued.code, amount=EUR("10.00"), idempotency_key="pay-1")
    again = engine.redeem("shop", code=issued.code, amount=EUR("10.00"), idempotency_key="pay-1")
    balance = engine.get_voucher("shop", code=issued.code).balance()
    print("same movement:", again == first, "balance:", balance)

    try:  # the same key for a different request is a client bug, refused
        engine.redeem("shop", code=issued.code, amount=EUR("12.00"), idempotency_key="pay-1")
    except IdempotencyKeyReused as error:
        print("refused:", error.code)

    # Keys are per tenant and per scope (the calling client): another client's "pay-1" is its own.
    other = engine.redeem("shop", code=issued.code, amount=EUR("12.00"), idempotency_key="pay-1",
                          scope="client-b")
    print("client-b:", other.amount, "balance:", engine.get_voucher("shop", code=issued.code).balance())

# Output:
# same voucher: True vouchers: {'available': 1}
# same movement: True balance: 40.00 EUR
# refused: idempotency_key_reused
# client-b: 1200 balance: 28.00 EUR
