"""Declarative fixtures: a TOML file of tenants, stores, offers, pools, campaigns and vouchers,
and the identities that call the APIs (API clients, distributors, partners, webhook endpoints,
staff users: ``identity_fixtures``). The format is documented in docs/fixtures.md.

Loading has two phases. ``read_fixtures`` parses and checks the whole file, including its
references to objects already in the database and every code of every codes file, and raises
one ``FixtureError`` listing every problem by entry; nothing has been written at that point.
``apply`` then writes, idempotently: tenants, pools and vouchers (found by code) are created
only when missing, stores, offers and campaigns are set to the file's values, codes already in
a pool are skipped and ``generate = N`` tops a pool up to N codes. Loading the same file twice
therefore changes nothing the second time.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any, Literal, overload

from voucher_engine.codes_io import count_codes, read_codes
from voucher_engine.domain.campaigns import Campaign
from voucher_engine.domain.catalog import Offer, Store
from voucher_engine.domain.codes import CodeFormat, normalise_code
from voucher_engine.domain.money import Money
from voucher_engine.domain.validity import Window, WindowSpec
from voucher_engine.domain.vouchers import VoucherKind, VoucherSpec
from voucher_engine.engine import Engine
from voucher_engine.errors import NotFound, ValidationError, VoucherEngineError
from voucher_engine.identity_fixtures import (
    IDENTITY_SECTIONS,
    READERS,
    BadEntry,
    IdentityPlan,
    NewSecret,
    WebhookPlan,
    apply_identity,
    check_webhook,
    key_of,
)

SECTIONS = ("tenants", "stores", "offers", "pools", "campaigns", "vouchers", *IDENTITY_SECTIONS)

#: Makes a progress callback for a long code job (label, total) or returns None for none.
ProgressFactory = Callable[[str, int], Callable[[int], None] | None]


class FixtureError(ValidationError):
    """A fixture file that cannot be loaded; ``problems`` names each bad entry."""

    code = "invalid_fixture"

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: {len(problems)} problem(s), nothing was written", problems=problems)
        self.problems = problems


# --- what a checked file holds ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PoolPlan:
    tenant: str
    id: str
    name: str | None
    code_format: CodeFormat | None
    low_stock: int | None
    codes: tuple[str, ...]
    codes_file: Path | None
    codes_column: str | None
    codes_in_file: int
    generate: int | None


@dataclass(frozen=True, slots=True)
class VoucherPlan:
    tenant: str
    code: str
    spec: VoucherSpec


@dataclass(slots=True)
class FixturePlan:
    source: str
    tenants: list[tuple[str, str | None]] = field(default_factory=list)
    stores: list[Store] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    pools: list[PoolPlan] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    vouchers: list[VoucherPlan] = field(default_factory=list)
    #: Section -> its identity entries, in file order.
    identities: dict[str, list[IdentityPlan]] = field(default_factory=dict)


# --- reading one entry ----------------------------------------------------------------------------


class _Bad(Exception):
    """One problem with one key of the entry being read."""


class _Entry:
    """Takes typed keys out of one TOML table; what is left over is an unknown key."""

    def __init__(self, data: dict[str, Any], default_tenant: str | None) -> None:
        self.data = dict(data)
        self.default_tenant = default_tenant

    def take(self, key: str, kind: type | tuple[type, ...], *, required: bool = False, default: Any = None) -> Any:
        if key not in self.data:
            if required:
                raise _Bad(f"{key}: required")
            return default
        value = self.data.pop(key)
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # TOML booleans are Python ints: refuse them where a number is meant.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise _Bad(f"{key}: expected {_names(kinds)}, got {_toml_type(value)}")
        return value

    @overload
    def text(self, key: str, *, required: Literal[True], limit: int = 255) -> str: ...
    @overload
    def text(self, key: str, *, default: str, limit: int = 255) -> str: ...
    @overload
    def text(self, key: str, *, required: bool = False, default: None = None, limit: int = 255) -> str | None: ...

    def text(self, key: str, *, required: bool = False, default: str | None = None, limit: int = 255) -> str | None:
        value: str | None = self.take(key, str, required=required, default=default)
        if value is not None and not value.strip():
            raise _Bad(f"{key}: must not be empty")
        if value is not None and len(value) > limit:
            raise _Bad(f"{key}: at most {limit} characters")
        return value

    @overload
    def ident(self, key: str = "id", *, required: Literal[True] = True) -> str: ...
    @overload
    def ident(self, key: str = "id", *, required: bool) -> str | None: ...

    def ident(self, key: str = "id", *, required: bool = True) -> str | None:
        """An id of a tenant, store, offer, pool or campaign (the columns hold 64 characters)."""
        return self.text(key, required=required, limit=64)

    def strings(self, key: str) -> tuple[str, ...]:
        values = self.take(key, list, default=[])
        if not all(isinstance(v, str) for v in values):
            raise _Bad(f"{key}: expected an array of strings")
        return tuple(values)

    @overload
    def count(self, key: str, *, default: int) -> int: ...
    @overload
    def count(self, key: str, *, default: None = None) -> int | None: ...

    def count(self, key: str, *, default: int | None = None) -> int | None:
        value: int | None = self.take(key, int, default=default)
        if value is not None and value < 0:
            raise _Bad(f"{key}: must not be negative")
        return value

    def instant(self, key: str) -> datetime | None:
        value = self.take(key, (datetime, date, time))
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise _Bad(f"{key}: expected a date-time with an offset, like 2025-01-01T00:00:00Z")
        return value

    @overload
    def money(self, key: str, currency: str, *, required: Literal[True]) -> int: ...
    @overload
    def money(self, key: str, currency: str, *, required: bool = False) -> int | None: ...

    def money(self, key: str, currency: str, *, required: bool = False) -> int | None:
        value = self.take(key, str, required=required)
        if value is None:
            return None
        return Money.parse(value, currency).minor

    def json_table(self, key: str) -> dict[str, Any] | None:
        value: dict[str, Any] | None = self.take(key, dict)
        if value is None:
            return None
        try:
            json.dumps(value)
        except TypeError:
            raise _Bad(f"{key}: only strings, numbers, booleans, arrays and tables (no dates)") from None
        return value

    def tenant(self) -> str:
        tenant = self.text("tenant", default=self.default_tenant, limit=64)
        if tenant is None:
            raise _Bad("tenant: required (or set a top-level tenant)")
        return tenant

    def finish(self) -> None:
        if self.data:
            raise _Bad(f"unknown key(s): {', '.join(sorted(self.data))}")


def _names(kinds: tuple[type, ...]) -> str:
    return " or ".join(_toml_type(k) for k in kinds)


def _toml_type(value: Any) -> str:
    kind = value if isinstance(value, type) else type(value)
    return {
        str: "a string",
        int: "an integer",
        float: "a float",
        bool: "a boolean",
        list: "an array",
        dict: "a table",
        datetime: "a date-time",
        date: "a date",
        time: "a time",
    }.get(kind, kind.__name__)


# --- the sections -------------------------------------------------------------------------------------


def _tenant(e: _Entry, plan: FixturePlan, base: Path) -> None:
    tenant_id = e.ident()
    name = e.text("name")
    e.finish()
    plan.tenants.append((tenant_id, name))


def _store(e: _Entry, plan: FixturePlan, base: Path) -> None:
    tenant, store_id = e.tenant(), e.ident()
    name = e.text("name", default=store_id)
    store = Store(store_id, tenant, name, e.text("url"), e.take("active", bool, default=True))
    e.finish()
    plan.stores.append(store)


def _offer(e: _Entry, plan: FixturePlan, base: Path) -> None:
    tenant, offer_id = e.tenant(), e.ident()
    currency = e.text("currency", required=True)
    denominations = tuple(
        Money.parse(_decimal_text(v, "denominations"), currency).minor
        for v in e.take("denominations", list, default=[])
    )
    offer = Offer(
        id=offer_id,
        tenant_id=tenant,
        store_id=e.ident("store"),
        name=e.text("name", default=offer_id),
        currency=currency,
        denominations=denominations,
        min_value=e.money("min_value", currency),
        max_value=e.money("max_value", currency),
        step=e.money("step", currency) or 1,
        discount_bp=e.count("discount_bp", default=0),
        pool_id=e.ident("pool", required=False),
        active=e.take("active", bool, default=True),
    )
    e.finish()
    plan.offers.append(offer)


def _pool(e: _Entry, plan: FixturePlan, base: Path) -> None:
    tenant, pool_id = e.tenant(), e.ident()
    pattern, charset = e.text("pattern"), e.text("charset")
    if charset is not None and pattern is None:
        raise _Bad("charset: needs a pattern")
    code_format = None
    if pattern is not None:
        code_format = CodeFormat(pattern, charset) if charset else CodeFormat(pattern)
    codes = tuple(normalise_code(_code_text(c)) for c in e.take("codes", list, default=[]))
    column: str | None
    codes_file, column, in_file = e.text("codes_file"), e.text("codes_column", default="code"), 0
    if not e.take("codes_header", bool, default=True):
        column = None
    path = None
    if codes_file is not None:
        path = (base / codes_file).resolve()
        in_file = count_codes(path, column=column)  # checks every code now, before any write
    generate = e.count("generate")
    if generate is not None:
        if code_format is None:
            raise _Bad("generate: needs a pattern to generate from")
        code_format.check_capacity(generate)
    name, low_stock = e.text("name"), e.count("low_stock")
    e.finish()
    plan.pools.append(PoolPlan(tenant, pool_id, name, code_format, low_stock, codes, path, column, in_file, generate))


def _campaign(e: _Entry, plan: FixturePlan, base: Path) -> None:
    tenant, campaign_id = e.tenant(), e.ident()
    cap = e.count("cap")
    campaign = Campaign(
        id=campaign_id,
        tenant_id=tenant,
        name=e.text("name", default=campaign_id),
        pool_id=e.ident("pool", required=False),
        window=Window(e.instant("starts_at"), e.instant("ends_at")),
        trigger_categories=frozenset(e.strings("trigger_categories")),
        distributors=frozenset(e.strings("distributors")),
        priority=e.take("priority", int, default=0),
        cap=cap,
        template=e.json_table("template"),
    )
    e.finish()
    plan.campaigns.append(campaign)


def _voucher(e: _Entry, plan: FixturePlan, base: Path) -> None:
    tenant, code = e.tenant(), normalise_code(e.text("code", required=True))
    try:
        kind = VoucherKind(e.text("kind", required=True))
    except ValueError:
        raise _Bad(f"kind: one of {', '.join(k.value for k in VoucherKind)}") from None
    currency = e.text("currency")
    value: Money | int | None = None
    if kind is VoucherKind.MONETARY:
        if currency is None:
            raise _Bad("currency: required for a monetary voucher")
        value = Money(e.money("value", currency, required=True), currency)
    elif kind is VoucherKind.MULTI_USE:
        value = e.count("uses")
        if value is None:
            raise _Bad("uses: required for a multi-use voucher")
    windows = []
    for window in e.take("validity", list, default=[]):
        if not isinstance(window, dict):
            raise _Bad("validity: expected an array of tables")
        w = _Entry(window, None)
        windows.append(
            WindowSpec(
                start=w.instant("starts_at"),
                end=w.instant("ends_at"),
                days_after_issue=w.count("days_after_issue"),
                end_of_day_in=w.text("end_of_day_in"),
            )
        )
        w.finish()
    tax_rate = e.take("tax_rate", (str, int))
    spec = VoucherSpec(
        kind=kind,
        value=value,
        currency=currency,
        validity=tuple(windows),
        redeemable_at=e.strings("redeemable_at"),
        pin=e.take("pin", str),
        taxable=e.take("taxable", bool, default=False),
        tax_rate=_decimal(str(tax_rate), "tax_rate") if tax_rate is not None else None,
        metadata=e.json_table("metadata") or {},
    )
    e.finish()
    plan.vouchers.append(VoucherPlan(tenant, code, spec))


def _decimal_text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise _Bad(f'{key}: amounts are decimal strings like "10.00", got {_toml_type(value)}')
    return value


def _code_text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad(f"codes: expected strings, got {_toml_type(value)}")
    return value


def _decimal(text: str, key: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise _Bad(f"{key}: not a decimal number: {text!r}") from None


def _identity_reader(section: str) -> Callable[[_Entry, FixturePlan, Path], None]:
    def read(e: _Entry, plan: FixturePlan, base: Path) -> None:
        plan.identities.setdefault(section, []).append(READERS[section](e, base))

    return read


_READERS = {
    "tenants": _tenant,
    "stores": _store,
    "offers": _offer,
    "pools": _pool,
    "campaigns": _campaign,
    "vouchers": _voucher,
    **{section: _identity_reader(section) for section in IDENTITY_SECTIONS},
}
#: The key that names an entry in messages (``vouchers[2] ('GIFT-50')``).
_NAMED_BY = {"vouchers": "code", "clients": "name", "webhooks": "url", "staff": "email"}


def _label(section: str, index: int, data: Any) -> str:
    name = data.get(_NAMED_BY.get(section, "id")) if isinstance(data, dict) else None
    return f"{section}[{index}]" + (f" ({name!r})" if isinstance(name, str) else "")


# --- the whole file -------------------------------------------------------------------------------------


def read_fixtures(path: str | Path, engine: Engine) -> FixturePlan:
    """Parse and check ``path`` completely; raise ``FixtureError`` listing every problem."""
    path = Path(path)
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise FixtureError(source, [f"cannot read the file: {error.strerror}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise FixtureError(source, [f"not valid TOML: {error}"]) from None
    plan, problems = FixturePlan(source), []
    default_tenant = data.pop("tenant", None)
    if default_tenant is not None and not isinstance(default_tenant, str):
        problems.append(f"tenant: expected a string, got {_toml_type(default_tenant)}")
        default_tenant = None
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        problems.append(f"unknown top-level key(s): {', '.join(unknown)} (known: tenant, {', '.join(SECTIONS)})")
    for section in SECTIONS:
        entries = data.get(section, [])
        if not isinstance(entries, list) or not all(isinstance(x, dict) for x in entries):
            problems.append(f"{section}: expected an array of tables ([[{section}]])")
            continue
        for index, entry in enumerate(entries):
            try:
                _READERS[section](_Entry(entry, default_tenant), plan, path.parent)
            except (_Bad, BadEntry, VoucherEngineError) as error:
                problems.append(f"{_label(section, index, entry)}: {error}")
    if not problems:
        problems = _check_references(plan, engine)
    if problems:
        raise FixtureError(source, problems)
    return plan


def _check_references(plan: FixturePlan, engine: Engine) -> list[str]:
    problems: list[str] = []

    def duplicates(section: str, keys: list[tuple[str, str]]) -> None:
        for key, n in Counter(keys).items():
            if n > 1:
                problems.append(f"{section}: {key[1]!r} of tenant {key[0]!r} is listed {n} times")

    duplicates("tenants", [("", t) for t, _ in plan.tenants])
    duplicates("stores", [(s.tenant_id, s.id) for s in plan.stores])
    duplicates("offers", [(o.tenant_id, o.id) for o in plan.offers])
    duplicates("pools", [(p.tenant, p.id) for p in plan.pools])
    duplicates("campaigns", [(c.tenant_id, c.id) for c in plan.campaigns])
    duplicates("vouchers", [(v.tenant, v.code) for v in plan.vouchers])

    tenants = {t for t, _ in plan.tenants} | set(engine.tenant_ids())
    stores = {(s.tenant_id, s.id) for s in plan.stores}
    pools = {(p.tenant, p.id) for p in plan.pools}

    def exists(lookup: Callable[[], Any]) -> bool:
        try:
            lookup()
        except NotFound:
            return False
        return True

    def check(label: str, tenant: str, store: str | None = None, pool: str | None = None) -> None:
        if tenant not in tenants:
            problems.append(f"{label}: tenant {tenant!r} is neither in the file nor in the database")
            return
        if store is not None and (tenant, store) not in stores and not exists(lambda: engine.get_store(tenant, store)):
            problems.append(f"{label}: store {store!r} is neither in the file nor in the database")
        if pool is not None and (tenant, pool) not in pools and not exists(lambda: engine.pool_status(tenant, pool)):
            problems.append(f"{label}: pool {pool!r} is neither in the file nor in the database")

    for i, s in enumerate(plan.stores):
        check(f"stores[{i}] ({s.id!r})", s.tenant_id)
    for i, o in enumerate(plan.offers):
        check(f"offers[{i}] ({o.id!r})", o.tenant_id, store=o.store_id, pool=o.pool_id)
    for i, p in enumerate(plan.pools):
        check(f"pools[{i}] ({p.id!r})", p.tenant)
    for i, c in enumerate(plan.campaigns):
        check(f"campaigns[{i}] ({c.id!r})", c.tenant_id, pool=c.pool_id)
    for i, v in enumerate(plan.vouchers):
        check(f"vouchers[{i}] ({v.code!r})", v.tenant)
    for section, entries in plan.identities.items():
        duplicates(section, [key_of(entry) for entry in entries])
        for i, entry in enumerate(entries):
            label = f"{section}[{i}] ({key_of(entry)[1]!r})"
            check(label, entry.tenant)
            if isinstance(entry, WebhookPlan) and entry.tenant in tenants and (reason := check_webhook(engine, entry)):
                problems.append(f"{label}: {reason}")
    return problems


# --- writing ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class LoadSummary:
    """What a load did, per kind of object: created, updated, or already as the file says."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    codes_added: int = 0
    codes_present: int = 0
    #: Secrets generated by this load: shown once, never stored in the clear.
    secrets: list[NewSecret] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for kind in SECTIONS:
            if self.created[kind] or self.updated[kind] or self.unchanged[kind]:
                out.append(
                    f"{kind + ':':11} {self.created[kind]} created, {self.updated[kind]} updated, "
                    f"{self.unchanged[kind]} already present"
                )
        out.append(f"{'codes:':11} {self.codes_added} added, {self.codes_present} already present")
        return out


