"""The bad-input corpus against every mounted provider, through a real server process, on
SQLite and on PostgreSQL: no 5xx, each answer the provider's own status for that kind of
failure, and nothing written (the row count of every table is the same before and after).

The cases are generated from the providers' own descriptions (their operations, body and query
types), so an operation added later is covered without editing this file: for every field a
NUL character, a lone surrogate, a number beyond 64 bits (and beyond a double), text longer than
any column, and a value of the wrong type; for every body deep nesting, malformed JSON, an unknown field, another
Content-Type and one byte over the limit; a NUL in every path parameter and query parameter;
and signed tokens whose ``exp`` or ``iat`` is NaN or infinite, for each kind of token.

One server per backend for the whole module, every request over one keep-alive connection.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import msgspec
import pytest
from sqlalchemy import create_engine, func, inspect, select, table

import voucher_engine_admin
import voucher_engine_spaaza
from voucher_engine import Engine, ManualClock, Money, Offer, Store, VoucherKind, VoucherSpec
from voucher_engine.identity import Argon2Params, Identity, IdentityConfig, StaffGrant
from voucher_engine.plugins import PluginSettings
from voucher_engine.providers import Failure, FailureKind, Operation, Provider
from voucher_engine.testing import BACKENDS, PartnerSigner, Response, SharedClock, fresh_database, send, start_server

CHEAP = IdentityConfig(argon2=Argon2Params(time_cost=1, memory_cost_kib=64, parallelism=1))
PASSWORD = "correct horse battery staple"
PARTNER_SECRET = "a partner secret of at least thirty-two bytes!"
SPAAZA_HOST = "shop.spaaza.test"
DEEP = 1000


@dataclass(frozen=True)
class Case:
    what: str
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]
    expected: frozenset[int]  # the provider's statuses for this failure


@dataclass
class Site:
    server: Any
    conn: http.client.HTTPConnection
    url: str
    headers: dict[str, dict[str, str]]  # provider (or "provider.operation") -> credentials
    signer: PartnerSigner
    providers: list[Provider]
    tokens: dict[str, tuple[str, bytes, str]]  # kind -> (a valid token, signing key, kid)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _set_up(engine: Engine, clock: SharedClock) -> dict[str, Any]:
    """Each provider's tenant and credentials, made in the test's process on the server's
    database (signing keys and hashes live there)."""
    identity = Identity(engine, CHEAP)
    for tenant in ("acme", "shop", "chain-1799", "globex"):
        engine.create_tenant(tenant)
    engine.create_pool("globex", "gpool")  # globex's objects, for acme to name
    engine.put_store(Store("gshop", "globex", "Globex shop"))
    engine.put_campaign("globex", "gcamp", name="G", pool_id=None)
    engine.put_offer(Offer("goffer", "globex", "gshop", "G", "EUR", denominations=(1000,)))
    engine.put_store(Store("s1", "acme", "Shop"))
    engine.put_store(Store("1", "acme", "hello-world", "https://hello.example"))
    engine.create_pool("acme", "p1")
    engine.add_codes("acme", "p1", ["CODE-1", "CODE-2"])
    engine.put_offer(Offer("o1", "acme", "s1", "Ten", "EUR", denominations=(1000,), pool_id="p1"))
    engine.put_campaign("acme", "c1", name="C", pool_id="p1", trigger_categories=["PAY"], distributors=["DIST-1"])
    engine.put_campaign("chain-1799", "1", name="Loyalty", pool_id=None)
    engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")), code="GIFT-1")
    engine.issue("shop", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")), code="JTL-1")

    admin = identity.clients.create_client("acme", [voucher_engine_admin.ADMIN, "admin:tenants"], "admin")
    jtl = identity.clients.create_client(
        "shop", ["read", "read-lists", "read-secrets", "use", "manage", "update", "recharge"], "JTL shop"
    )
    spaaza = identity.clients.create_client(
        "chain-1799", [voucher_engine_spaaza.PRIVILEGED_SCOPE, voucher_engine_spaaza.APP_SCOPE_PREFIX + SPAAZA_HOST]
    )
    identity.partners.register_partner("acme", "shop-42", PARTNER_SECRET, algorithm="HS256")
    identity.staff.create_staff_user(
        "acme",
        "staff@acme.test",
        PASSWORD,
        full_name="Staff",
        locale="en",
        grants={"store:1": StaffGrant("administrator", frozenset({"redeem.voucher", "manage.orders", "manage.users"}))},
    )
    kid, key = identity.keys.signing()
    return {
        "admin": identity.client_credentials(admin.client_id, admin.secret).access_token,
        "jtl": identity.client_credentials(jtl.client_id, jtl.secret).access_token,
        "spaaza": identity.client_credentials(spaaza.client_id, spaaza.secret).access_token,
        "promo": identity.distributors.create_distributor("acme", "DIST-1"),
        "partner": PartnerSigner(clock, "shop-42", PARTNER_SECRET, tenant="acme"),
        "key": (kid, key),
    }


def _json(conn: http.client.HTTPConnection, method: str, path: str, body: object, headers: dict[str, str]) -> Response:
    return send(conn, method, path, json.dumps(body).encode(), {"Content-Type": "application/json", **headers})


@pytest.fixture(
    scope="module",
    params=[pytest.param(b, marks=[pytest.mark.postgresql] if b == "postgresql" else []) for b in BACKENDS],
)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp(f"corpus-{request.param}")
    with fresh_database(request.param, root, migrated=True) as url:
        clock = SharedClock(root / "clock")
        engine = Engine.open(url, clock=clock, plugins=PluginSettings())
        made = _set_up(engine, clock)
        server = start_server(url, clock=clock, workdir=root / "server")
        conn = server.connection()
        try:
            session = _json(
                conn,
                "POST",
                "/jackpot/v2/token",
                {"token": made["partner"].sign(amount="50.00", currency="EUR", customerReference="c-1")},
                {},
            )
            assert session.status in (200, 201), session.body
            staff = send(
                conn,
                "POST",
                "/vouchercart/v1/authorize",
                b"subdomain=hello-world",
                {"Content-Type": "application/x-www-form-urlencoded", **_basic("staff@acme.test", PASSWORD)},
            )
            assert staff.status == 200, staff.body
            headers = {
                "admin": bearer(made["admin"]),
                "jackpot": bearer(session.json()["sessionToken"]),
                "jtl": bearer(made["jtl"]),
                "promo": bearer(made["promo"]),
                "vouchercart": bearer(staff.json()["accessToken"]),
                "spaaza": {**bearer(made["spaaza"]), "X-Spaaza-MyPrice-App-Hostname": SPAAZA_HOST},
                "admin.staffLogin": _basic("staff@acme.test", PASSWORD),
                "vouchercart.authorize": _basic("staff@acme.test", PASSWORD),
            }
            kid, key = made["key"]
            tokens = {
                "access": (made["admin"], key, kid),
                "session": (session.json()["sessionToken"], key, kid),
                "staff": (staff.json()["accessToken"], key, kid),
            }
            yield Site(server, conn, url, headers, made["partner"], list(engine.hooks.providers()), tokens)
        finally:
            conn.close()
            server.stop()
            engine.close()


def _counts(url: str) -> dict[str, int]:
    db = create_engine(url)
    try:
        with db.connect() as conn:
            names = inspect(conn).get_table_names()
            return {n: conn.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names}
    finally:
        db.dispose()


# --- the corpus, generated from each operation's description ------------------------------


def _statuses(provider: Provider, op: Operation, *kinds: FailureKind) -> frozenset[int]:
    render = op.render_error or provider.render_error
    return frozenset(render(Failure(kind, "x")).status or 500 for kind in kinds)


def _fields(struct: type | None) -> list[tuple[str, msgspec.inspect.Type]]:
    if struct is None:
        return []
    info = msgspec.inspect.type_info(struct)
    return [(f.encode_name, f.type) for f in info.fields] if isinstance(info, msgspec.inspect.StructType) else []


def _wrong_value(kind: msgspec.inspect.Type) -> object:
    """A JSON value the field's type does not accept (None: the field takes anything)."""
    accepted = kind.types if isinstance(kind, msgspec.inspect.UnionType) else (kind,)
    if any(isinstance(t, msgspec.inspect.AnyType) for t in accepted):
        return None
    return "not-this" if any(isinstance(t, msgspec.inspect.BoolType) for t in accepted) else True


