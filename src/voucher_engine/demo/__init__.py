"""Package data for ``voucher-engine demo``: the demo fixtures (demo.toml)."""
