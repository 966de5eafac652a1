"""The hooks of voucher-engine: every one prefixed ``voucher_engine_``, typed, and documented
with when it is called and how the results of several implementations combine.

Hooks answer "who takes part"; the objects they register answer "how" (design.md section 4).
Implementations must not give their parameters defaults: pluggy does not pass them. An
implementation may accept fewer parameters than the spec names (pluggy passes only those it
asks for), which is how a hook can grow a parameter without breaking plugins.

Built-in implementations (``voucher_engine.builtin``) are marked ``trylast``, so a plugin's
implementation runs before them and, for first-result hooks, replaces them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from voucher_engine.clock import RandomSource
    from voucher_engine.commands import Command
    from voucher_engine.config import RegisterSettings
    from voucher_engine.domain.codes import CodeFormat
    from voucher_engine.domain.vouchers import Voucher
    from voucher_engine.engine import Engine, StoredEvent
    from voucher_engine.providers import Attachment, Fulfilment, Register, RegisterJobHandler

PROJECT = "voucher_engine"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def voucher_engine_register_providers(register: Register) -> None:
    """Offer provider APIs: call ``register(provider)`` once for each provider.

    Called once when the plugin manager is built (``voucher_engine.plugins.Hooks.providers``).
    Every implementation is called; a provider name registered twice is an error at start-up.
    """


@hookspec
def voucher_engine_register_settings(register: RegisterSettings) -> None:
    """Declare configurable settings: call ``register(SettingsSection(name, type, apply))`` once
    for each section, which becomes the table ``[providers.<name>]`` of the configuration file
    (and the ``VOUCHER_ENGINE_PROVIDERS_<NAME>_<KEY>`` variables).

    Called when a configuration is loaded (``voucher-engine serve``, ``worker``, ``config show``),
    before any engine serves; ``apply(engine, settings)`` is then called with the checked values
    when the file or the environment sets any key of the section. Every implementation is
    called; a section name registered twice is an error at start-up.
    """


@hookspec(firstresult=True)
def voucher_engine_code_generator(
    code_format: CodeFormat, random: RandomSource, tenant_id: str, pool_id: str
) -> Callable[[], str] | None:
    """Return a function that draws one code per call for this pool, or ``None`` to pass.

    Called once per batch when codes are generated for a pool (``Engine.generate_codes``).
    Stops at the first non-``None`` result; the built-in generator (the pool's pattern drawn
    with the engine's CSPRNG) runs last. Duplicates are harmless: the pool skips them.
    """


@hookspec
def voucher_engine_veto_command(command: Command) -> str | None:
    """Return a reason to refuse ``command``, or ``None`` to let it through.

    Called before every engine command opens its transaction (issue, redeem, hold, capture,
    pop a code, ...), with the tenant, the operation name and its request. Every
    implementation is called; if any returns a reason the command fails with
    ``voucher_engine.errors.Vetoed`` carrying the first reason, and nothing is written.
    """


@hookspec(firstresult=True)
def voucher_engine_fulfil(engine: Engine, tenant_id: str, voucher: Voucher) -> Fulfilment | None:
    """Say how a confirmed voucher becomes ready: its final code, URL and attributes.

    Called by the fulfilment job for each confirmed voucher. Stops at the first non-``None``
    result; the built-in implementation (runs last) takes a code from the pool of the
    voucher's offer when it has one.
    """


@hookspec(firstresult=True)
def voucher_engine_render_attachment(voucher: Voucher, media_type: str) -> Attachment | None:
    """Render a ready voucher as a document of ``media_type`` (e.g. ``application/pdf``).

    Called when a provider serves a voucher's attachment. Stops at the first non-``None``
    result; the built-in implementation (runs last) renders a one-page PDF.
    """


@hookspec
def voucher_engine_register_job_handlers(register: RegisterJobHandler) -> None:
    """Offer background jobs: call ``register(kind, handler)`` for each job kind the plugin runs.

    Called once by every worker when it starts (``voucher_engine.delivery.Worker``); a handler
    gets the engine and the claimed job (``job.payload``, ``job.tenant_id``). Every
    implementation is called; a kind registered twice is an error at start-up, and a worker's
    own ``handlers`` argument overrides what plugins register.
    """


@hookspec
def voucher_engine_event_committed(event: StoredEvent) -> None:
    """Observe an event after its transaction committed.

    Called by the outbox relay, at least once per event (a crash between the call and the
    relay's bookkeeping repeats it), with a stable ``event.event_id`` to deduplicate on.
    Every implementation is called; an exception is logged and does not stop the others.
    """
