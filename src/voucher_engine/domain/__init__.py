"""The pure model of voucher-engine: standard library only, no I/O, no clock, no randomness."""
