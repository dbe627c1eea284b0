"""The table of Bot API methods: ``@method("sendMessage")`` registers a handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .params import Params

if TYPE_CHECKING:
    from .emulator import BotApiEmulator

Handler = Callable[["BotApiEmulator", Params], Awaitable[Any]]
H = TypeVar("H", bound=Handler)

#: lower-case method name -> (canonical name, handler); Telegram ignores the case of names.
METHODS: dict[str, tuple[str, Handler]] = {}


def method(name: str) -> Callable[[H], H]:
    """Register ``handler`` for the Bot API method ``name``."""

    def register(handler: H) -> H:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register


def always_true(*names: str) -> None:
    """Register methods that only need to answer ``true``."""

    async def ok(emulator: BotApiEmulator, params: Params) -> bool:
        return True

    for name in names:
        METHODS[name.lower()] = (name, ok)
