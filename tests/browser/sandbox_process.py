"""`shurakum sandbox` as a child process, and Debian's Chromium for Playwright (never a
downloaded browser): shared by the browser tests and `make screenshots`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: As the machine notes say: headless, as root, and no calls home on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING_CHROMIUM = (
    f"{CHROMIUM} is missing: run `make system-deps` as root (it installs Debian's chromium "
    "and fonts), or set CHROMIUM to a Chromium binary"
)


def chromium_ready() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


@dataclass
class SandboxProcess:
    process: subprocess.Popen[str]
    url: str
    banner: str

    @property
    def root(self) -> str:
        return self.url.removesuffix("/sandbox")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)


def start_sandbox(folder: Path, *args: str, **env: str) -> SandboxProcess:
    """Start `shurakum sandbox ARGS` in ``folder`` on a free port; returns once it prints
    its URL (its database, sandbox.db, lands in ``folder``)."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    environment = {**keep, "PYTHONPATH": str(ROOT), "WEB_PORT": "0", "LOG_LEVEL": "WARNING", **env}
    process = subprocess.Popen(  # our own CLI, fixed arguments
        [sys.executable, "-m", "bot.cli", "sandbox", *args],
        cwd=folder,
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"Open (http://\S+)", line)
        if found:
            return SandboxProcess(process, found.group(1), "".join(lines))
    process.kill()
    raise RuntimeError("the sandbox did not print its URL:\n" + "".join(lines))
