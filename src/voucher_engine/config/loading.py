"""Reading the configuration: defaults, then the TOML file, then ``VOUCHER_ENGINE_...``
environment variables, then command-line options; every key checked at start, every problem
reported with the key (and the variable) it came from, all of them at once."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from voucher_engine.config.model import (
    Argon2Settings,
    AuthLimitSettings,
    GeneralSettings,
    RateLimitSettings,
    ServerSettings,
    WebhookSettings,
)
from voucher_engine.config.sections import SettingsSection
from voucher_engine.config.values import BadValue, convert, render
from voucher_engine.delivery import DeliverySettings, Webhooks
from voucher_engine.engine import EngineConfig
from voucher_engine.errors import ValidationError
from voucher_engine.identity import Identity, IdentityConfig

if TYPE_CHECKING:
    from voucher_engine.engine import Engine
    from voucher_engine.plugins import PluginSettings

#: The configuration file, when no ``--config`` is given.
CONFIG_ENV = "VOUCHER_ENGINE_CONFIG"
ENV_PREFIX = "VOUCHER_ENGINE_"
#: The core's tables ("" is the top level); providers' tables are ``providers.<name>``.
CORE_TABLES: dict[str, type] = {
    "": GeneralSettings,
    "server": ServerSettings,
    "webhooks": WebhookSettings,
    "rate_limit": RateLimitSettings,
    "auth_limits": AuthLimitSettings,
    "argon2": Argon2Settings,
}
#: Variables read before the configuration file existed; the new name wins when both are set.
LEGACY_ENV = {
    "VOUCHER_ENGINE_MOUNTS": "server.mounts",
    "VOUCHER_ENGINE_WORKER": "server.worker",
    "VOUCHER_ENGINE_WEBHOOK_NETWORKS": "webhooks.networks",
}
MASK = "********"
#: The core's own secrets, masked by ``config show`` (providers declare theirs in their section).
CORE_SECRETS = {"server": frozenset({"metrics_token"})}


class ConfigError(ValidationError):
    """A configuration that cannot be used; ``problems`` names each bad key."""

    code = "invalid_config"

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: {len(problems)} problem(s)", problems=problems)
        self.problems = problems

    def __str__(self) -> str:
        # A server process started without the CLI (uvicorn --factory) ends with this in its
        # log: every problem belongs there, not only the count.
        return "\n  ".join([self.message, *self.problems])


def env_name(key: str) -> str:
    """``providers.jackpot.session_ttl`` -> ``VOUCHER_ENGINE_PROVIDERS_JACKPOT_SESSION_TTL``."""
    return ENV_PREFIX + key.replace(".", "_").upper()


def _key(table: str, name: str) -> str:
    return f"{table}.{name}" if table else name


@dataclass(frozen=True, slots=True)
class Config:
    """The effective configuration. ``origin`` tells where each key's value came from."""

    general: GeneralSettings
    server: ServerSettings
    webhooks: WebhookSettings
    rate_limit: RateLimitSettings
    auth_limits: AuthLimitSettings
    #: Section name -> its settings, for every section a plugin declares.
    providers: Mapping[str, Any]
    sections: Mapping[str, SettingsSection]
    origin: Mapping[str, str] = field(default_factory=dict)
    source: str = "defaults"
    argon2: Argon2Settings = field(default_factory=Argon2Settings)

    def engine_config(self) -> EngineConfig:
        """The engine's settings from here (the rest keep the engine's defaults)."""
        return EngineConfig(max_write_wait_s=self.general.write_wait.total_seconds())

    @property
    def url(self) -> str:
        return self.general.url

    def delivery_settings(self) -> DeliverySettings:
        w = self.webhooks
        return DeliverySettings(
            allowed_networks=w.networks,
            request_timeout_s=w.request_timeout.total_seconds(),
            lease_s=w.lease.total_seconds(),
            batch_size=w.batch_size,
            concurrency=w.concurrency,
            poll_interval_s=w.poll_interval.total_seconds(),
            gather_s=w.gather.total_seconds(),
            job_max_attempts=w.job_max_attempts,
        )

    def apply(self, engine: Engine) -> None:
        """Give ``engine`` what it needs from here before it serves: the webhook guard used by
        the admin API (so ``[webhooks] networks`` reaches it), the identity services with the
        failed-authentication limits of ``[auth_limits]`` and the hashing cost of ``[argon2]``,
        and each provider section set in the file or the environment (a section left alone
        keeps what a host configured)."""
        engine.provide(Webhooks, Webhooks(engine, self.delivery_settings()))
        if self._set_anywhere("auth_limits") or self._set_anywhere("argon2"):
            engine.provide(
                Identity,
                Identity(
                    engine,
                    IdentityConfig(
                        attempt_limits=self.auth_limits.limits(),
                        argon2=self.argon2.params(),
                    ),
                ),
            )
        for name, section in self.sections.items():
            if self._set_anywhere(f"providers.{name}"):
                section.apply(engine, self.providers[name])

    def _set_anywhere(self, table: str) -> bool:
        """Whether the file or the environment set a key of ``table`` (else the engine keeps
        what its host gave it)."""
        return any(key.startswith(f"{table}.") and how != "default" for key, how in self.origin.items())

    def show(self) -> dict[str, Any]:
        """Every key with its value, secrets masked, as the file would write it."""
        out: dict[str, Any] = {}
        for table, settings in self._tables():
            values = {f.name: render(getattr(settings, f.name)) for f in dataclasses.fields(settings)}
            if table == "":
                values["url"] = make_url(values["url"]).render_as_string(hide_password=True)
                out.update(values)
                continue
            if table.startswith("providers."):
                secrets = self.sections[table.split(".", 1)[1]].secrets
            else:
                secrets = CORE_SECRETS.get(table, frozenset())
            for name in secrets:
                if values[name] not in (None, ""):
                    values[name] = MASK
            node = out
            for part in table.split("."):
                node = node.setdefault(part, {})
            node.update(values)
        return out

    def _tables(self) -> Iterable[tuple[str, Any]]:
        yield "", self.general
        yield "server", self.server
        yield "webhooks", self.webhooks
        yield "rate_limit", self.rate_limit
        yield "auth_limits", self.auth_limits
        yield "argon2", self.argon2
        for name in sorted(self.providers):
            yield f"providers.{name}", self.providers[name]


