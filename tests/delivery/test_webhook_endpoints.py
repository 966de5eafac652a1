"""The endpoint API: create, list, disable, enable, rotate; bad input writes nothing; one
tenant's endpoints are not found by another."""

from __future__ import annotations

import base64

import pytest

from voucher_engine.delivery import WebhookEndpointNotFound, Webhooks
from voucher_engine.errors import TenantNotFound, ValidationError
from voucher_engine.testing import LOOPBACK


def test_create_list_disable_enable_rotate(engine, clock):
    webhooks = Webhooks(engine, LOOPBACK)
    created = webhooks.create_endpoint(
        "acme", "http://127.0.0.1:9/a", event_types=["voucher.redeemed", "voucher.issued"], description="shop"
    )
    key = base64.b64decode(created.secret.removeprefix("whsec_"))
    assert len(key) == 32
    endpoint = created.endpoint
    assert (endpoint.tenant_id, endpoint.url, endpoint.event_types, endpoint.enabled) == (
        "acme",
        "http://127.0.0.1:9/a",
        ("voucher.issued", "voucher.redeemed"),
        True,
    )
    assert webhooks.list_endpoints("acme") == [endpoint]
    assert not hasattr(endpoint, "secret")  # only shown at creation and rotation

    disabled = webhooks.disable_endpoint("acme", endpoint.id, "maintenance")
    assert (disabled.enabled, disabled.disabled_reason) == (False, "maintenance")
    enabled = webhooks.enable_endpoint("acme", endpoint.id)
    assert (enabled.enabled, enabled.disabled_reason) == (True, None)
    assert webhooks.rotate_secret("acme", endpoint.id).secret not in (created.secret, "")


def test_another_tenant_sees_nothing(engine):
    webhooks = Webhooks(engine, LOOPBACK)
    endpoint = webhooks.create_endpoint("acme", "http://127.0.0.1:9/a").endpoint
    assert webhooks.list_endpoints("globex") == []
    for call in (webhooks.get_endpoint, webhooks.disable_endpoint, webhooks.enable_endpoint, webhooks.rotate_secret):
        with pytest.raises(WebhookEndpointNotFound):
            call("globex", endpoint.id)
    assert webhooks.get_endpoint("acme", endpoint.id).enabled


@pytest.mark.parametrize(
    ("tenant", "kwargs", "error"),
    [
        ("nobody", {}, TenantNotFound),
        ("acme", {"event_types": []}, ValidationError),
        ("acme", {"event_types": "voucher.issued"}, ValidationError),
        ("acme", {"event_types": ["x" * 65]}, ValidationError),
        ("acme", {"description": "d" * 256}, ValidationError),
    ],
)
def test_bad_input_writes_nothing(engine, tenant, kwargs, error):
    webhooks = Webhooks(engine, LOOPBACK)
    with pytest.raises(error):
        webhooks.create_endpoint(tenant, "http://127.0.0.1:9/a", **kwargs)
    assert webhooks.list_endpoints(tenant) == []
