"""``POST /v1/authorize``, ``GET /v1/user-domains`` and ``PUT /v1/refresh``: staff login to one
domain, the domains of an email, and the rotation of both tokens."""

from __future__ import annotations

from voucher_engine import Engine
from voucher_engine.plugin import Call, Credentials, errors
from voucher_engine_vouchercart import directory
from voucher_engine_vouchercart.access import as_jwt_error
from voucher_engine_vouchercart.domains import Domain, get_domain
from voucher_engine_vouchercart.errors import invalid, require
from voucher_engine_vouchercart.permissions import domain_of_scope
from voucher_engine_vouchercart.wire import (
    AuthorizeForm,
    AuthorizeOut,
    DomainsOut,
    ProfileOut,
    RefreshForm,
    RefreshOut,
    UserDomainsQuery,
)

#: The seed's own wording for an email it does not know (its sample error body).
UNKNOWN_EMAIL = "We do not recognize given email address."

#: Why identity refused a refresh that is about the refresh token, not the JWT: 1001.
REFRESH_TOKEN_REASONS = frozenset({"unknown", "revoked", "reused", "expired", "access_removed", "missing"})


def _domains_of(engine: Engine, email: str) -> list[tuple[str, str, Domain]]:
    """(tenant, scope, domain) for each domain this email may log in to."""
    try:
        pairs = directory.scopes_by_email(engine, email)
    except errors.ValidationError:
        return []  # not an email address: it has no domains
    found = []
    for tenant_id, scope in pairs:
        domain_id = domain_of_scope(scope)
        domain = get_domain(engine, tenant_id, domain_id) if domain_id is not None else None
        if domain is not None:
            found.append((tenant_id, scope, domain))
    return found


def authorize(call: Call) -> AuthorizeOut:
    credentials: Credentials = call.principal
    form: AuthorizeForm = call.body
    require(subdomain=form.subdomain)
    email, password = credentials.username or "", credentials.password or ""
    for tenant_id, scope, domain in _domains_of(call.engine, email):
        if domain.name != form.subdomain:
            continue
        try:
            tokens = directory.login(call.engine, tenant_id, email, password, scope)
        except errors.Unauthorized:
            continue  # the same subdomain may exist in another tenant the email belongs to
        user = tokens.user
        return AuthorizeOut(
            access_token=tokens.access_token,
            identified_by=tokens.access_token_id,
            profile=ProfileOut(email=user.email, full_name=user.full_name, id=user.public_id, locale=user.locale),
            refresh_token=tokens.refresh_token,
        )
    # Unknown email, wrong password, a domain the user has no role on: one answer for all.
    raise errors.Unauthorized("invalid credentials", reason="login")


def user_domains(call: Call) -> DomainsOut:
    """The domains an email may log in to: id, name and url only (no tenant, role or user).
    An email with none gets the seed's own error for an unknown address."""
    query: UserDomainsQuery = call.query
    require(email=query.email)
    found = _domains_of(call.engine, query.email or "")
    if not found:
        raise invalid("email", UNKNOWN_EMAIL, rule="unknown")
    unique = {(d.id, d.name, d.url): d for _, _, d in found}
    return DomainsOut(domains=[d.out() for d in sorted(unique.values(), key=lambda d: (d.id, d.name))])


def refresh(call: Call) -> RefreshOut:
    form: RefreshForm = call.body
    require(accessToken=form.access_token, refreshToken=form.refresh_token)
    try:
        tokens = directory.refresh(call.engine, form.access_token or "", form.refresh_token or "")
    except errors.Unauthorized as error:
        if error.details.get("reason") in REFRESH_TOKEN_REASONS:
            raise errors.Unauthorized("invalid refresh token", reason=error.details.get("reason")) from error
        raise as_jwt_error(error) from error
    return RefreshOut(
        access_token=tokens.access_token,
        identified_by=tokens.access_token_id,
        refresh_token=tokens.refresh_token,
    )