def apply(engine: Engine, plan: FixturePlan, *, progress: ProgressFactory | None = None) -> LoadSummary:
    """Write a checked plan; see the module docstring for what "idempotent" means here."""
    summary = LoadSummary()

    def count(kind: str, created: bool) -> None:
        (summary.created if created else summary.unchanged)[kind] += 1

    def upsert(kind: str, new: Any, lookup: Callable[[], Any], put: Callable[[], Any]) -> None:
        try:
            old = lookup()
        except NotFound:
            put()
            summary.created[kind] += 1
            return
        if old == new:
            summary.unchanged[kind] += 1
        else:
            put()
            summary.updated[kind] += 1

    for tenant_id, name in plan.tenants:
        count("tenants", engine.create_tenant(tenant_id, name))
    for store in plan.stores:
        upsert("stores", store, partial(engine.get_store, store.tenant_id, store.id), partial(engine.put_store, store))
    for pool in plan.pools:
        _apply_pool(engine, pool, summary, progress)
    for offer in plan.offers:
        upsert("offers", offer, partial(engine.get_offer, offer.tenant_id, offer.id), partial(engine.put_offer, offer))
    for c in plan.campaigns:
        upsert("campaigns", c, partial(_stored_campaign, engine, c), partial(_put_campaign, engine, c))
    for v in plan.vouchers:
        try:
            engine.get_voucher(v.tenant, code=v.code)
        except NotFound:
            engine.issue(v.tenant, v.spec, code=v.code)
            count("vouchers", True)
        else:
            count("vouchers", False)
    for section in IDENTITY_SECTIONS:
        for entry in plan.identities.get(section, []):
            created, made = apply_identity(engine, entry)
            count(section, created)
            summary.secrets += made
    return summary


