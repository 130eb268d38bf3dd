"""The error a whole registry file raises when it cannot be read."""

from __future__ import annotations


class FileFormatError(Exception):
    """The file as a whole cannot be read; ``code`` is stable English, ``message`` Chinese."""

    def __init__(self, code: str, message: str, row_number: int = 0) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.row_number = row_number
