"""``python -m voucher_engine.cli``: the same as the ``voucher-engine`` command."""

from voucher_engine.cli import run

run()
