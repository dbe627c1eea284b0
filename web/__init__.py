"""aiohttp: health now; webhook, console, screen, exports and metrics as features land."""
