"""A realistic demo session, built through the domain services as the bot would: viewers with
Arabic and English names, questions in both languages with upvotes, moderation (approvals,
declines with reasons, merges, written replies, a mute), three polls (one with open
answers), the satisfaction survey with comments. Used by `make sample-report` and the tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from domain.roles import Role
from domain.services import Services
from domain.sessions import SessionDraft
from domain.users import Profile
from storage.models import Delivery

ADMIN = 900_001
MODERATOR = 900_002
STAFF = 900_003
FIRST_VIEWER = 5_000_001

TITLE_AR = "جلسة حوارية حول الخطة الوطنية للتحول الرقمي"
TITLE_EN = "Dialogue session on the National Digital Transformation Plan"

NAMES = [
    ("سالم", "البلوشي", "ar"), ("مريم", "الهنائية", "ar"), ("خالد", "الرواحي", "ar"),
    ("عائشة", "الكندية", "ar"), ("يوسف", "الحارثي", "ar"), ("Sara", "Thomas", "en"),
    ("فاطمة", "السعدية", "ar"), ("أحمد", "المعمري", "ar"), ("John", "Miller", "en"),
    ("نورة", "العامرية", "ar"), ("Priya", "Nair", "en"), ("حمد", "الشكيلي", "ar"),
]  # fmt: skip

QUESTIONS = [
    ("ما الجدول الزمني لربط جميع الخدمات الحكومية بالهوية الرقمية؟", 14),
    ("كيف ستضمن الخطة حماية البيانات الشخصية للمواطنين؟", 11),
    ("هل ستتوفر الخدمات الإلكترونية في المحافظات البعيدة بنفس الجودة؟", 9),
    ("Will the new e-services portal support English for residents?", 7),
    ("ما خطة تدريب الموظفين الحكوميين على الأنظمة الجديدة؟", 6),
    ("متى سيتم إطلاق تطبيق موحد للخدمات الحكومية في 2026؟", 5),
    ("How will small businesses benefit from the digital plan?", 4),
    ("هل هناك حوافز للشركات الناشئة في مجال التقنية؟", 3),
    ("ما دور القطاع الخاص في تنفيذ الخطة؟", 2),
    ("كيف يمكن للمواطنين تقديم ملاحظاتهم على الخدمات الرقمية بعد إطلاقها؟", 2),
    ("هل ستُلغى المعاملات الورقية بالكامل؟", 1),
    ("What is the budget allocated to cybersecurity?", 1),
]
DUPLICATES = [("متى سيتم ربط كل الخدمات الحكومية بالهوية الرقمية؟", 0)]
DECLINED = [
    ("أريد متابعة طلبي رقم 4471 لدى الوزارة", "personal"),
    ("ما رأيكم في مباراة الأمس؟", "off_topic"),
    ("كيف ستضمن الخطة حماية البيانات الشخصية؟", "duplicate"),
]
PENDING = ["هل سيتم نشر تقرير دوري عن تقدم الخطة؟"]
REPLIES = {
    1: "ستُطبّق لائحة حماية البيانات الشخصية على جميع الجهات، مع تدقيق سنوي مستقل.",
    3: "Yes: every service on the portal will be available in Arabic and English.",
}

SURVEY_COMMENTS = [
    "جلسة مفيدة جدا والإجابات واضحة",
    "نتمنى وقتا أطول للأسئلة",
    "الجلسة مفيدة ونأمل تكرارها في المحافظات",
    "Very useful session, thank you",
    "نتمنى نشر الإجابات المكتوبة للأسئلة",
    "تنظيم ممتاز والبث واضح 👏",
]
OPEN_ANSWERS = [
    "تطوير الخدمات الصحية الرقمية",
    "ربط المدارس بالخدمات الرقمية",
    "تسهيل الخدمات الصحية للمواطنين في المحافظات",
    "تدريب الشباب على المهارات الرقمية",
    "الخدمات الصحية عن بعد",
    "Digital health services for rural areas",
    "تطوير المهارات الرقمية للموظفين",
    "تسريع الخدمات البلدية الإلكترونية",
    "الأمن السيبراني وحماية البيانات",
    "المهارات الرقمية في المدارس",
]


class DemoClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Demo:
    session_id: int
    viewers: tuple[int, ...]
    poll_ids: tuple[int, ...]
    survey_id: int


def start_time() -> datetime:
    """10:00 in Muscat (UTC+4) on a fixed day, so the sample report is the same every time."""
    return datetime(2026, 12, 6, 6, 0, tzinfo=UTC)


async def build_demo(services: Services, clock: DemoClock, *, viewers: int = 60) -> Demo:
    """Build the demo session; `clock` must be the services' clock, before `start_time()`."""
    rng = random.Random(6)
    users, roles, sessions = services.users, services.roles, services.sessions
    await users.start(Profile(MODERATOR, "فاطمة", "الزدجالية", "fatma_mod", "ar"))
    await users.start(Profile(STAFF, "Omar", "Al Lawati", None, "en"))
    await roles.set_role(None, MODERATOR, Role.MODERATOR)
    await roles.set_role(None, STAFF, Role.STAFF)
    people = []
    for index in range(viewers):
        first, last, language = NAMES[index % len(NAMES)]
        user_id = FIRST_VIEWER + index
        username = f"viewer{index}" if index % 3 == 0 else None
        profile = Profile(user_id, first, last, username, language)
        await users.start(profile)
        people.append(profile)
    draft = SessionDraft(
        title_ar=TITLE_AR,
        title_en=TITLE_EN,
        starts_at=start_time(),
        streams=(
            ("https://youtube.com/live/shurakum-demo", "youtube"),
            ("https://x.com/i/broadcasts/1demo", "x"),
        ),
        description_ar="حوار مفتوح مع الإدارة العليا حول أولويات الخطة ومراحل تنفيذها.",
        description_en="An open dialogue with senior management on the plan's priorities.",
    )
    view = await sessions.create(MODERATOR, draft)
    session_id = view.id
    for profile in people[:24]:
        await sessions.toggle_reminder(profile.user_id, session_id)
    clock.now = start_time() - timedelta(minutes=2)
    await sessions.go_live(MODERATOR, session_id)
    async with services.db.transaction() as db:  # the sender's work, done at once
        await db.execute(update(Delivery).values(status="sent", sent_at=clock(), attempts=1))
        await db.execute(
            update(Delivery)
            .where(Delivery.user_id.in_([p.user_id for p in people[-3:]]))
            .values(status="blocked")
        )
    for profile in people[:48]:
        await sessions.opened(profile.user_id, session_id)
    clock.advance(minutes=5)

    questions, moderation = services.questions, services.moderation
    ids: list[int] = []
    texts = [t for t, _ in (*QUESTIONS, *DUPLICATES, *DECLINED)] + PENDING
    for index, text in enumerate(texts):
        clock.advance(minutes=1, seconds=17)
        asker = people[(index * 5) % len(people)]
        submitted = await questions.submit(
            asker, session_id, text, chat_id=asker.user_id, message_id=index + 1,
            anonymous=index in (2, 8),
        )  # fmt: skip
        ids.append(submitted.question.id)
    main = ids[: len(QUESTIONS)]
    for question_id in main:
        outcome = await moderation.act(MODERATOR, question_id, 0, "approve")
        assert outcome.question.status == "approved"
    duplicate = ids[len(QUESTIONS)]
    await moderation.merge(MODERATOR, duplicate, 0, main[0])
    for offset, (_, reason) in enumerate(DECLINED):
        await moderation.act(
            MODERATOR, ids[len(QUESTIONS) + 1 + offset], 0, "reject", reason=reason
        )
    await moderation.mute(MODERATOR, ids[len(QUESTIONS) + 2])
    for index, ((_, votes), question_id) in enumerate(zip(QUESTIONS, main, strict=True)):
        asker = people[(index * 5) % len(people)].user_id
        voters = [p for p in people if p.user_id != asker]
        for n, voter in enumerate(rng.sample(voters, min(votes, len(voters)))):
            await questions.vote(voter, session_id, question_id, f"q{question_id}v{n}")
    clock.advance(minutes=10)
    desk = services.question_desk
    for index in (0, 4):  # answered on air
        revision = (await desk.card(main[index])).question.revision
        await moderation.act(MODERATOR, main[index], revision, "answered")
    for index, reply in REPLIES.items():
        revision = (await desk.card(main[index])).question.revision
        await moderation.reply(MODERATOR, main[index], revision, reply)

    polls = services.polls
    priority = await polls.create(
        MODERATOR, session_id, "single", "ما أولويتك الأولى في الخطة؟",
        "What is your first priority in the plan?",
        [("الصحة الرقمية", "Digital health"), ("التعليم", "Education"),
         ("الخدمات البلدية", "Municipal services"), ("الأمن السيبراني", "Cyber security")],
    )  # fmt: skip
    channels = await polls.create(
        MODERATOR, session_id, "multiple", "كيف تفضّل الوصول إلى الخدمات الحكومية؟",
        "How do you prefer to reach government services?",
        [("تطبيق الهاتف", "Mobile app"), ("الموقع الإلكتروني", "Website"),
         ("مراكز الخدمة", "Service centres")], max_choices=2,
    )  # fmt: skip
    ideas = await polls.create(
        MODERATOR, session_id, "text", "ما الخدمة التي تريد تحويلها رقميًا أولًا؟",
        "Which service should go digital first?",
    )  # fmt: skip
    for poll, weights in ((priority, (9, 6, 3, 4)), (channels, (8, 5, 2)), (ideas, ())):
        await polls.launch(MODERATOR, poll.id)
        for index, voter in enumerate(people[:44]):
            clock.advance(seconds=9)
            if poll.kind == "text":
                if index < len(OPEN_ANSWERS) * 2:
                    await polls.answer_text(voter.user_id, poll.id, OPEN_ANSWERS[index % 10])
                continue
            position = rng.choices(range(len(weights)), weights=weights)[0]
            await polls.vote(voter.user_id, poll.id, position)
            if poll.kind == "multiple" and index % 3 == 0:
                await polls.vote(voter.user_id, poll.id, (position + 1) % 3)
        await polls.close(MODERATOR, poll.id)
    clock.advance(minutes=20)
    await sessions.end(MODERATOR, session_id)
    survey, _ = await polls.survey(MODERATOR, session_id)
    for index, voter in enumerate(people[:38]):
        clock.advance(seconds=20)
        await polls.vote(voter.user_id, survey.id, rng.choices(range(1, 6), (1, 1, 4, 10, 12))[0])
        if index < len(SURVEY_COMMENTS):
            await polls.answer_text(voter.user_id, survey.id, SURVEY_COMMENTS[index])
    await polls.close(MODERATOR, survey.id)
    await users.forget(people[1].user_id)  # forgotten: their questions and votes stay anonymous
    return Demo(
        session_id, tuple(p.user_id for p in people), (priority.id, channels.id, ideas.id),
        survey.id,
    )  # fmt: skip
