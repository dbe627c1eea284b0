"""Browser tests: one sandbox process and one headless Chromium for the whole session, a
fresh browser page per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from tests.browser.sandbox_process import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MISSING_CHROMIUM,
    SandboxProcess,
    chromium_ready,
    start_sandbox,
)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    running = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield running
    assert running.stop() == 0


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not chromium_ready():
        pytest.fail(MISSING_CHROMIUM)  # never skipped: `make test` installs it
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser, sandbox: SandboxProcess) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1500, "height": 900}, locale="en-US")
    opened = await context.new_page()
    opened.set_default_timeout(20_000)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    await opened.goto(sandbox.url)
    yield opened
    await context.close()
    assert errors == [], errors  # no JavaScript error on the page
