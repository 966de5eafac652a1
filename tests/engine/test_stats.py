from voucher_engine import Money, VoucherKind, VoucherSpec


def test_stats_count_per_tenant_and_overall(engine):
    for code in ("A", "B", "C"):
        engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money(1000, "EUR")), code=code)
    engine.redeem("acme", code="A", amount=Money(1000, "EUR"))
    engine.redeem("acme", code="B", amount=Money(1, "EUR"))
    engine.hold("acme", code="C", amount=Money(5, "EUR"))
    engine.issue("globex", VoucherSpec(VoucherKind.SINGLE_USE), code="G")
    engine.create_pool("acme", "pa")
    engine.add_codes("acme", "pa", ["1", "2", "3"])
    engine.pop_code("acme", "pa")
    engine.create_pool("globex", "pg")

    assert engine.stats("acme") == {
        "vouchers": {"available": 1, "partially_redeemed": 1, "redeemed": 1},
        "holds_pending": 1,
        "pools": [{"tenant": "acme", "pool": "pa", "size": 3, "issued": 1, "remaining": 2}],
        "outbox": len(engine.events("acme")),
    }
    assert engine.stats("acme")["outbox"] == 3 + 2 + 1 + 1 + 1  # issued, redeemed, hold, codes added, code issued
    overall = engine.stats()
    assert overall["vouchers"] == {"available": 2, "partially_redeemed": 1, "redeemed": 1}
    assert [(p["tenant"], p["pool"]) for p in overall["pools"]] == [("acme", "pa"), ("globex", "pg")]
    assert overall["outbox"] == engine.stats("acme")["outbox"] + engine.stats("globex")["outbox"] == 9


def test_shared_services_are_one_per_engine_and_can_be_provided(engine):
    made = []

    def counter(eng):
        made.append(eng)
        return object()

    first = engine.shared(counter)
    assert engine.shared(counter) is first and made == [engine]
    replacement = object()
    engine.provide(counter, replacement)
    assert engine.shared(counter) is replacement
