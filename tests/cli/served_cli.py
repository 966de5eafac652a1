"""``voucher-engine serve`` and ``voucher-engine worker`` as real processes, the way an operator
starts them (the test kit's ``Server`` watches the server process)."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import urllib.parse
from pathlib import Path

from voucher_engine.testing import Server

STARTUP_DEADLINE_S = 60.0


def environment() -> dict[str, str]:
    """This process's environment without any VOUCHER_ENGINE_ setting: the files decide."""
    return {k: v for k, v in os.environ.items() if not k.startswith("VOUCHER_ENGINE_")}


def serve(args: list[str], port: int, workdir: Path) -> Server:
    """``voucher-engine ARGS`` (a ``serve`` command line listening on ``port``), healthy."""
    workdir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "voucher_engine.cli", *args]
    server = Server(argv, environment(), port, workdir / f"serve-{port}.log", workdir)
    server.wait_until_ready("/health", STARTUP_DEADLINE_S)
    return server


def start_worker(args: list[str], workdir: Path) -> subprocess.Popen[bytes]:
    log = (workdir / "worker.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "voucher_engine.cli", *args],
        env=environment(),
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_worker(worker: subprocess.Popen[bytes]) -> int:
    """SIGTERM ends it after the round in progress: exit status 0."""
    worker.send_signal(signal.SIGTERM)
    return worker.wait(timeout=60)


def admin_token(server: Server, client_id: str, secret: str) -> str:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": "admin"}).encode()
    reply = server.request(
        "POST",
        "/admin/oauth/token",
        data=form,
        headers={"Authorization": f"Basic {raw}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 200, reply.body
    return str(reply.json()["access_token"])
