"""Code pools: generate or import codes, pop them one at a time (idempotently), export them."""

import csv
import io
import os
import re
import tempfile

from voucher_engine import CodeFormat, Engine
from voucher_engine.errors import PoolDepleted

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"

with Engine.open(url) as engine:
    engine.create_tenant("shop")

    # Generated codes: X is a character of the charset (no 0/O, 1/I/L), # a digit.
    engine.create_pool("shop", "bets", code_format=CodeFormat("BET-XXX-######"))
    print(engine.generate_codes("shop", "bets", 1000))
    code = engine.pop_code("shop", "bets").code
    print("shape BET-XXX-######:", re.fullmatch(r"BET-[2-9A-HJKMNP-Z]{3}-[0-9]{6}", code) is not None)

    # Imported codes: any iterable, streamed in batches; codes already in the pool are skipped.
    partner_file = io.StringIO("code\nPARTNER-001\nPARTNER-002\nPARTNER-003\nPARTNER-002\n")
    engine.create_pool("shop", "partner", low_stock_threshold=1)
    print(engine.add_codes("shop", "partner", (row["code"] for row in csv.DictReader(partner_file))))

    first = engine.pop_code("shop", "partner", reference="order-1")
    again = engine.pop_code("shop", "partner", reference="order-1")  # same reference, same code
    print(first.code, again.code, "remaining:", again.remaining)
    engine.pop_code("shop", "partner", reference="order-2")
    engine.pop_code("shop", "partner", reference="order-3")
    try:
        engine.pop_code("shop", "partner", reference="order-4")
    except PoolDepleted as error:
        print("refused:", error.code)
    print([e.type for e in engine.events("shop", type="pool.low_stock")],
          [e.type for e in engine.events("shop", type="pool.depleted")])

    for line in engine.export_codes("shop", "partner"):  # streamed page by page
        print("export:", line.seq, line.code, line.reference)
    print(engine.pool_status("shop", "bets").remaining, "bets left")

# Output:
# CodesAdded(added=1000, skipped=0)
# shape BET-XXX-######: True
# CodesAdded(added=3, skipped=1)
# PARTNER-001 PARTNER-001 remaining: 2
# refused: pool_depleted
# ['pool.low_stock'] ['pool.depleted']
# export: 1 PARTNER-001 order-1
# export: 2 PARTNER-002 order-2
# export: 3 PARTNER-003 order-3
# 999 bets left