def declared_sections(plugins: PluginSettings | None = None) -> list[SettingsSection]:
    """The sections the plugins declare (``voucher_engine_register_settings``): the installed
    ones, or those ``plugins`` names; read before an engine exists, so that its configuration
    can come from the same file."""
    from voucher_engine.plugins import Hooks, build_plugin_manager

    return Hooks(build_plugin_manager(plugins)).settings_sections()


def load_config(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    sections: Sequence[SettingsSection] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """The configuration from ``path`` (else ``$VOUCHER_ENGINE_CONFIG``, else none), the
    environment and ``overrides`` (dotted keys, e.g. from command-line options, already typed);
    ``ConfigError`` listing every problem."""
    env = os.environ if env is None else env
    path = path or env.get(CONFIG_ENV) or None
    source = str(path) if path else "the configuration"
    declared = {s.name: s for s in (declared_sections() if sections is None else sections)}
    tables: dict[str, type] = {**CORE_TABLES, **{f"providers.{n}": s.type for n, s in declared.items()}}
    problems: list[str] = []
    data = _read_file(Path(path), problems) if path else {}
    raw: dict[str, dict[str, tuple[Any, bool, str]]] = {t: {} for t in tables}
    _take_file(data, tables, raw, problems, declared)
    _take_env(env, tables, raw, problems)
    for key, value in (overrides or {}).items():
        table, _, name = key.rpartition(".")
        raw[table][name] = (value, False, "command line")
    built: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for table, kind in tables.items():
        built[table] = _build(table, kind, raw[table], problems, origin)
    if problems:
        raise ConfigError(source, problems)
    return Config(
        general=built[""],
        server=built["server"],
        webhooks=built["webhooks"],
        rate_limit=built["rate_limit"],
        auth_limits=built["auth_limits"],
        argon2=built["argon2"],
        providers={n: built[f"providers.{n}"] for n in declared},
        sections=declared,
        origin=origin,
        source=str(path) if path else "defaults",
    )


def _read_file(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        problems.append(f"cannot read the file: {error.strerror}")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(f"not valid TOML: {error}")
    return {}


def _take_file(
    data: dict[str, Any],
    tables: Mapping[str, type],
    raw: dict[str, dict[str, tuple[Any, bool, str]]],
    problems: list[str],
    declared: Mapping[str, SettingsSection],
) -> None:
    def take(table: str, values: Mapping[str, Any]) -> None:
        names = {f.name for f in dataclasses.fields(tables[table])}
        for name, value in values.items():
            if table == "" and isinstance(value, dict):
                continue  # a table, handled below
            if name not in names:
                problems.append(f"{_key(table, name)}: unknown key (known: {', '.join(sorted(names))})")
            else:
                raw[table][name] = (value, False, "file")

    take("", data)
    for name, value in data.items():
        if not isinstance(value, dict):
            continue
        if name == "providers":
            for provider, settings in value.items():
                if provider not in declared:
                    known = ", ".join(sorted(declared)) or "none"
                    problems.append(
                        f"providers.{provider}: no installed plugin declares these settings (declared: {known})"
                    )
                elif not isinstance(settings, dict):
                    problems.append(f"providers.{provider}: expected a table")
                else:
                    take(f"providers.{provider}", settings)
        elif name in tables and name != "":
            take(name, value)
        else:
            known = ", ".join(sorted(t for t in CORE_TABLES if t)) + ", providers"
            problems.append(f"{name}: unknown table (known: {known})")


def _take_env(
    env: Mapping[str, str],
    tables: Mapping[str, type],
    raw: dict[str, dict[str, tuple[Any, bool, str]]],
    problems: list[str],
) -> None:
    for legacy, key in LEGACY_ENV.items():
        if legacy in env and env_name(key) not in env:
            table, _, name = key.rpartition(".")
            raw[table][name] = (env[legacy], True, f"environment {legacy}")
    for table, kind in tables.items():
        for f in dataclasses.fields(kind):
            variable = env_name(_key(table, f.name))
            if variable in env:
                raw[table][f.name] = (env[variable], True, f"environment {variable}")


def _build(
    table: str, kind: type, given: Mapping[str, tuple[Any, bool, str]], problems: list[str], origin: dict[str, str]
) -> Any:
    hints = typing.get_type_hints(kind)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(kind):
        key = _key(table, f.name)
        if f.name not in given:
            origin[key] = "default"
            continue
        value, from_env, where = given[f.name]
        origin[key] = where
        try:
            values[f.name] = convert(value, hints[f.name], from_env=from_env)
        except BadValue as error:
            via = f" (from {where})" if where != "file" else ""
            problems.append(f"{key}: {error}{via}")
    try:
        return kind(**values)
    except (ValidationError, ValueError, TypeError) as error:
        message = error.message if isinstance(error, ValidationError) else str(error)
        first, sep, rest = message.partition(": ")
        if sep and first in {f.name for f in dataclasses.fields(kind)}:
            problems.append(f"{_key(table, first)}: {rest}")
        else:
            problems.append(f"{table or 'top level'}: {message}")
        return None
