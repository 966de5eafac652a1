"""One configuration file for ``serve`` and ``worker`` (docs/configuration.md): the core's
settings and every plugin's declared section, overridable by ``VOUCHER_ENGINE_...`` variables,
checked at start."""

from voucher_engine.config.loading import CONFIG_ENV, Config, ConfigError, env_name, load_config
from voucher_engine.config.model import GeneralSettings, RateLimitSettings, ServerSettings, WebhookSettings
from voucher_engine.config.sections import RegisterSettings, SettingsSection
from voucher_engine.config.values import format_duration, parse_duration

__all__ = [
    "CONFIG_ENV",
    "Config",
    "ConfigError",
    "GeneralSettings",
    "RateLimitSettings",
    "RegisterSettings",
    "ServerSettings",
    "SettingsSection",
    "WebhookSettings",
    "env_name",
    "format_duration",
    "load_config",
    "parse_duration",
]
