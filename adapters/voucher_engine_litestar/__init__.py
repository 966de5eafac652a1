"""Litestar adapter."""
