"""The admin API's operations, gathered into one provider (mounted at ``/admin`` by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voucher_engine.plugin import Call, HttpMethod, Operation, Provider
from voucher_engine_admin import (
    catalog_ops,
    identity_ops,
    oauth,
    pool_ops,
    staff_session_ops,
    tenant_ops,
    voucher_ops,
    webhook_ops,
)
from voucher_engine_admin.access import bearer
from voucher_engine_admin.errors import render_error
from voucher_engine_admin.wire import ErrorOut


def _op(
    area: str, name: str, method: HttpMethod, path: str, handler: Callable[[Call], Any], summary: str, **kwargs: Any
) -> Operation:
    return Operation(name, method, path, handler, auth=bearer(area, write=method != "GET"), summary=summary, **kwargs)


OPERATIONS = (
    Operation("token", "POST", "/oauth/token", oauth.token, body_encoding="raw", max_body_bytes=4096,
              render_error=oauth.render_error, error_type=oauth.OAuthErrorOut,
              summary="OAuth2 client credentials: an access token (RFC 6749 4.4)",
              description="Form-encoded grant_type=client_credentials and an optional space-separated "
                          "scope; the client authenticates with HTTP Basic or client_id/client_secret "
                          "form fields. Errors follow RFC 6749 5.2."),
    # staff sessions: the staff user's own credentials, not a client's
    Operation("staffLogin", "POST", "/staff-sessions", staff_session_ops.login, body=staff_session_ops.LoginIn,
              response=staff_session_ops.TokensOut, auth=staff_session_ops.BASIC, status=201,
              summary="Log a staff user into one scope: an access token and a refresh token"),
    Operation("staffRefresh", "POST", "/staff-sessions/refresh", staff_session_ops.refresh,
              body=staff_session_ops.RefreshIn, response=staff_session_ops.TokensOut,
              summary="Rotate both tokens; a refresh token used twice revokes its whole family"),
    Operation("staffMe", "GET", "/staff-sessions/me", staff_session_ops.me, response=staff_session_ops.StaffOut,
              auth=staff_session_ops.STAFF_BEARER, summary="The staff user behind an access token"),
    Operation("staffLogout", "POST", "/staff-sessions/logout", staff_session_ops.logout,
              auth=staff_session_ops.STAFF_BEARER, summary="End the session: its whole token family"),
    # tenants: the platform operator's scope, across tenants
    Operation("createTenant", "POST", "/tenants", tenant_ops.create_tenant, body=tenant_ops.TenantIn,
              auth=tenant_ops.OPERATOR, status=201, summary="Create a tenant (scope admin:tenants)"),
    Operation("listTenants", "GET", "/tenants", tenant_ops.list_tenants, auth=tenant_ops.OPERATOR,
              summary="Every tenant (scope admin:tenants)"),
    # tenant and identity
    _op("identity", "tenant", "GET", "/tenant", identity_ops.tenant, "The caller's tenant, client and scopes"),
    _op("identity", "createClient", "POST", "/clients", identity_ops.create_client,
        "Create an API client (its secret is shown once)", body=identity_ops.ClientIn, status=201),
    _op("identity", "listClients", "GET", "/clients", identity_ops.list_clients, "API clients"),
    _op("identity", "getClient", "GET", "/clients/{client_id:str}", identity_ops.get_client, "One API client"),
    _op("identity", "disableClient", "POST", "/clients/{client_id:str}/disable", identity_ops.disable_client,
        "Disable a client: it gets no new tokens"),
    _op("identity", "rotateClientSecret", "POST", "/clients/{client_id:str}/rotate-secret",
        identity_ops.rotate_client_secret, "A new client secret (shown once); the old one stops working"),
    _op("identity", "createDistributor", "POST", "/distributors", identity_ops.create_distributor,
        "Create a distributor (its bearer token is shown once)", body=identity_ops.DistributorIn, status=201),
    _op("identity", "listDistributors", "GET", "/distributors", identity_ops.list_distributors, "Distributors"),
    _op("identity", "getDistributor", "GET", "/distributors/{distributor_id:str}", identity_ops.get_distributor,
        "One distributor"),
    _op("identity", "rotateDistributorToken", "POST", "/distributors/{distributor_id:str}/rotate-token",
        identity_ops.rotate_distributor_token, "A new distributor token (shown once); the old one stops working"),
    _op("identity", "registerPartner", "POST", "/partners", identity_ops.register_partner,
        "Register a partner's JWT key (ES256/EdDSA public key, or HS256 secret)", body=identity_ops.PartnerIn,
        status=201),
    _op("identity", "createStaffUser", "POST", "/staff", identity_ops.create_staff_user, "Create a staff user",
        body=identity_ops.StaffIn, status=201),
    _op("identity", "getStaffUser", "GET", "/staff/{user_id:str}", identity_ops.get_staff_user, "One staff user"),
    _op("identity", "setStaffRole", "POST", "/staff/{user_id:str}/roles", identity_ops.set_staff_role,
        "Give a staff user a role in a scope, or take it away", body=identity_ops.RoleIn),
    # catalog
    _op("catalog", "putCampaign", "PUT", "/campaigns/{campaign_id:str}", catalog_ops.put_campaign,
        "Create or replace a campaign", body=catalog_ops.CampaignIn),
    _op("catalog", "getCampaign", "GET", "/campaigns/{campaign_id:str}", catalog_ops.get_campaign, "One campaign"),
    _op("catalog", "listCampaigns", "GET", "/campaigns", catalog_ops.list_campaigns, "Campaigns"),
    _op("catalog", "putStore", "PUT", "/stores/{store_id:str}", catalog_ops.put_store, "Create or replace a store",
        body=catalog_ops.StoreIn),
    _op("catalog", "getStore", "GET", "/stores/{store_id:str}", catalog_ops.get_store, "One store"),
    _op("catalog", "listStores", "GET", "/stores", catalog_ops.list_stores, "Stores, inactive ones included"),
    _op("catalog", "putOffer", "PUT", "/offers/{offer_id:str}", catalog_ops.put_offer, "Create or replace an offer",
        body=catalog_ops.OfferIn),
    _op("catalog", "getOffer", "GET", "/offers/{offer_id:str}", catalog_ops.get_offer, "One offer"),
    _op("catalog", "listOffers", "GET", "/offers", catalog_ops.list_offers, "Offers, inactive ones included"),
    # pools
    _op("pools", "createPool", "POST", "/pools", pool_ops.create_pool, "Create a code pool", body=pool_ops.PoolIn,
        status=201),
    _op("pools", "listPools", "GET", "/pools", pool_ops.list_pools, "Code pools and their levels"),
    _op("pools", "poolStatus", "GET", "/pools/{pool_id:str}", pool_ops.pool_status, "A pool's size and level"),
    _op("pools", "importCodes", "POST", "/pools/{pool_id:str}/codes", pool_ops.import_codes,
        "Add codes from a text/csv body or a JSON list (all or nothing)", body_encoding="raw",
        query=pool_ops.ImportQuery, max_body_bytes=pool_ops.IMPORT_MAX_BYTES,
        responses={415: ErrorOut}),  # a body neither text/csv nor JSON
    _op("pools", "generateCodes", "POST", "/pools/{pool_id:str}/generate", pool_ops.generate_codes,
        "Add N random codes drawn from the pool's format", body=pool_ops.GenerateIn),
    # Reading every code of a pool is a change-level right, not admin:read.
    Operation("exportCodes", "GET", "/pools/{pool_id:str}/export", pool_ops.export_codes,
              auth=bearer("pools", write=True), summary="Every code of the pool as CSV"),
    # vouchers
    _op("vouchers", "issueVoucher", "POST", "/vouchers", voucher_ops.issue_voucher, "Issue one voucher",
        body=voucher_ops.VoucherIn, status=201),
    _op("vouchers", "getVoucher", "GET", "/vouchers/{code:str}", voucher_ops.get_voucher, "One voucher by code"),
    _op("vouchers", "voucherLedger", "GET", "/vouchers/{code:str}/ledger", voucher_ops.voucher_ledger,
        "Every ledger entry of a voucher"),
    _op("vouchers", "voucherHistory", "GET", "/vouchers/{code:str}/history", voucher_ops.voucher_history,
        "A voucher's redemptions, captures, reversals and refunds"),
    _op("vouchers", "stats", "GET", "/stats", voucher_ops.stats, "Counts at a glance"),
    # webhooks
    _op("webhooks", "createWebhookEndpoint", "POST", "/webhooks", webhook_ops.create_endpoint,
        "Register a webhook endpoint (its secret is shown once)", body=webhook_ops.EndpointIn, status=201),
    _op("webhooks", "listWebhookEndpoints", "GET", "/webhooks", webhook_ops.list_endpoints, "Webhook endpoints"),
    _op("webhooks", "getWebhookEndpoint", "GET", "/webhooks/{endpoint_id:str}", webhook_ops.get_endpoint,
        "One webhook endpoint"),
    _op("webhooks", "disableWebhookEndpoint", "POST", "/webhooks/{endpoint_id:str}/disable",
        webhook_ops.disable_endpoint, "Stop delivering to an endpoint", query=webhook_ops.DisableQuery),
    _op("webhooks", "enableWebhookEndpoint", "POST", "/webhooks/{endpoint_id:str}/enable",
        webhook_ops.enable_endpoint, "Deliver to an endpoint again"),
    _op("webhooks", "rotateWebhookSecret", "POST", "/webhooks/{endpoint_id:str}/rotate-secret",
        webhook_ops.rotate_endpoint_secret, "A new signing secret (shown once)"),
    _op("webhooks", "listDeliveries", "GET", "/deliveries", webhook_ops.list_deliveries, "The delivery log",
        query=webhook_ops.DeliveryQuery),
    _op("webhooks", "getDelivery", "GET", "/deliveries/{delivery_id:str}", webhook_ops.get_delivery,
        "One delivery and its attempts"),
    _op("webhooks", "redeliver", "POST", "/deliveries/{delivery_id:str}/redeliver", webhook_ops.redeliver,
        "Send a delivery again now"),
    _op("webhooks", "redeliverEvent", "POST", "/events/{event_id:str}/redeliver", webhook_ops.redeliver_event,
        "Send an event again to every endpoint that wants it"),
)

PROVIDER = Provider(
    name="admin",
    title="voucher-engine admin API",
    description="Administration of one tenant: API clients, distributors, partners, staff, campaigns, "
                "pools, catalog, vouchers, webhooks. See docs/admin-api.md.",
    operations=OPERATIONS,
    render_error=render_error,
    error_type=ErrorOut,
)