def _stored_campaign(engine: Engine, c: Campaign) -> Campaign:
    # The issued count is the engine's, never the file's: compare without it.
    return replace(engine.get_campaign(c.tenant_id, c.id), issued=0)


def _put_campaign(engine: Engine, c: Campaign) -> None:
    engine.put_campaign(
        c.tenant_id,
        c.id,
        name=c.name,
        pool_id=c.pool_id,
        starts_at=c.window.start,
        ends_at=c.window.end,
        trigger_categories=c.trigger_categories,
        distributors=c.distributors,
        priority=c.priority,
        cap=c.cap,
        template=c.template,
    )


def _apply_pool(engine: Engine, pool: PoolPlan, summary: LoadSummary, progress: ProgressFactory | None) -> None:
    created = engine.create_pool(
        pool.tenant, pool.id, name=pool.name, code_format=pool.code_format, low_stock_threshold=pool.low_stock
    )
    summary.created["pools"] += created
    summary.unchanged["pools"] += not created
    batches = []
    if pool.codes:
        batches.append((f"{pool.id}: codes", len(pool.codes), iter(pool.codes)))
    if pool.codes_file is not None:
        batches.append(
            (
                f"{pool.id}: {pool.codes_file.name}",
                pool.codes_in_file,
                read_codes(pool.codes_file, column=pool.codes_column),
            )
        )
    for label, total, codes in batches:
        report = progress(label, total) if progress else None
        added = engine.add_codes(pool.tenant, pool.id, codes, progress=report)
        summary.codes_added += added.added
        summary.codes_present += added.skipped
    if pool.generate is not None:
        missing = max(pool.generate - engine.pool_status(pool.tenant, pool.id).size, 0)
        report = progress(f"{pool.id}: generate", missing) if progress and missing else None
        summary.codes_added += engine.target_size(pool.tenant, pool.id, pool.generate, progress=report).added
