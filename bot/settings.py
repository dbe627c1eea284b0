"""Settings (SPEC §4): read once at start-up from the environment or `.env`, then passed down.

A malformed value raises `SettingsError` whose message is one line naming the key; the bot
token is a `SecretStr`, so neither `repr(settings)` nor a validation error ever shows it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

LOOPBACK_NAMES = {"localhost"}


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message is one line naming the key."""


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(value: str, *, allow_loopback_http: bool) -> str:
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and parts.hostname and allow_loopback_http:
        if _is_loopback(parts.hostname):
            return value
        raise ValueError("plain http is accepted only for a loopback host; use https")
    raise ValueError("must be an https:// URL")


class Settings(BaseSettings):
    """Every key of SPEC §4, typed; unknown environment variables are ignored."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str = "sqlite+aiosqlite:///shurakum.db"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    moderator_chat_id: int | None = None
    channel_id: int | str | None = None
    default_language: Literal["ar", "en"] = "ar"
    timezone: str = "Asia/Muscat"
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    public_url: str | None = None
    webhook_secret: SecretStr | None = None
    broadcast_rate: float = Field(default=25, gt=0, le=1000)
    paid_broadcast: bool = False
    question_rate_per_minute: int = Field(default=3, ge=1, le=60)
    telegram_rate_limits: bool = True
    abuse_words_file: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("telegram_bot_token", "webhook_secret", mode="before")
    @classmethod
    def _empty_secret_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        bot_id, sep, rest = value.get_secret_value().partition(":")
        if not (sep and bot_id.isdigit() and rest) or any(c.isspace() for c in rest):
            # Never echo the value: it is a secret.
            raise ValueError("must look like 123456:ABC… (the token from @BotFather)")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",") if item.strip()]
            for item in items:
                if not item.lstrip("-").isdigit():
                    raise ValueError(f"{item!r} is not a numeric Telegram user id")
            return frozenset(int(item) for item in items)
        return value

    @field_validator("moderator_chat_id", "public_url", "abuse_words_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("channel_id", mode="before")
    @classmethod
    def _channel(cls, value: object) -> object:
        if value in ("", None):
            return None
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("-").isdigit():
                return int(text)
            if text.startswith("@") and len(text) > 1:
                return text
            raise ValueError("must be a numeric chat id or an @channelusername")
        return value

    @field_validator("default_language", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("abuse_words_file")
    @classmethod
    def _word_list(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("telegram_api_base_url", "telegram_api_file_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return _check_url(value, allow_loopback_http=True)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value, allow_loopback_http=True).rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must be an async SQLAlchemy URL: sqlite+aiosqlite:///FILE "
                "or postgresql+asyncpg://USER@HOST/DB"
            )
        return value

    @model_validator(mode="after")
    def _webhook_needs_https(self) -> Settings:
        if self.webhook_secret is not None:
            secret = self.webhook_secret.get_secret_value()
            if not (1 <= len(secret) <= 256) or not all(c.isalnum() or c in "_-" for c in secret):
                raise ValueError("WEBHOOK_SECRET: 1-256 characters of A-Z a-z 0-9 _ -")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def use_webhook(self) -> bool:
        return bool(self.public_url and self.webhook_secret)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(
    env: Mapping[str, str] | None = None, *, env_file: Path | str | None = ".env"
) -> Settings:
    """Load and validate settings once; raise SettingsError with one line naming the key.

    `env` given: read only that mapping (tests, tools), never the process environment or `.env`.
    """
    try:
        if env is None:
            return Settings(_env_file=env_file)
        fields = Settings.model_fields
        values = {key.lower(): value for key, value in env.items() if key.lower() in fields}
        return _MappingSettings.model_validate(values)
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None


class _MappingSettings(Settings):
    """Settings read from an explicit mapping only."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def _one_line(exc: ValidationError) -> str:
    error = exc.errors(include_url=False, include_input=False)[0]
    loc = error.get("loc") or ()
    key = str(loc[0]).upper() if loc else ""
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if not key and ":" in message:
        return message
    return f"{key}: {message}"