def _takes_int(kind: msgspec.inspect.Type) -> bool:
    accepted = kind.types if isinstance(kind, msgspec.inspect.UnionType) else (kind,)
    return any(isinstance(t, msgspec.inspect.IntType) for t in accepted)


def _path(op: Operation, prefix: str, value: str = "x") -> tuple[str, list[str]]:
    import re

    names = re.findall(r"\{([^}:]+)(?::[^}]*)?\}", op.path)
    filled = re.sub(r"\{[^}]+\}", value, op.path)
    return prefix + filled, names


def _form(pairs: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(pairs).encode()


def corpus(provider: Provider, op: Operation, credentials: Callable[[], dict[str, str]]) -> list[Case]:
    prefix = f"/{provider.name}"
    path, params = _path(op, prefix)
    name = f"{provider.name}.{op.name}"
    malformed = _statuses(provider, op, FailureKind.MALFORMED)
    invalid = _statuses(provider, op, FailureKind.INVALID)
    cases: list[Case] = []

    def case(
        what: str, body: bytes | None, expected: frozenset[int], *, content_type: str | None = None, at: str = path
    ) -> None:
        sent = credentials()
        if content_type:
            sent["Content-Type"] = content_type
        cases.append(Case(f"{name}: {what}", op.method, at, body, sent, expected))

    for param in params:
        bad_path, _ = _path(op, prefix, "a%00b")
        case(
            f"NUL in path parameter {param}",
            b"{}" if op.body is not None else None,
            invalid,
            content_type="application/json" if op.encodings[0] == "json" and op.body else None,
            at=bad_path,
        )
        break  # every parameter gets the same value: one request says it
    for field, kind in _fields(op.query):
        case(f"NUL in query parameter {field}", None, invalid, at=f"{path}?{field}=a%00b")
        if _takes_int(kind):  # a query's digits become a number only when converted
            case(f"integer beyond 64 bits in query parameter {field}", None, invalid, at=f"{path}?{field}=1{'0' * 30}")
    if op.body is None or "raw" in op.encodings:
        return cases

    fields = _fields(op.body)
    first = fields[0][0] if fields else "x"
    if "json" in op.encodings:
        j = "application/json"
        case("malformed JSON", b"{,}", malformed, content_type=j)
        case(f"nested {DEEP} deep at the top", b"[" * DEEP + b"]" * DEEP, malformed, content_type=j)
        case(
            f"nested {DEEP} deep in {first}",
            b'{"' + first.encode() + b'": ' + b"[" * DEEP + b"]" * DEEP + b"}",
            malformed,
            content_type=j,
        )
        case("a JSON body sent as text/plain", b"{}", malformed, content_type="text/plain")
        case("unknown field", b'{"zz_not_a_field": 1}', invalid, content_type=j)
        case(
            "one byte over the limit",
            b'{"' + first.encode() + b'": "' + b"a" * op.max_body_bytes + b'"}',
            _statuses(provider, op, FailureKind.TOO_LARGE),
            content_type=j,
        )
        for field, kind in fields:
            case(f"NUL in {field}", json.dumps({field: "a\x00b"}).encode(), invalid, content_type=j)
            case(f"lone surrogate in {field}", b'{"' + field.encode() + b'": "a\\ud800b"}', malformed, content_type=j)
            case(
                f"integer beyond 64 bits in {field}",
                b'{"' + field.encode() + b'": 1' + b"0" * 30 + b"}",
                invalid,
                content_type=j,
            )
            case(f"number beyond a double in {field}", b'{"' + field.encode() + b'": 1e999}', invalid, content_type=j)
            # (a credential carried in the body, a partner JWT, may be refused as one instead)
            case(
                f"text longer than any column in {field}",
                json.dumps({field: "x" * 5000}).encode(),
                invalid | _statuses(provider, op, FailureKind.UNAUTHORIZED),
                content_type=j,
            )
            wrong = _wrong_value(kind)
            if wrong is not None:
                case(f"wrong type in {field}", json.dumps({field: wrong}).encode(), invalid, content_type=j)
    else:  # form (and multipart, which takes a form too)
        f = "application/x-www-form-urlencoded"
        case("a form sent as JSON", b"{}", malformed, content_type="application/json")
        case("not UTF-8", first.encode() + b"=\xed\xa0\x80", malformed, content_type=f)
        case(
            "one byte over the limit",
            first.encode() + b"=" + b"a" * op.max_body_bytes,
            _statuses(provider, op, FailureKind.TOO_LARGE),
            content_type=f,
        )
        for field, kind in fields:
            case(f"NUL in {field}", _form({field: "a\x00b"}), invalid, content_type=f)
            if _takes_int(kind):  # in a text field, digits are just text
                case(f"integer beyond 64 bits in {field}", _form({field: "1" + "0" * 30}), invalid, content_type=f)
    if op.rate_limit is not None:  # stay under its limit: the 429 would hide what is tested
        cases = cases[: op.rate_limit.requests - 2]
    return cases


def _raw_signed(token: str, key: bytes, kid: str, claim: str, literal: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    text = json.dumps({**claims, claim: "@@"}).replace('"@@"', literal)
    return jwt.api_jws.encode(text.encode(), key, algorithm="HS256", headers={"kid": kid})


def token_cases(site: Site, signer: PartnerSigner) -> list[Case]:
    """Signed tokens (the real key) whose exp or iat is no instant, on a route of each kind."""
    probes = {
        "access": ("admin", "GET", "/admin/pools"),
        "session": ("jackpot", "GET", "/jackpot/v2/stores"),
        "staff": ("vouchercart", "GET", "/vouchercart/v1/domains"),
    }
    by_name = {p.name: p for p in site.providers}
    cases = []
    for kind, (provider, method, path) in probes.items():
        token, key, kid = site.tokens[kind]
        unauthorized = _statuses(by_name[provider], by_name[provider].operations[0], FailureKind.UNAUTHORIZED)
        for claim in ("exp", "iat"):
            for literal in ("NaN", "Infinity", "-Infinity", "1e999"):
                bad = _raw_signed(token, key, kid, claim, literal)
                cases.append(
                    Case(
                        f"{kind} token {claim}={literal}",
                        method,
                        path,
                        None,
                        {"Authorization": f"Bearer {bad}"},
                        unauthorized,
                    )
                )
    jackpot = by_name["jackpot"]
    token_op = next(op for op in jackpot.operations if op.path == "/v2/token")
    for claim in ("exp", "iat"):
        for literal in ("NaN", "Infinity", "1e999"):
            partner = signer.sign(amount="5.00", currency="EUR", customerReference="c-1", jti=f"{claim}{literal}")
            raw = jwt.api_jws.encode(
                json.dumps({**jwt.decode(partner, options={"verify_signature": False}), claim: "@@"})
                .replace('"@@"', literal)
                .encode(),
                PARTNER_SECRET,
                algorithm="HS256",
            )
            cases.append(
                Case(
                    f"partner JWT {claim}={literal}",
                    "POST",
                    "/jackpot/v2/token",
                    json.dumps({"token": raw}).encode(),
                    {"Content-Type": "application/json"},
                    _statuses(jackpot, token_op, FailureKind.UNAUTHORIZED),
                )
            )
    return cases


def _credentials(site: Site, provider: Provider, op: Operation) -> Callable[[], dict[str, str]]:
    """What a well-meaning caller of ``op`` sends: valid credentials of the right kind (a fresh
    partner JWT each time where one is used up per request)."""
    if provider.name == "jackpot" and op.path.startswith("/v2/vouchers"):
        return lambda: {"Authorization": f"Bearer {site.signer.sign()}"}
    headers = site.headers.get(f"{provider.name}.{op.name}", site.headers[provider.name])
    return lambda: dict(headers)


#: Written by authentication itself, whatever the request holds: a partner JWT is used up when
#: it is presented (single use is the point), before the body or path is looked at, and a
#: failed authentication is counted against the client address (docs/identity.md).
AUTHENTICATION_RECORDS = {"partner_jtis", "auth_failures"}


def credential_cases(site: Site) -> list[Case]:
    """Credentials holding a NUL, where each kind of credential is read: Basic user names and
    passwords, OAuth token requests (form and Basic), a JWT's ``kid``, a partner JWT's
    unverified ``iss`` and ``tenant``. Each names nobody: refused as credentials, the database
    never asked."""
    cases = []
    nul_basic = {"Authorization": "Basic " + base64.b64encode(b"a\x00b@x.test:pw").decode()}
    for provider in site.providers:
        for op in provider.operations:
            refused = _statuses(provider, op, FailureKind.UNAUTHORIZED, FailureKind.MALFORMED)
            path, _ = _path(op, f"/{provider.name}")
            if any(s.kind == "basic" for s in op.schemes):
                body, media = (b"{}", "application/json") if "json" in op.encodings else (b"", _FORM)
                cases.append(
                    Case(
                        f"{provider.name}.{op.name}: NUL in Basic credentials",
                        op.method,
                        path,
                        body,
                        {"Content-Type": media, **nul_basic},
                        refused,
                    )
                )
            if op.path.endswith("/oauth/token"):
                for form in (
                    "client_id=a%00b&client_secret=s",
                    "client_id=c&client_secret=a%00b",
                    "client_id=c&client_secret=s&scope=a%00b",
                    "client_id=c&client_secret=s&client_type=%00",
                ):
                    cases.append(
                        Case(
                            f"{provider.name}.{op.name}: {form}",
                            "POST",
                            path,
                            b"grant_type=client_credentials&" + form.encode(),
                            {"Content-Type": _FORM},
                            refused,
                        )
                    )
                cases.append(
                    Case(
                        f"{provider.name}.{op.name}: NUL in Basic",
                        "POST",
                        path,
                        b"grant_type=client_credentials",
                        {"Content-Type": _FORM, **nul_basic},
                        refused,
                    )
                )
    by_name = {p.name: p for p in site.providers}
    _, key, _ = site.tokens["access"]
    claims = jwt.decode(site.tokens["access"][0], options={"verify_signature": False})
    nul_kid = jwt.encode(claims, key, algorithm="HS256", headers={"kid": "a\x00b"})
    cases.append(
        Case(
            "access token with a NUL in its kid",
            "GET",
            "/admin/pools",
            None,
            {"Authorization": f"Bearer {nul_kid}"},
            _statuses(by_name["admin"], by_name["admin"].operations[0], FailureKind.UNAUTHORIZED),
        )
    )
    jackpot = by_name["jackpot"]
    token_op = next(op for op in jackpot.operations if op.path == "/v2/token")
    for claim in ("iss", "tenant"):
        bad = jwt.encode(
            {
                **jwt.decode(
                    site.signer.sign(amount="5.00", currency="EUR", customerReference="c-1"),
                    options={"verify_signature": False},
                ),
                claim: "a\x00b",
            },
            PARTNER_SECRET,
            algorithm="HS256",
        )
        cases.append(
            Case(
                f"partner JWT with a NUL in {claim}",
                "POST",
                "/jackpot/v2/token",
                json.dumps({"token": bad}).encode(),
                {"Content-Type": "application/json"},
                _statuses(jackpot, token_op, FailureKind.UNAUTHORIZED),
            )
        )
    return cases


_FORM = "application/x-www-form-urlencoded"


def test_the_corpus_gets_each_providers_error_and_writes_nothing(site: Site, tmp_path: Path) -> None:
    before = {t: n for t, n in _counts(site.url).items() if t not in AUTHENTICATION_RECORDS}
    cases = [c for p in site.providers for op in p.operations for c in corpus(p, op, _credentials(site, p, op))]
    cases += token_cases(site, PartnerSigner(ManualClock(), "shop-42", PARTNER_SECRET, tenant="acme"))
    cases += credential_cases(site)
    assert {p.name for p in site.providers} >= {"admin", "promo", "jackpot", "jtl", "vouchercart", "spaaza"}
    wrong = {}
    for c in cases:
        try:
            answer = send(site.conn, c.method, c.path, c.body, c.headers)
        except (http.client.HTTPException, OSError):  # the server closed the connection: reopen
            site.conn.close()
            site.conn = site.server.connection()
            answer = send(site.conn, c.method, c.path, c.body, c.headers)
        if answer.status not in c.expected:
            wrong[c.what] = (answer.status, sorted(c.expected), answer.body[:160])
    listing = "\n".join(f"{what}: {got}" for what, got in wrong.items())
    assert not wrong, f"{len(wrong)} of {len(cases)} cases answered otherwise:\n{listing}"
    assert len(cases) > 300
    assert {t: n for t, n in _counts(site.url).items() if t not in AUTHENTICATION_RECORDS} == before
    assert "Traceback" not in site.server.log()


def test_what_was_stored_wrongly_is_refused_through_the_server(site: Site) -> None:
    """Each was accepted before: references to globex's objects stored for acme, a step of
    "0.00" stored as 0.01, ``starts_at: 0`` stored as 1970, a JSON body labelled text/plain.
    Now each is refused with the field (or header) named, and nothing is written."""
    before = {t: n for t, n in _counts(site.url).items() if t not in AUTHENTICATION_RECORDS}
    offer = {"store_id": "s1", "name": "O", "currency": "EUR", "denominations": ["10.00"]}
    voucher = {"kind": "monetary", "value": "10.00", "currency": "EUR"}
    requests = {
        "offer on globex's pool": ("PUT", "/admin/offers/o9", {**offer, "pool_id": "gpool"}),
        "offer of globex's store": ("PUT", "/admin/offers/o9", {**offer, "store_id": "gshop"}),
        "voucher of globex's campaign": ("POST", "/admin/vouchers", {**voucher, "campaign_id": "gcamp"}),
        "voucher of globex's offer": ("POST", "/admin/vouchers", {**voucher, "offer_id": "goffer"}),
        "voucher at globex's store": ("POST", "/admin/vouchers", {**voucher, "redeemable_at": ["s1", "gshop"]}),
        "step of zero": (
            "PUT",
            "/admin/offers/o9",
            {
                "store_id": "s1",
                "name": "O",
                "currency": "EUR",
                "min_value": "1.00",
                "max_value": "5.00",
                "step": "0.00",
            },
        ),
        "start at 0": ("PUT", "/admin/campaigns/c9", {"name": "C", "starts_at": 0}),
    }
    answers = {}
    for what, (method, path, body) in requests.items():
        got = _json(site.conn, method, path, body, site.headers["admin"])
        answers[what] = (got.status, got.json().get("code"), [f["field"] for f in got.json().get("fields", [])])
    plain = send(
        site.conn, "PUT", "/admin/stores/s9", b'{"name": "S"}', {**site.headers["admin"], "Content-Type": "text/plain"}
    )
    answers["text/plain"] = (
        plain.status,
        plain.json().get("code"),
        [f["field"] for f in plain.json().get("fields", [])],
    )
    assert answers == {
        "offer on globex's pool": (404, "pool_not_found", []),
        "offer of globex's store": (404, "store_not_found", []),
        "voucher of globex's campaign": (404, "campaign_not_found", []),
        "voucher of globex's offer": (404, "offer_not_found", []),
        "voucher at globex's store": (404, "store_not_found", []),
        "step of zero": (422, "invalid", ["step"]),
        "start at 0": (422, "invalid", ["starts_at"]),
        "text/plain": (400, "malformed", ["Content-Type"]),
    }
    assert {t: n for t, n in _counts(site.url).items() if t not in AUTHENTICATION_RECORDS} == before
