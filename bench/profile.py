"""Summarise a py-spy profile (`--format raw`: one collapsed stack and a count per line).

py-spy samples only threads that are running, so the shares are shares of the bot's CPU time.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_FILE = re.compile(r"\(([^:)]+)")

# Inclusive shares worth naming: (label, substring of a frame).
MARKERS = (
    ("Bot.send_message: python-telegram-bot + httpx, the whole HTTP call", "Bot.send_message ("),
    ("  of it: httpcore connection pool bookkeeping", "_assign_requests_to_connections ("),
    ("  of it: failed `import sniffio` on every request", "current_async_library ("),
    ("Broadcaster.render: the message text per recipient (babel dates)", "Broadcaster.render ("),
    # SQLAlchemy runs in greenlets, whose stacks do not show the calling service method.
    ("SQLAlchemy: claim, record, progress counts", "(sqlalchemy/"),
    ("database driver (asyncpg, or aiosqlite's thread)", "(aiosqlite/"),
    ("", "(asyncpg/"),
)


@dataclass
class Profile:
    samples: int
    packages: list[tuple[str, float]]  # where CPU time was spent (the innermost frame)
    markers: list[tuple[str, float]]  # inclusive shares of MARKERS

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        return cls(
            samples=int(data["samples"]),
            packages=[(str(k), float(v)) for k, v in data["packages"]],
            markers=[(str(k), float(v)) for k, v in data["markers"]],
        )


def _package(frame: str) -> str:
    found = _FILE.search(frame)
    if found is None:
        return "(native or unknown)"
    path = found.group(1)
    if path.startswith("<frozen importlib"):
        return "importlib"
    return path.split("/", 1)[0].removesuffix(".py")


def summarise(path: Path, top: int = 8, markers: tuple[tuple[str, str], ...] = MARKERS) -> Profile:
    packages: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        packages[_package(frames[-1])] += n
        hit = {label for label, needle in markers if needle in stack}
        if "" in hit:  # the second needle of the line above
            hit = (hit - {""}) | {markers[-2][0]}
        for label in hit:
            hits[label] += n
    share = 1 / total if total else 0.0
    return Profile(
        samples=total,
        packages=[(name, n * share) for name, n in packages.most_common(top)],
        markers=[(label, hits[label] * share) for label, _ in markers if label],
    )
