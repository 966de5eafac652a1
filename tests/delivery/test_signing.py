"""Our signatures against the reference implementation of the spec (``standardwebhooks``)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from standardwebhooks import Webhook

from voucher_engine.delivery.signing import new_secret, signed_headers


def test_signatures_match_the_reference_implementation():
    source = random.Random(7)
    for _ in range(20):
        secret = new_secret(source)
        body = f'{{"n":{source.random()},"text":"gr\u00fc\u00dfe"}}'.encode()
        stamp = source.randrange(1_600_000_000, 2_000_000_000)
        headers = signed_headers([secret], "evt_x", stamp, body)
        expected = Webhook(secret).sign("evt_x", datetime.fromtimestamp(stamp, UTC), body.decode())
        assert headers["webhook-signature"] == expected


def test_secrets_are_fresh_and_well_formed():
    source = random.SystemRandom()
    secrets = {new_secret(source) for _ in range(100)}
    assert len(secrets) == 100
    assert all(s.startswith("whsec_") and len(s) == len("whsec_") + 44 for s in secrets)
