"""The guided `/newsession` conversation as a small state machine over pending steps.

Each answer is validated here; the handler only renders the prompt for the returned step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain import validation
from domain.errors import DomainError
from domain.roles import Capability, RoleService
from domain.sessions import SessionDraft, SessionService, SessionView
from domain.steps import Step, StepService

ORDER = ("title_ar", "title_en", "starts_at", "streams", "confirm")
MAX_STREAMS = 6
PREFIX = "new:"


@dataclass(frozen=True)
class WizardState:
    step: str
    data: dict[str, Any]


class SessionWizard:
    def __init__(
        self,
        steps: StepService,
        sessions: SessionService,
        roles: RoleService,
        zone: ZoneInfo,
        clock: Callable[[], datetime],
    ) -> None:
        self._steps = steps
        self._sessions = sessions
        self._roles = roles
        self._zone = zone
        self._clock = clock

    async def begin(self, actor: int) -> WizardState:
        await self._roles.authorize(actor, Capability.MODERATE, "session.create")
        state = WizardState("title_ar", {})
        await self._save(actor, state)
        return state

    async def current(self, actor: int) -> WizardState | None:
        step = await self._steps.get(actor)
        if step is None or not step.kind.startswith(PREFIX):
            return None
        return WizardState(step.kind.removeprefix(PREFIX), step.data)

    async def answer(self, actor: int, text: str) -> WizardState:
        """Validate the text for the current step and move on (errors keep the step)."""
        state = await self.current(actor)
        if state is None:
            raise DomainError("wizard.expired")
        await self._roles.authorize(actor, Capability.MODERATE, "session.create")
        data = dict(state.data)
        if state.step in ("title_ar", "title_en"):
            data[state.step] = validation.title(text)
        elif state.step == "starts_at":
            data["starts_at"] = validation.start_time(text, self._zone, self._clock()).isoformat()
        elif state.step == "streams":
            links = list(data.get("streams", []))
            if len(links) >= MAX_STREAMS:
                raise DomainError("session.too_many_streams", limit=MAX_STREAMS)
            links.append(list(validation.stream_link(text)))
            data["streams"] = links
            state = WizardState("streams", data)
            await self._save(actor, state)
            return state
        else:
            raise DomainError("wizard.use_buttons")
        state = WizardState(ORDER[ORDER.index(state.step) + 1], data)
        await self._save(actor, state)
        return state

    async def streams_done(self, actor: int) -> WizardState:
        state = await self.current(actor)
        if state is None or state.step != "streams":
            raise DomainError("wizard.expired")
        if not state.data.get("streams"):
            raise DomainError("session.no_stream")
        state = WizardState("confirm", state.data)
        await self._save(actor, state)
        return state

    async def finish(self, actor: int, *, publish: bool) -> SessionView:
        state = await self.current(actor)
        if state is None or state.step != "confirm":
            raise DomainError("wizard.expired")
        data = state.data
        draft = SessionDraft(
            title_ar=str(data["title_ar"]),
            title_en=str(data["title_en"]),
            starts_at=datetime.fromisoformat(str(data["starts_at"])),
            streams=tuple((str(u), str(p)) for u, p in data["streams"]),
        )
        view = await self._sessions.create(actor, draft, publish=publish)
        await self._steps.clear(actor)
        return view

    async def cancel(self, actor: int) -> None:
        await self._steps.clear(actor)

    async def _save(self, actor: int, state: WizardState) -> None:
        await self._steps.set(actor, Step(PREFIX + state.step, dict(state.data)))
