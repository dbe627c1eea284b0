"""Viewer onboarding: start, language, subscription, reachability, forgetting (SPEC §3, §8)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError
from domain.polls import anonymous_voter
from locales import LANGUAGES, pick_language
from storage import polls as poll_queries
from storage import queries
from storage.database import Database
from storage.models import User


@dataclass(frozen=True)
class Profile:
    """What Telegram tells us about a person, without any Telegram type."""

    user_id: int
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Viewer:
    user_id: int
    language: str
    subscribed: bool
    reachable: bool
    is_new: bool = False


def _viewer(user: User, *, is_new: bool = False) -> Viewer:
    return Viewer(user.id, user.language, user.subscribed, user.reachable, is_new)


class UserService:
    def __init__(self, db: Database, default_language: str) -> None:
        self._db = db
        self.default_language = default_language

    async def start(self, profile: Profile) -> Viewer:
        """Register or refresh the viewer and subscribe them; a new viewer's language is
        picked from Telegram's language code."""
        async with self._db.transaction() as session:
            user, created = await queries.upsert_user(
                session,
                user_id=profile.user_id,
                first_name=profile.first_name,
                last_name=profile.last_name,
                username=profile.username,
                language_code=profile.language_code,
                language=pick_language(profile.language_code, self.default_language),
            )
            return _viewer(user, is_new=created)

    async def language_of(self, user_id: int, language_code: str | None) -> str:
        """The stored choice, or what a first `/start` would pick."""
        async with self._db.transaction() as session:
            user = await queries.get_user(session, user_id)
        if user is not None:
            return user.language
        return pick_language(language_code, self.default_language)

    async def set_language(self, profile: Profile, language: str) -> Viewer:
        if language not in LANGUAGES:
            raise DomainError("language.unknown")
        async with self._db.transaction() as session:
            user = await queries.get_user(session, profile.user_id, for_update=True)
            if user is None:
                user, _ = await queries.upsert_user(
                    session,
                    user_id=profile.user_id,
                    first_name=profile.first_name,
                    last_name=profile.last_name,
                    username=profile.username,
                    language_code=profile.language_code,
                    language=language,
                )
            user.language = language
            return _viewer(user)

    async def unsubscribe(self, user_id: int) -> bool:
        """Stop announcements; return whether the viewer was subscribed."""
        async with self._db.transaction() as session:
            user = await queries.get_user(session, user_id, for_update=True)
            if user is None or not user.subscribed:
                return False
            user.subscribed = False
            return True

    async def set_reachable(self, user_id: int, reachable: bool) -> None:
        """`my_chat_member`: a viewer who blocked the bot is not sent anything until they
        come back."""
        async with self._db.transaction() as session:
            user = await queries.get_user(session, user_id, for_update=True)
            if user is not None:
                user.reachable = reachable

    async def forget(self, user_id: int) -> bool:
        """Remove the viewer's identity and subscriptions (SPEC §8). Questions keep their
        text without a name (foreign keys set NULL); poll votes keep counting under an
        anonymous id."""
        async with self._db.transaction() as session:
            await poll_queries.anonymise_voter(session, user_id, anonymous_voter())
            return await queries.delete_user(session, user_id)

    async def get(self, user_id: int) -> Viewer | None:
        async with self._db.transaction() as session:
            user = await queries.get_user(session, user_id)
            return None if user is None else _viewer(user)
