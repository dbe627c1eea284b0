"""Who may use the web pages: one-time login links, signed-in consoles, screen keys.

`/console` in Telegram asks `issue_link` for a token: random, valid `LINK_TTL`, good once,
and stored only as a hash. Redeeming it opens a console session (its id goes into a cookie;
only its hash is stored) with a CSRF token and a language. Every request re-reads the
session and the person's role, so removing a role or signing out takes effect at once.
A presenter screen is opened with its session's key; moderators replace it at will.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import DomainError, NotFound, PermissionDenied
from domain.roles import GRANTS, Capability, Role, RoleService
from locales import LANGUAGES
from storage import queries
from storage import web as q
from storage.database import Database
from storage.models import ConsoleLogin
from storage.types import utcnow

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)
TOKEN_MAX = 128  # a token we issue has 43 characters; anything much longer is not one


class LoginRefused(DomainError):
    """A login link that does not work: `reason` is unknown, expired or used."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"console.link_{reason}")
        self.reason = reason


@dataclass(frozen=True)
class Staffer:
    """A signed-in console: who, with which role, in which language."""

    user_id: int
    role: Role
    language: str
    csrf_token: str
    expires_at: datetime

    @property
    def can_act(self) -> bool:
        return Capability.MODERATE in GRANTS[self.role]


@dataclass(frozen=True)
class SignedIn:
    session_id: str  # for the cookie; never stored
    staffer: Staffer


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ConsoleAccess:
    def __init__(
        self,
        db: Database,
        roles: RoleService,
        *,
        default_language: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._roles = roles
        self._default_language = default_language
        self.clock = clock

    # -- login links -------------------------------------------------------------------------
    async def issue_link(self, actor: int) -> str:
        """A one-time token for a moderator, staff member or admin (others are refused)."""
        await self._roles.authorize(actor, Capability.CONSOLE, "console.link")
        token = secrets.token_urlsafe(32)
        now = self.clock()
        async with self._db.transaction() as db:
            await q.prune(db, now)
            q.add_login(db, digest(token), actor, now, now + LINK_TTL)
            queries.add_audit(db, actor_id=actor, action="console.link")
        return token

    async def check_link(self, token: str) -> None:
        """Would `redeem` accept this token? (Shows the sign-in page; changes nothing.)"""
        if len(token) > TOKEN_MAX:
            raise LoginRefused("unknown")
        async with self._db.transaction() as db:
            self._usable(await q.get_login(db, digest(token)))

    def _usable(self, login: ConsoleLogin | None) -> None:
        if login is None:
            raise LoginRefused("unknown")
        if login.used_at is not None:
            raise LoginRefused("used")
        if login.expires_at <= self.clock():
            raise LoginRefused("expired")

    async def redeem(self, token: str) -> SignedIn:
        """Use the token (once) and open a console session for its owner."""
        if len(token) > TOKEN_MAX:
            raise LoginRefused("unknown")
        now = self.clock()
        async with self._db.transaction() as db:
            login = await q.get_login(db, digest(token), lock=True)
            self._usable(login)
            assert login is not None
            login.used_at = now
            user_id = login.user_id
        role = await self._roles.authorize(user_id, Capability.CONSOLE, "console.login")
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        async with self._db.transaction() as db:
            user = await queries.get_user(db, user_id)
            language = user.language if user is not None else self._default_language
            q.add_web_session(
                db, digest(session_id), user_id, csrf, language, now, now + SESSION_TTL
            )
            queries.add_audit(db, actor_id=user_id, action="console.login")
        return SignedIn(session_id, Staffer(user_id, role, language, csrf, now + SESSION_TTL))

    # -- signed-in consoles ------------------------------------------------------------------
    async def signed_in(self, session_id: str) -> Staffer | None:
        """The console behind a cookie, if it is still valid and its owner still has a
        role that may read the console."""
        if not session_id or len(session_id) > TOKEN_MAX:
            return None
        async with self._db.transaction() as db:
            row = await q.get_web_session(db, digest(session_id))
        if row is None or row.expires_at <= self.clock():
            return None
        role = await self._roles.role_of(row.user_id)
        if Capability.CONSOLE not in GRANTS[role]:
            return None
        return Staffer(row.user_id, role, row.language, row.csrf_token, row.expires_at)

    async def sign_out(self, session_id: str) -> None:
        async with self._db.transaction() as db:
            row = await q.get_web_session(db, digest(session_id))
            if row is not None:
                queries.add_audit(db, actor_id=row.user_id, action="console.logout")
            await q.delete_web_session(db, digest(session_id))

    async def set_language(self, session_id: str, language: str) -> None:
        if language not in LANGUAGES:
            raise DomainError("language.unknown")
        async with self._db.transaction() as db:
            row = await q.get_web_session(db, digest(session_id))
            if row is not None:
                row.language = language

    # -- presenter screens -------------------------------------------------------------------
    async def screen_key(self, actor: int, session_id: int) -> str:
        """The session's screen key (made on first use), for a moderator."""
        await self._roles.authorize(actor, Capability.MODERATE, "screen.key")
        async with self._db.transaction() as db:
            if await q.session_row(db, session_id) is None:
                raise NotFound("session.not_found", session_id=str(session_id))
            return await q.add_screen_key_if_missing(
                db, session_id, secrets.token_urlsafe(18), self.clock()
            )

    async def rotate_screen_key(self, actor: int, session_id: int) -> str:
        """A new key: screens opened with the old one stop updating and cannot reload."""
        await self._roles.authorize(actor, Capability.MODERATE, "screen.rotate")
        key = secrets.token_urlsafe(18)
        async with self._db.transaction() as db:
            if await q.session_row(db, session_id) is None:
                raise NotFound("session.not_found", session_id=str(session_id))
            await q.set_screen_key(db, session_id, key, actor, self.clock())
            queries.add_audit(
                db, actor_id=actor, action="screen.rotate", target=f"session:{session_id}"
            )
        return key

    async def screen_allowed(self, session_id: int, key: str) -> bool:
        if not key or len(key) > TOKEN_MAX:
            return False
        async with self._db.transaction() as db:
            stored = await q.screen_key(db, session_id)
        return stored is not None and hmac.compare_digest(stored.encode(), key.encode())

    async def refuse(self, actor: int, action: str) -> None:
        """Audit an attempt the web layer refused before reaching a use case, and raise."""
        async with self._db.transaction() as db:
            queries.add_audit(db, actor_id=actor, action=action, outcome="denied")
        raise PermissionDenied
