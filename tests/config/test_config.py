"""The configuration file: defaults, then the file, then VOUCHER_ENGINE_ variables, then the
command line; every bad key named; sections declared by plugins through the hook; applied to an
engine; shown with secrets masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

import voucher_engine_jackpot
import voucher_engine_jtl
from voucher_engine import Engine, EngineConfig
from voucher_engine.config import ConfigError, SettingsSection, env_name, load_config, parse_duration
from voucher_engine.delivery import Webhooks
from voucher_engine.identity import Identity
from voucher_engine.identity.config import AttemptLimits
from voucher_engine.plugin import RegisterSettings, hookimpl
from voucher_engine.plugins import PluginSettings
from voucher_engine_jackpot.settings import settings_of as jackpot_settings

SHIPPED = [
    SettingsSection("jackpot", voucher_engine_jackpot.JackpotSettings, voucher_engine_jackpot.configure),
    SettingsSection("jtl", voucher_engine_jtl.JtlSettings, voucher_engine_jtl.configure),
]


@dataclass(frozen=True, slots=True)
class GiftcardSettings:
    api_key: str = ""
    timeout: timedelta = timedelta(seconds=5)
    regions: tuple[str, ...] = ("eu",)


applied: list[tuple[Engine, GiftcardSettings]] = []


class GiftcardPlugin:
    """A third party's provider: its settings live in the same file as ours."""

    @staticmethod
    @hookimpl
    def voucher_engine_register_settings(register: RegisterSettings) -> None:
        register(
            SettingsSection(
                "giftcard",
                GiftcardSettings,
                lambda engine, s: applied.append((engine, s)),
                secrets=frozenset({"api_key"}),
            )
        )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "voucher-engine.toml"
    path.write_text(text)
    return path


def test_file_then_environment_then_command_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
url = "sqlite:///from-file.sqlite3"
[server]
port = 9000
host = "0.0.0.0"
mounts = ["promo=/"]
[webhooks]
networks = ["10.0.0.0/8"]
[providers.jackpot]
session_ttl = "30m"
reservation_ttl = 600
""",
    )
    env = {
        "VOUCHER_ENGINE_SERVER_PORT": "9100",
        "VOUCHER_ENGINE_PROVIDERS_JACKPOT_SESSION_TTL": "1h30m",
        "VOUCHER_ENGINE_WEBHOOKS_NETWORKS": "127.0.0.1/32, 192.168.0.0/16",
    }
    config = load_config(path, env=env, sections=SHIPPED, overrides={"server.host": "127.0.0.2"})
    assert config.url == "sqlite:///from-file.sqlite3"
    assert (config.server.port, config.server.host, config.server.mounts) == (9100, "127.0.0.2", ("promo=/",))
    assert config.webhooks.networks == ("127.0.0.1/32", "192.168.0.0/16")
    jackpot = config.providers["jackpot"]
    assert (jackpot.session_ttl, jackpot.reservation_ttl) == (timedelta(hours=1, minutes=30), timedelta(minutes=10))
    assert jackpot.proposals_per_offer == 5  # the provider's own default
    assert config.providers["jtl"] == voucher_engine_jtl.JtlSettings()
    assert config.origin["server.port"] == "environment VOUCHER_ENGINE_SERVER_PORT"
    assert config.origin["server.host"] == "command line"
    assert config.origin["server.mounts"] == "file"
    assert config.origin["server.processes"] == "default"
    assert config.delivery_settings().allowed_networks == ("127.0.0.1/32", "192.168.0.0/16")


def test_no_file_gives_the_defaults_and_the_url_variable_keeps_its_name() -> None:
    config = load_config(None, env={"VOUCHER_ENGINE_URL": "sqlite:///env.sqlite3"}, sections=SHIPPED)
    assert config.url == "sqlite:///env.sqlite3"
    assert (config.server.port, config.server.worker, config.webhooks.networks) == (8000, True, ())
    assert env_name("providers.jackpot.session_ttl") == "VOUCHER_ENGINE_PROVIDERS_JACKPOT_SESSION_TTL"


def test_the_variables_serve_used_before_the_file_still_work() -> None:
    env = {
        "VOUCHER_ENGINE_MOUNTS": "promo=/,jtl=/v2",
        "VOUCHER_ENGINE_WORKER": "0",
        "VOUCHER_ENGINE_WEBHOOK_NETWORKS": "127.0.0.1/32",
    }
    config = load_config(None, env=env, sections=[])
    assert (config.server.mounts, config.server.worker, config.webhooks.networks) == (
        ("promo=/", "jtl=/v2"),
        False,
        ("127.0.0.1/32",),
    )


def test_every_problem_is_reported_at_once_naming_its_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
log_format = "xml"
colour = "blue"
[server]
port = "eighty"
prot = 8000
mounts = ["promo"]
[webhooks]
networks = ["not-a-network"]
[providers.jackpot]
session_ttl = "forever"
[providers.nosuch]
x = 1
[cache]
size = 1
""",
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path, env={"VOUCHER_ENGINE_PROVIDERS_JTL_RESERVATION_TTL": "-5m"}, sections=SHIPPED)
    problems = raised.value.problems
    assert raised.value.code == "invalid_config"
    expected = [
        "log_format: one of 'json', 'text', got 'xml'",
        "colour: unknown key",
        "server.port: expected an integer, got a string",
        "server.prot: unknown key",
        "webhooks.networks: 'not-a-network' is not a network (CIDR)",
        "providers.jackpot.session_ttl: expected a duration",
        "providers.nosuch: no installed plugin declares these settings",
        "cache: unknown table",
        "providers.jtl.reservation_ttl: expected a duration",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert any("(from environment VOUCHER_ENGINE_PROVIDERS_JTL_RESERVATION_TTL)" in p for p in problems)


def test_a_value_the_settings_object_refuses_is_named_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, "[providers.jackpot]\nsession_ttl = 0\n"), env={}, sections=SHIPPED)
    assert raised.value.problems == ["providers.jackpot: reservation_ttl and session_ttl are positive"]
    with pytest.raises(ConfigError) as raised:
        load_config(None, env={"VOUCHER_ENGINE_SERVER_MOUNTS": "promo"}, sections=[])
    assert raised.value.problems == ["server.mounts: 'promo' is not name=/prefix"]
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, "[server\n"), env={}, sections=[])
    assert raised.value.problems[0].startswith("not valid TOML")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("90s", 90),
        ("15m", 900),
        ("1h30m", 5400),
        ("2d", 172800),
        ("250ms", 0.25),
        ("1.5h", 5400),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "m", "15 minutes", "1h 30m", "h1", "5x"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(Exception, match="expected a duration"):
        parse_duration(text)


