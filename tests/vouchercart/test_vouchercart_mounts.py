"""VoucherCart at "/" beside another provider at "/" that also lives under /v1 (JTL's
reservations API does): both answer their own paths, each with its own errors; a provider
whose method and path collide with VoucherCart's is refused when the app starts."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient
from vouchercart_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CHEAP_ARGON2,
    NOW,
    add_domains,
    add_staff,
    administrator,
    bearer,
    login,
)

import voucher_engine_vouchercart.hooks
from voucher_engine import Engine, EngineConfig, ManualClock
from voucher_engine.identity import Identity, IdentityConfig
from voucher_engine.plugin import Call, Operation, Provider, Register, errors, hookimpl
from voucher_engine.plugins import PluginSettings
from voucher_engine_litestar import create_app


class Reservation(msgspec.Struct):
    id: str


def reserve(call: Call) -> Reservation:
    return Reservation(id="r-1")


def missing(call: Call) -> Reservation:
    raise errors.NotFound("no such reservation")


class Neighbour:
    """A JTL-shaped provider: its own paths under /v1."""

    name = "neighbour"

    @hookimpl
    def voucher_engine_register_providers(self, register: Register) -> None:
        register(
            Provider(
                self.name,
                "Reservations",
                operations=(
                    Operation("reserve", "POST", "/v1/reservations", reserve, response=Reservation),
                    Operation("getReservation", "GET", "/v1/reservations/{id:str}", missing, response=Reservation),
                ),
            )
        )


class Clash(Neighbour):
    """A provider that also answers POST /v1/redeem."""

    name = "clash"

    @hookimpl
    def voucher_engine_register_providers(self, register: Register) -> None:
        register(
            Provider(
                self.name,
                "Clash",
                operations=(Operation("redeemSomethingElse", "POST", "/v1/redeem", reserve, response=Reservation),),
            )
        )


def open_engine(tmp_path: Path, *extra: object) -> Engine:
    engine = Engine.open(
        f"sqlite:///{tmp_path / 'mounts.sqlite3'}",
        clock=ManualClock(NOW),
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(voucher_engine_vouchercart.hooks, *extra)),
    )
    engine.provide(Identity, Identity(engine, IdentityConfig(argon2=CHEAP_ARGON2)))
    return engine


def test_vouchercart_and_a_neighbour_under_v1_both_at_the_root(tmp_path):
    engine = open_engine(tmp_path, Neighbour())
    add_domains(engine)
    add_staff(engine, ADMIN_EMAIL, ADMIN_PASSWORD, administrator())
    try:
        with TestClient(create_app(engine, mounts={"vouchercart": "/", "neighbour": "/"})) as client:
            token = login(client)["accessToken"]
            assert client.get("/v1/domains", headers=bearer(token)).json()["status"] == "success"
            assert client.post("/v1/reservations", json={}).json() == {"id": "r-1"}
            # each provider's errors in its own shape, on the same /v1 prefix
            assert client.get("/v1/reservations/x").json()["code"] == "not_found"
            assert client.get("/v1/status?code=X", headers=bearer(token)).json()["code"] == 1010
            assert client.delete("/v1/redeem").json()["code"] == 1002
            vouchercart_paths = set(client.get("/providers/vouchercart/openapi.json").json()["paths"])
            assert "/v1/redeem" in vouchercart_paths and "/v1/reservations" not in vouchercart_paths
    finally:
        engine.close()


def test_a_provider_colliding_with_vouchercart_at_the_root_is_refused_at_start_up(tmp_path):
    engine = open_engine(tmp_path, Clash())
    try:
        with pytest.raises(errors.ValidationError) as refused:
            create_app(engine, mounts={"vouchercart": "/", "clash": "/"})
        assert "vouchercart.redeemVoucher" in str(refused.value) and "clash.redeemSomethingElse" in str(refused.value)
        create_app(engine, mounts={"vouchercart": "/", "clash": "/clash"})  # elsewhere it is fine
    finally:
        engine.close()
