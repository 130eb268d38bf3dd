"""The staff API, the public log routes and the staff console: :func:`create_app`."""

from .app import create_app

__all__ = ["create_app"]
