"""Delivery of updates to a webhook: one POST at a time, in order, with a few retries."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aiohttp

from .update_queue import UpdateQueue

JSON = dict[str, Any]


class WebhookSender:
    """POSTs each pending update as JSON to ``url``; drops an update after ``retries`` failures."""

    def __init__(
        self,
        queue: UpdateQueue,
        url: str,
        *,
        secret_token: str | None = None,
        max_connections: int = 40,
        retries: int = 3,
        retry_delay: float = 0.05,
    ) -> None:
        self.queue = queue
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections
        self.retries = retries
        self.retry_delay = retry_delay
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.inflight = False
        self.delivered = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"webhook {self.url}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.inflight = False

    async def _run(self) -> None:
        headers = {"Content-Type": "application/json"}
        if self.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret_token
        timeout = aiohttp.ClientTimeout(total=10)
        queue = self.queue
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            while True:
                if not queue.pending:
                    await queue.changed.wait(3600)
                    continue
                update = queue.pending[0]
                await self._post(session, update)
                if queue.pending and queue.pending[0] is update:
                    queue.pending.popleft()
                queue.mark_delivered(update["update_id"])

    async def _post(self, session: aiohttp.ClientSession, update: JSON) -> bool:
        for attempt in range(self.retries):
            self.inflight = True
            try:
                async with session.post(self.url, json=update) as response:
                    await response.read()
                    if 200 <= response.status < 300:
                        self.delivered += 1
                        return True
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {exc.__class__.__name__}: {exc}"
            finally:
                self.inflight = False
            self.last_error_date = int(time.time())
            self.last_error_message = error
            if attempt + 1 < self.retries:
                await asyncio.sleep(self.retry_delay * (2**attempt))
        return False

    def info(self) -> JSON:
        data: JSON = {"max_connections": self.max_connections, "ip_address": "127.0.0.1"}
        if self.last_error_date is not None:
            data["last_error_date"] = self.last_error_date
            data["last_error_message"] = self.last_error_message
        return data
