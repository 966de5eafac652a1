import os
import tempfile

from voucher_engine import Engine, Money, VoucherKind, VoucherSpec

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
with Engine.open(url) as engine:  # an embedded SQLite file is created and migrated on open
    engine.create_tenant("shop")
    voucher = engine.issue("shop", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")))
    engine.redeem("shop", code=voucher.code, amount=Money.parse("12.50", "EUR"))
    hold = engine.hold("shop", code=voucher.code, amount=Money.parse("20.00", "EUR"))
    engine.capture("shop", hold.hold_id, amount=Money.parse("7.25", "EUR"))  # 12.75 goes back
    voucher = engine.get_voucher("shop", code=voucher.code)
    print(voucher.state, voucher.balance())
    print([line.kind for line in engine.redeem_history("shop", code=voucher.code)])

# Output:
# partially_redeemed 30.25 EUR
# ['redeem', 'capture']
