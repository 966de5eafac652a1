"""Errors: one hierarchy, a stable ``code`` to switch on, ``retryable``, and ``details``."""

import os
import tempfile

from voucher_engine import Engine, Money, VoucherKind, VoucherSpec
from voucher_engine.errors import NotFound, Rejected, ValidationError, VoucherEngineError

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"

with Engine.open(url) as engine:
    engine.create_tenant("shop")
    engine.issue("shop", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR")), code="SMALL")

    calls = {
        "float amount": lambda: Money(4.99, "EUR"),
        "three decimals": lambda: Money.parse("4.995", "EUR"),
        "wrong currency": lambda: engine.redeem("shop", code="SMALL", amount=Money.parse("1.00", "USD")),
        "too much": lambda: engine.redeem("shop", code="SMALL", amount=Money.parse("9.00", "EUR")),
        "unknown code": lambda: engine.redeem("shop", code="NOPE", amount=Money.parse("1.00", "EUR")),
        "unknown tenant": lambda: engine.issue("nobody", VoucherSpec(VoucherKind.SINGLE_USE)),
    }
    for name, call in calls.items():
        try:
            call()
        except VoucherEngineError as error:
            family = next(f.__name__ for f in (ValidationError, NotFound, Rejected) if isinstance(error, f))
            line = f"{name}: {error.code} ({family}, retryable={error.retryable})"
            print(line + (f" {error.details}" if error.details else ""))
    print("balance untouched:", engine.get_voucher("shop", code="SMALL").balance())

# Output:
# float amount: invalid_amount (ValidationError, retryable=False)
# three decimals: invalid_amount (ValidationError, retryable=False)
# wrong currency: currency_mismatch (ValidationError, retryable=False) {'expected': 'EUR', 'got': 'USD'}
# too much: insufficient_funds (Rejected, retryable=False) {'available': 500}
# unknown code: voucher_not_found (NotFound, retryable=False)
# unknown tenant: tenant_not_found (NotFound, retryable=False)
# balance untouched: 5.00 EUR
