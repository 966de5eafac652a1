from voucher_engine import Money, VoucherKind, VoucherSpec, replay


def test_issue_redeem_replay(engine):
    voucher = engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("100.00", "EUR")))
    moved = engine.redeem("acme", code=voucher.code, amount=Money.parse("10.53", "EUR"))
    assert moved.available == 10000 - 1053
    assert replay(engine.ledger("acme", code=voucher.code)).available == moved.available
