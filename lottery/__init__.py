"""Publicly verifiable spot-check lottery (双随机、一公开)."""

__version__ = "0.1.0"
