"""Plugins are found through the ``voucher_engine`` entry-point group and can be blocked by
name. A real (if tiny) installed distribution is written to a temporary folder and put on the
path of a fresh interpreter, exactly how pip would lay it out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

PLUGIN = textwrap.dedent(
    """
    from voucher_engine.hookspecs import hookimpl
    from voucher_engine.providers import Operation, Provider, Reply

    @hookimpl
    def voucher_engine_register_providers(register):
        register(Provider("sample", "Sample", (Operation("ping", "GET", "/ping", lambda c: Reply({})),)))
    """
)

PROBE = textwrap.dedent(
    """
    import json, sys
    from voucher_engine import Engine
    from voucher_engine.plugins import PluginSettings
    blocked = frozenset(json.loads(sys.argv[2]))
    eng = Engine.open(sys.argv[1], plugins=PluginSettings(blocked=blocked))
    print(json.dumps([p.name for p in eng.hooks.providers()]))
    eng.close()
    """
)


def _install_fake_distribution(root) -> None:
    (root / "sample_ve_plugin.py").write_text(PLUGIN)
    dist = root / "sample_ve_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: sample-ve-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[voucher_engine]\nsample = sample_ve_plugin\n")


def _providers(root, url: str, blocked: list[str]) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, url, json.dumps(blocked)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_entry_point_plugins_load_and_can_be_blocked(tmp_path, sqlite_url):
    _install_fake_distribution(tmp_path)
    assert "sample" in _providers(tmp_path, sqlite_url, [])
    assert "sample" not in _providers(tmp_path, sqlite_url, ["sample"])
