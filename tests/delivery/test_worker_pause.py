"""The worker loop's wait between rounds (``RoundReport.pause_s``): none while a batch came back
full, ``gather_s`` after a round with some work, ``poll_interval_s`` after one with none. Under
steady traffic the worker so takes events in batches instead of a round (three transactions)
per event or two, which cost a busy server as much CPU as the requests themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from voucher_engine.config import ConfigError, load_config
from voucher_engine.delivery.settings import DeliverySettings
from voucher_engine.delivery.worker import RoundReport

SETTINGS = DeliverySettings(batch_size=50, poll_interval_s=1.0, gather_s=0.05)


@pytest.mark.parametrize(
    ("report", "pause"),
    [
        (RoundReport(0, {}, {}), 1.0),
        (RoundReport(3, {}, {}), 0.05),
        (RoundReport(0, {"delivered": 2}, {"done": 1}), 0.05),
        (RoundReport(49, {"delivered": 49}, {"done": 49}), 0.05),
        (RoundReport(50, {}, {}), 0.0),
        (RoundReport(0, {"delivered": 30, "failed": 20}, {}), 0.0),
        (RoundReport(0, {}, {"done": 50}), 0.0),
    ],
)
def test_the_pause_after_a_round(report: RoundReport, pause: float) -> None:
    assert report.pause_s(SETTINGS) == pause


def test_the_gathering_pause_is_never_longer_than_the_idle_one() -> None:
    quick = DeliverySettings(poll_interval_s=0.01, gather_s=0.05)
    assert RoundReport(1, {}, {}).pause_s(quick) == 0.01


def test_the_configuration_sets_it_within_the_poll_interval(tmp_path: Path) -> None:
    path = tmp_path / "voucher-engine.toml"
    path.write_text('[webhooks]\ngather = "20ms"\n')
    assert load_config(path, env={}).delivery_settings().gather_s == pytest.approx(0.02)
    path.write_text('[webhooks]\ngather = "2s"\npoll_interval = "1s"\n')
    with pytest.raises(ConfigError, match="gather"):
        load_config(path, env={})
