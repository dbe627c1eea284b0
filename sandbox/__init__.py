"""A local emulation of the Telegram Bot API and a driver that acts as users (a leaf package).

Start it, point python-telegram-bot at it and drive users::

    emulator = BotApiEmulator()
    await emulator.start()
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    driver = Driver(emulator)
    user = driver.user(1001, "Sara")
    await user.send("/start")
    reply = await user.next_message()
"""

from .driver import Driver
from .emulator import BotApiEmulator
from .errors import ApiError, CallbackNotAnswered
from .limits import RateLimits
from .sim import SimUser
from .sim_chat import SimChat
from .state import CallbackAnswer, SentMessage, Stats, StoredFile

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "CallbackAnswer",
    "CallbackNotAnswered",
    "Driver",
    "RateLimits",
    "SentMessage",
    "SimChat",
    "SimUser",
    "Stats",
    "StoredFile",
]
