"""Staff users of a tenant: the directory, permission sets per scope, a login whose token lives
one day, an API key, and the permission check an operation enforces."""

import os
import tempfile
from datetime import timedelta

from voucher_engine import Engine, ManualClock
from voucher_engine.errors import OAuthError, PermissionDenied
from voucher_engine.identity import Identity, StaffGrant

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"

with Engine.open(url, clock=ManualClock()) as engine:
    engine.create_tenant("shop")
    identity = engine.shared(Identity)  # one per engine

    ann = identity.staff.create_staff_user(
        "shop", "ann@example.com", "sEcret9", full_name="Ann", phone="+1 123",
        grants={"domain:1": StaffGrant("custom", frozenset({"redeem.voucher", "manage.orders"}))},
    )
    bob = identity.staff.create_staff_user("shop", "bob@example.com", "pw", roles={"domain:2": "admin"})
    print("public ids:", ann.public_id, bob.public_id)
    identity.staff.update_staff_user("shop", bob.id, full_name="Bob", phone="+1 987")
    print("users:", [(u.public_id, u.full_name) for u in identity.staff.list_staff_users("shop")])
    print("scopes of ann:", identity.staff.staff_scopes_by_email("ANN@example.com"))

    tokens = identity.login("shop", "ann@example.com", "sEcret9", "domain:1", access_ttl=timedelta(days=1))
    who = identity.verify_staff(tokens.access_token, permission="redeem.voucher")
    print("ann may redeem on domain:1:", who.has_permission("domain:1", "redeem.voucher"))
    try:
        who.require_permission("domain:2", "redeem.voucher")
    except PermissionDenied as error:
        print("refused:", error.code, error.scope)

    key = identity.api_keys.create_api_key("shop", ann.id, name="till 1")
    print("key acts as:", identity.verify_staff_bearer(key.key).public_id)

    client = identity.clients.create_client("shop", ["read", "use"])
    token = identity.oauth.token({"grant_type": "client_credentials", "scope": "use", "client_type": "pos"},
                                 basic=(client.client_id, client.secret))
    print("client token:", token.token_type, token.expires_in, token.scope)
    try:
        identity.oauth.token({"grant_type": "client_credentials", "scope": "manage"},
                             basic=(client.client_id, client.secret))
    except OAuthError as error:
        print("refused:", error.error)

    identity.staff.delete_staff_user("shop", bob.id)
    print("users left:", len(identity.staff.list_staff_users("shop")))

# Output:
# public ids: 1 2
# users: [(1, 'Ann'), (2, 'Bob')]
# scopes of ann: [('shop', 'domain:1')]
# ann may redeem on domain:1: True
# refused: permission_denied domain:2
# key acts as: 1
# client token: Bearer 900 use
# refused: invalid_scope
# users left: 1
