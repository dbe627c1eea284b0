"""Composition root: settings, command line, and the wiring of bot and web server."""