def test_a_third_party_section_comes_through_the_hook_and_its_secrets_are_masked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
url = "postgresql+psycopg://app:hunter2@db/vouchers"
[providers.giftcard]
api_key = "gc-live-very-secret"
regions = ["eu", "us"]
""",
    )
    with Engine.open(
        f"sqlite:///{tmp_path / 'e.sqlite3'}",
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(GiftcardPlugin,)),
    ) as engine:
        sections = engine.hooks.settings_sections()
        assert [s.name for s in sections] == ["giftcard"]
        config = load_config(path, env={"VOUCHER_ENGINE_PROVIDERS_GIFTCARD_TIMEOUT": "7s"}, sections=sections)
        shown = config.show()
        assert shown["providers"]["giftcard"] == {"api_key": "********", "timeout": "7s", "regions": ["eu", "us"]}
        assert shown["url"] == "postgresql+psycopg://app:***@db/vouchers"
        assert "hunter2" not in repr(shown) and "gc-live" not in repr(shown)
        applied.clear()
        config.apply(engine)
        assert applied == [(engine, GiftcardSettings("gc-live-very-secret", timedelta(seconds=7), ("eu", "us")))]


def test_a_section_declared_twice_is_an_error_at_start() -> None:
    from voucher_engine.errors import ValidationError
    from voucher_engine.plugins import Hooks, build_plugin_manager

    class Again:
        @staticmethod
        @hookimpl
        def voucher_engine_register_settings(register: RegisterSettings) -> None:
            register(SettingsSection("giftcard", GiftcardSettings, lambda engine, s: None))

    hooks = Hooks(build_plugin_manager(PluginSettings(False, frozenset(), (GiftcardPlugin, Again))))
    with pytest.raises(ValidationError, match="two plugins declare settings named 'giftcard'"):
        hooks.settings_sections()


def test_apply_gives_the_engine_the_provider_settings_and_the_webhook_guard(tmp_path: Path) -> None:
    path = write(tmp_path, '[webhooks]\nnetworks = ["127.0.0.1/32"]\n[providers.jackpot]\nsession_ttl = "7m"\n')
    with Engine.open(
        f"sqlite:///{tmp_path / 'e.sqlite3'}",
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(voucher_engine_jackpot,)),
    ) as engine:
        assert jackpot_settings(engine).session_ttl == timedelta(hours=1)
        load_config(path, env={}, sections=engine.hooks.settings_sections()).apply(engine)
        assert jackpot_settings(engine).session_ttl == timedelta(minutes=7)
        assert engine.shared(Webhooks).settings.allowed_networks == ("127.0.0.1/32",)


def test_the_failed_authentication_limits_reach_the_identity_services(tmp_path: Path) -> None:
    path = write(tmp_path, '[auth_limits]\nper_identity = 3\nwindow = "1h"\n')
    with Engine.open(f"sqlite:///{tmp_path / 'e.sqlite3'}", config=EngineConfig(auto_migrate=True)) as engine:
        load_config(path, env={}, sections=[]).apply(engine)
        assert engine.shared(Identity).config.attempt_limits == AttemptLimits(30, 3, timedelta(hours=1))
    with Engine.open(f"sqlite:///{tmp_path / 'e.sqlite3'}") as engine:
        load_config(None, env={"VOUCHER_ENGINE_AUTH_LIMITS_ENABLED": "false"}, sections=[]).apply(engine)
        assert engine.shared(Identity).config.attempt_limits is None
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, "[auth_limits]\nper_address = 0\n"), env={}, sections=[])
    assert raised.value.problems == ["auth_limits.per_address: at least 1"]


def test_a_section_the_file_leaves_alone_keeps_what_the_host_configured(tmp_path: Path) -> None:
    with Engine.open(
        f"sqlite:///{tmp_path / 'e.sqlite3'}",
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(voucher_engine_jackpot,)),
    ) as engine:
        voucher_engine_jackpot.configure(engine, voucher_engine_jackpot.JackpotSettings(proposals_per_offer=2))
        load_config(None, env={}, sections=engine.hooks.settings_sections()).apply(engine)
        assert jackpot_settings(engine).proposals_per_offer == 2
