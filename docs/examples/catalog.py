"""The catalog: stores and their offers (face value versus price, denominations or ranges)."""

import os
import tempfile

from voucher_engine import Engine, Money, Offer, Store, VoucherKind, VoucherSpec

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
EUR = lambda text: Money.parse(text, "EUR")  # noqa: E731

with Engine.open(url) as engine:
    engine.create_tenant("mall")
    engine.put_store(Store("books", "mall", "Book Corner", url="https://books.example.com"))
    engine.put_offer(Offer("books-fixed", "mall", "books", "Book voucher", "EUR",
                           denominations=(1000, 2500, 5000)))
    engine.put_offer(Offer("books-any", "mall", "books", "Any amount, 5 % off", "EUR",
                           min_value=500, max_value=20000, step=100, discount_bp=500))

    print([s.name for s in engine.list_stores("mall")], [o.id for o in engine.list_offers("mall")])
    fixed, ranged = engine.get_offer("mall", "books-fixed"), engine.get_offer("mall", "books-any")
    quote = ranged.quote_by_value(EUR("40.00"))
    print("worth", quote.face, "costs", quote.price)
    print("pay 19.00 ->", ranged.quote_by_price(EUR("19.00")).face)
    print("budget 30.00 ->", [str(q.face) for q in fixed.proposals(EUR("30.00"))])
    print("budget 30.00 ->", [str(q.face) for q in ranged.proposals(EUR("30.00"), limit=3)])  # by price

    # Selling one: issue a voucher worth the face value, remembering the offer it came from.
    sold = engine.issue("mall", VoucherSpec(VoucherKind.MONETARY, quote.face, redeemable_at=("books",)),
                        offer_id=ranged.id)
    print(sold.balance(), sold.offer_id, sold.redeemable_at)

# Output:
# ['Book Corner'] ['books-any', 'books-fixed']
# worth 40.00 EUR costs 38.00 EUR
# pay 19.00 -> 20.00 EUR
# budget 30.00 -> ['25.00 EUR', '10.00 EUR']
# budget 30.00 -> ['31.00 EUR', '30.00 EUR', '29.00 EUR']
# 40.00 EUR books-any ('books',)
