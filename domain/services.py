"""The bundle of services handed to handlers and the web layer (`context.services`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.abuse import STARTER, AbuseFilter
from domain.broadcasts import BroadcastService
from domain.console import ConsoleAccess
from domain.console_desk import ConsoleDesk
from domain.events import NO_EVENTS, EventBus
from domain.moderation import ModerationService
from domain.polls import PollService
from domain.question_desk import QuestionDesk
from domain.questions import QuestionService
from domain.reports import ReportService
from domain.roles import RoleService
from domain.sessions import SessionService
from domain.steps import StepService
from domain.updates import UpdateLog
from domain.users import UserService
from domain.wizard import SessionWizard
from storage.database import Database
from storage.types import utcnow


@dataclass(frozen=True)
class Services:
    db: Database
    users: UserService
    roles: RoleService
    sessions: SessionService
    broadcasts: BroadcastService
    steps: StepService
    wizard: SessionWizard
    zone: ZoneInfo
    questions: QuestionService
    question_desk: QuestionDesk
    moderation: ModerationService
    polls: PollService
    updates: UpdateLog
    reports: ReportService
    events: EventBus
    console: ConsoleAccess
    console_desk: ConsoleDesk

    @classmethod
    def build(
        cls,
        db: Database,
        *,
        admin_ids: frozenset[int],
        default_language: str,
        zone: ZoneInfo | None = None,
        channel: bool = False,
        clock: Callable[[], datetime] = utcnow,
        question_rate: int = 3,
        abuse: AbuseFilter = STARTER,
        moderator_chat_id: int | None = None,
        events: EventBus = NO_EVENTS,
    ) -> Services:
        zone = zone or ZoneInfo("Asia/Muscat")
        roles = RoleService(db, admin_ids)
        sessions = SessionService(db, roles, channel=channel, clock=clock)
        steps = StepService(db)
        desk = QuestionDesk(
            db,
            roles,
            moderator_chat_id=moderator_chat_id,
            default_language=default_language,
            abuse=abuse,
            clock=clock,
        )
        polls = PollService(db, roles, channel=channel, clock=clock, events=events)
        return cls(
            db=db,
            users=UserService(db, default_language),
            roles=roles,
            sessions=sessions,
            broadcasts=BroadcastService(db, roles, channel=channel, clock=clock),
            steps=steps,
            wizard=SessionWizard(steps, sessions, roles, zone, clock),
            zone=zone,
            questions=QuestionService(
                db,
                default_language=default_language,
                rate_per_minute=question_rate,
                abuse=abuse,
                clock=clock,
                events=events,
            ),
            question_desk=desk,
            moderation=ModerationService(db, roles, desk=desk, clock=clock, events=events),
            polls=polls,
            updates=UpdateLog(db, clock),
            reports=ReportService(db, roles, zone=zone, clock=clock),
            events=events,
            console=ConsoleAccess(db, roles, default_language=default_language, clock=clock),
            console_desk=ConsoleDesk(db, roles, polls),
        )
