"""The rules and use cases. Knows no Telegram and no aiohttp; returns plain data."""
