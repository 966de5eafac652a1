"""Building the plugin manager, and the typed facade the engine calls hooks through.

There is no module-level manager: each engine builds its own (tox's pattern), so two engines in
one process, or two tests, never share plugin state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

from voucher_engine import builtin, hookspecs
from voucher_engine.commands import Command
from voucher_engine.errors import ValidationError, Vetoed

if TYPE_CHECKING:
    from voucher_engine.clock import RandomSource
    from voucher_engine.config import SettingsSection
    from voucher_engine.domain.codes import CodeFormat
    from voucher_engine.domain.vouchers import Voucher
    from voucher_engine.engine import Engine, StoredEvent
    from voucher_engine.providers import Attachment, Fulfilment, Provider

ENTRY_POINT_GROUP = "voucher_engine"


@dataclass(frozen=True, slots=True)
class PluginSettings:
    #: Load plugins advertised in the ``voucher_engine`` entry-point group (ours included).
    load_entry_points: bool = True
    #: Entry-point names (or registration names) that must not load.
    blocked: frozenset[str] = frozenset()
    #: Plugin objects (modules, classes, instances) a host registers directly.
    extra: tuple[object, ...] = field(default_factory=tuple)


def build_plugin_manager(settings: PluginSettings | None = None) -> pluggy.PluginManager:
    settings = settings or PluginSettings()
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in settings.blocked:
        pm.set_blocked(name)
    pm.register(builtin, name="voucher_engine.builtin")
    for plugin in settings.extra:
        pm.register(plugin)
    if settings.load_entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    # A hook implementation whose name matches no spec (a typo) fails here, at start-up,
    # instead of silently never being called.
    pm.check_pending()
    return pm


class Hooks:
    """Typed calls into the plugin manager; the rest of the code never touches ``pm.hook``."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._providers: list[Provider] | None = None

    def providers(self) -> list[Provider]:
        """Every registered provider, by name; computed once."""
        if self._providers is None:
            found: dict[str, Provider] = {}

            def register(provider: Provider) -> None:
                if provider.name in found:
                    raise ValidationError(f"two plugins register a provider named {provider.name!r}")
                found[provider.name] = provider

            self.pm.hook.voucher_engine_register_providers(register=register)
            self._providers = [found[name] for name in sorted(found)]
        return list(self._providers)

    def settings_sections(self) -> list[SettingsSection]:
        """Every configurable section the plugins declare, by name."""
        found: dict[str, SettingsSection] = {}

        def register(section: SettingsSection) -> None:
            if section.name in found:
                raise ValidationError(f"two plugins declare settings named {section.name!r}")
            found[section.name] = section

        self.pm.hook.voucher_engine_register_settings(register=register)
        return [found[name] for name in sorted(found)]

    def code_generator(
        self, code_format: CodeFormat, random: RandomSource, tenant_id: str, pool_id: str
    ) -> Callable[[], str]:
        generate: Callable[[], str] = self.pm.hook.voucher_engine_code_generator(
            code_format=code_format, random=random, tenant_id=tenant_id, pool_id=pool_id
        )
        return generate

    def veto(self, command: Command) -> None:
        if not self.pm.hook.voucher_engine_veto_command.get_hookimpls():
            return  # the common case costs nothing
        reasons = self.pm.hook.voucher_engine_veto_command(command=command)
        if reasons:
            raise Vetoed(reasons[0], operation=command.operation)

    def fulfil(self, engine: Engine, tenant_id: str, voucher: Voucher) -> Fulfilment:
        fulfilment: Fulfilment = self.pm.hook.voucher_engine_fulfil(engine=engine, tenant_id=tenant_id, voucher=voucher)
        return fulfilment

    def job_handlers(self) -> dict[str, Callable[[Engine, Any], object]]:
        """Job kind -> handler, as plugins register them."""
        found: dict[str, Callable[[Engine, Any], object]] = {}

        def register(kind: str, handler: Callable[[Engine, Any], object]) -> None:
            if kind in found:
                raise ValidationError(f"two plugins register a job handler for {kind!r}")
            found[kind] = handler

        self.pm.hook.voucher_engine_register_job_handlers(register=register)
        return found

    def render_attachment(self, voucher: Voucher, media_type: str) -> Attachment | None:
        attachment: Attachment | None = self.pm.hook.voucher_engine_render_attachment(
            voucher=voucher, media_type=media_type
        )
        return attachment

    def event_committed(self, event: StoredEvent) -> list[BaseException]:
        """Call every observer; return the exceptions they raised instead of stopping."""
        failures: list[BaseException] = []
        for impl in reversed(self.pm.hook.voucher_engine_event_committed.get_hookimpls()):
            try:
                impl.function(*[event for _ in impl.argnames])
            except Exception as error:  # noqa: BLE001 - one bad observer must not starve the rest
                failures.append(error)
        return failures


def hooks_for(plugins: Iterable[object] = (), *, load_entry_points: bool = False) -> Hooks:
    """Hooks with just these plugins: handy for tests and small embeddings."""
    return Hooks(build_plugin_manager(PluginSettings(load_entry_points, frozenset(), tuple(plugins))))
