"""Members: one person known by several identifiers; vouchers found by public or third-party id."""

import os
import tempfile

from voucher_engine import Engine, VoucherKind, VoucherSpec
from voucher_engine.errors import IdentifiersDisagree, MemberNotFound

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"

with Engine.open(url) as engine:
    engine.create_tenant("shop")
    ann = engine.put_member("shop", {"username": "ann", "member_number": "M-100"})
    bob = engine.put_member("shop", {"username": "bob", "external:crm": "crm-7"})
    print("ids:", ann.id, bob.id)

    # Any one identifier finds the member; put adds (or replaces) identifiers of that member.
    print(engine.find_member("shop", identifiers={"member_number": "M-100"}).identifiers)
    engine.put_member("shop", {"username": "ann", "card_number": "CARD-1"})
    print(sorted(engine.find_member("shop", member_id=ann.id).identifiers))
    try:
        engine.find_member("shop", identifiers={"username": "ann", "external:crm": "crm-7"})
    except IdentifiersDisagree as error:
        print("refused:", error.code)
    try:
        engine.find_member("shop", identifiers={"username": "carol"})
    except MemberNotFound as error:
        print("refused:", error.code)

    # A member's voucher: the holder is whatever the host chooses; here the member id.
    voucher = engine.issue("shop", VoucherSpec(VoucherKind.SINGLE_USE, third_party_id="pos-991"),
                           holder=f"member:{ann.id}")
    print("public id:", voucher.public_id)
    print(engine.get_voucher("shop", public_id=voucher.public_id).code == voucher.code)
    print(engine.get_voucher("shop", third_party_id="pos-991").holder)

# Output:
# ids: 1 2
# {'member_number': 'M-100', 'username': 'ann'}
# ['card_number', 'member_number', 'username']
# refused: identifiers_disagree
# refused: member_not_found
# public id: 1
# True
# member:1
