"""Telegram adapters, one module per feature: parse the update, call the domain, render."""
