"""Errors the user sees carry a translation key and its parameters (STYLE.md habit 4)."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal or invalid input; `key` is translated once, at the edge."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class PermissionDenied(DomainError):
    def __init__(self) -> None:
        super().__init__("error.not_allowed")


class NotFound(DomainError):
    pass
