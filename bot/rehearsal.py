"""Rehearsal (`shurakum sandbox --rehearse`): a demo session goes live and simulated viewers
ask and vote at a steady pace, so moderators and staff can practise on a busy session.

Everything the viewers do goes through the emulation as real Telegram updates: `/start`,
`/ask TEXT`, `/questions` and pressing its buttons. A command the bot does not know (it
answers with the unknown-command hint) is noted in the stats and not tried again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from domain.errors import DomainError
from domain.services import Services
from domain.sessions import SessionDraft
from locales import LANGUAGES, translator
from sandbox import CallbackNotAnswered, Driver, SentMessage, SimUser

log = logging.getLogger(__name__)

VIEWER_BASE = 8_100_000
DEMO_TITLE_AR = "جلسة تجريبية: خطة الخدمات الرقمية"
DEMO_TITLE_EN = "Rehearsal: the digital services plan"
DEMO_STREAM = ("https://www.youtube.com/@shurakum-rehearsal", "youtube")
NAMES = {
    "ar": ["أحمد", "فاطمة", "سالم", "مريم", "خالد", "عائشة", "يوسف", "زينب", "حمد", "ليلى"],
    "en": ["Alex", "Maria", "John", "Priya", "Omar", "Emma", "Lucas", "Aisha", "Noah", "Sofia"],
}
QUESTIONS = {
    "ar": [
        "ما الجدول الزمني لتطبيق الخطة في المحافظات؟",
        "كيف ستُحمى بيانات المواطنين الشخصية؟",
        "هل ستتوفر الخدمات لكبار السن ومن لا يستخدمون الهواتف الذكية؟",
        "ما تكلفة المشروع ومن أين سيُموَّل؟",
        "كيف يمكن للشركات الصغيرة المشاركة في تنفيذ الخطة؟",
        "هل ستُلغى المراجعات الحضورية بالكامل؟",
        "كيف ستقيسون رضا المستفيدين بعد الإطلاق؟",
        "هل ستدعم المنصة اللغة الإنجليزية للمقيمين؟",
    ],
    "en": [
        "What is the timeline for rolling out the plan outside Muscat?",
        "How will personal data be protected?",
        "Will there be help for people without smartphones?",
        "How much will the programme cost, and who pays for it?",
        "Can small businesses bid for parts of the work?",
        "Will in-person service centres close?",
        "How will you measure whether people are satisfied?",
        "Will the services be available in English for residents?",
    ],
}
NAVIGATION = re.compile(r"[«»‹›◀▶←→⬅➡]")
REPLY_TIMEOUT = 15.0


@dataclass
class RehearsalStats:
    session_id: int | None = None
    viewers: int = 0
    asked: int = 0
    votes: int = 0
    missing: set[str] = field(default_factory=set)

    def as_status(self) -> dict[str, object]:
        """Shown above the chats on the sandbox page."""
        return {
            "Rehearsal session": f"#{self.session_id}" if self.session_id else "…",
            "Simulated viewers": self.viewers,
            "/ask sent": self.asked,
            "Vote buttons pressed": self.votes,
            "Not in this bot yet": ", ".join(sorted(self.missing)) or "—",
        }


def _unknown_command(message: SentMessage) -> bool:
    return any(message.text == translator(lang).t("hint.unknown_command") for lang in LANGUAGES)


class Rehearsal:
    def __init__(
        self,
        services: Services,
        driver: Driver,
        wake_sender: Callable[[], None],
        *,
        viewers: int = 50,
        pace: float = 3.0,
        seed: int | None = None,
    ) -> None:
        self.services = services
        self.driver = driver
        self.wake_sender = wake_sender
        self.count = viewers
        self.pace = pace
        self.rng = random.Random(seed)  # noqa: S311  # simulated behaviour, not security
        self.stats = RehearsalStats()
        self.viewers: list[tuple[SimUser, str]] = []
        self._pressed: set[tuple[int, str]] = set()

    async def run(self) -> None:
        """Prepare, then play until cancelled."""
        try:
            await self.prepare()
            await self.play()
        except asyncio.CancelledError:
            raise
        except Exception:  # the sandbox keeps running for the people on the page
            log.exception("the rehearsal stopped")

    async def prepare(self) -> None:
        """End an earlier rehearsal still live, create the demo session, let the viewers
        start the bot, and take the session live (its broadcast reaches them all)."""
        sessions = self.services.sessions
        for view in await sessions.all():
            if view.status == "live" and view.title_en == DEMO_TITLE_EN:
                await sessions.end(None, view.id)
        draft = SessionDraft(
            title_ar=DEMO_TITLE_AR,
            title_en=DEMO_TITLE_EN,
            starts_at=sessions.clock() + timedelta(minutes=5),
            streams=(DEMO_STREAM,),
            description_ar="جلسة للتدريب: الأسئلة والأصوات من مشاهدين افتراضيين.",
            description_en="A practice session: questions and votes come from simulated viewers.",
        )
        view = await sessions.create(None, draft)
        self.stats.session_id = view.id
        for index in range(self.count):
            language = "ar" if index % 5 < 3 else "en"  # three in five write Arabic
            names = NAMES[language]
            name = f"{names[index % len(names)]} {index + 1}"
            user = self.driver.user(VIEWER_BASE + index, name, language_code=language)
            self.viewers.append((user, language))
            await user.send("/start")
            self.stats.viewers += 1
            await asyncio.sleep(0.05)  # about 20 joins a second, under Telegram's 30/s
        live = await sessions.go_live(None, view.id)
        self.wake_sender()
        log.info("rehearsal: session %s is live with %s viewers", view.id, self.count)
        await self._sent(live.broadcast_id)

    async def _sent(self, broadcast_id: int, within: float = 120.0) -> None:
        """Wait (bounded) for the go-live broadcast, so replies are told from it."""
        deadline = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < deadline:
            progress = await self.services.broadcasts.progress(broadcast_id)
            if progress.left == 0 or progress.status != "running":
                return
            await asyncio.sleep(0.2)

    async def play(self, actions: int | None = None) -> None:
        """One viewer acts every ``pace`` seconds (on average); ``actions`` bounds the count."""
        done = 0
        while actions is None or done < actions:
            if {"/ask", "/questions"} <= self.stats.missing:
                await asyncio.sleep(max(self.pace, 1.0))  # nothing the bot can take yet
                if actions is not None:
                    return
                continue
            user, language = self.rng.choice(self.viewers)
            try:
                if "/ask" not in self.stats.missing and (
                    "/questions" in self.stats.missing or self.rng.random() < 0.6
                ):
                    await self.ask(user, language)
                else:
                    await self.vote(user)
            except (TimeoutError, DomainError, LookupError) as error:
                log.info("rehearsal: viewer %s got no usable answer: %s", user.id, error)
            done += 1
            await asyncio.sleep(self.pace * self.rng.uniform(0.5, 1.5) if self.pace else 0)

    async def _replies(self, user: SimUser) -> tuple[list[SentMessage], bool]:
        """What the bot sent after the viewer's last message (waiting for the first), and
        whether that includes the hint for an unknown command."""
        after = user.last_message_id or 0
        await user.wait_for(lambda m: m.message_id > after, timeout=REPLY_TIMEOUT)
        news = [m for m in user.messages if m.message_id > after]
        return news, any(_unknown_command(m) for m in news)

    async def ask(self, user: SimUser, language: str) -> None:
        text = self.rng.choice(QUESTIONS[language])
        await user.send(f"/ask {text}")
        _, unknown = await self._replies(user)
        if unknown:
            self.stats.missing.add("/ask")
            log.warning("rehearsal: this bot has no /ask yet; viewers will not ask questions")
            return
        self.stats.asked += 1

    async def vote(self, user: SimUser) -> None:
        """Open `/questions` and press one of its buttons this viewer has not pressed."""
        await user.send("/questions")
        news, unknown = await self._replies(user)
        if unknown:
            self.stats.missing.add("/questions")
            log.warning("rehearsal: this bot has no /questions yet; viewers will not vote")
            return
        reply = next((m for m in reversed(news) if m.buttons), None)
        if reply is None:
            return  # nothing approved to vote on yet
        choices = [
            str(button["callback_data"])
            for row in reply.buttons
            for button in row
            if "callback_data" in button
            and not NAVIGATION.search(str(button.get("text", "")))
            and (user.id, str(button["callback_data"])) not in self._pressed
        ]
        if not choices:
            return  # nothing approved to vote on yet
        data = self.rng.choice(choices)
        self._pressed.add((user.id, data))
        try:
            await user.press_data(reply.message_id, data, timeout=REPLY_TIMEOUT)
        except CallbackNotAnswered:
            log.info("rehearsal: the bot did not answer a vote of viewer %s", user.id)
            return
        self.stats.votes += 1
