"""SPEC §4: defaults, parsing, and one-line errors that name the key and never the token."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_api_file_url == "https://api.telegram.org/file/bot"
    assert settings.database_url == "sqlite+aiosqlite:///shurakum.db"
    assert settings.admin_ids == frozenset()
    assert settings.moderator_chat_id is None
    assert settings.channel_id is None
    assert settings.default_language == "ar"
    assert settings.timezone == "Asia/Muscat"
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8080)
    assert settings.public_url is None
    assert settings.webhook_secret is None
    assert settings.broadcast_rate == 25
    assert settings.paid_broadcast is False
    assert settings.question_rate_per_minute == 3
    assert settings.abuse_words_file is None
    assert (settings.log_level, settings.log_format) == ("INFO", "text")
    assert not settings.use_webhook


def test_values_are_parsed() -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "ADMIN_IDS": " 1, 22 ,333",
            "MODERATOR_CHAT_ID": "-100123",
            "CHANNEL_ID": "@shurakum",
            "DEFAULT_LANGUAGE": "EN",
            "TIMEZONE": "UTC",
            "WEB_PORT": "9000",
            "PUBLIC_URL": "https://bot.example.om/",
            "WEBHOOK_SECRET": "s3cret_-x",
            "BROADCAST_RATE": "10",
            "PAID_BROADCAST": "true",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "json",
        }
    )
    assert settings.admin_ids == {1, 22, 333}
    assert settings.moderator_chat_id == -100123
    assert settings.channel_id == "@shurakum"
    assert settings.default_language == "en"
    assert settings.public_url == "https://bot.example.om"
    assert settings.use_webhook
    assert settings.paid_broadcast is True
    assert settings.log_level == "DEBUG"


def test_http_is_accepted_only_for_loopback() -> None:
    assert load_settings({"PUBLIC_URL": "http://127.0.0.1:8080"}).public_url
    assert load_settings({"TELEGRAM_API_BASE_URL": "http://localhost:1/bot"})
    with pytest.raises(SettingsError, match=r"^PUBLIC_URL: plain http"):
        load_settings({"PUBLIC_URL": "http://bot.example.om"})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ADMIN_IDS", "12,abc"),
        ("MODERATOR_CHAT_ID", "group"),
        ("CHANNEL_ID", "my channel"),
        ("DEFAULT_LANGUAGE", "fr"),
        ("TIMEZONE", "Mars/Olympus"),
        ("WEB_PORT", "http"),
        ("WEB_PORT", "70000"),
        ("PUBLIC_URL", "ftp://x"),
        ("TELEGRAM_API_BASE_URL", "not a url"),
        ("DATABASE_URL", "mysql://root@localhost/db"),
        ("BROADCAST_RATE", "0"),
        ("PAID_BROADCAST", "maybe"),
        ("QUESTION_RATE_PER_MINUTE", "0"),
        ("ABUSE_WORDS_FILE", "/nonexistent/words.txt"),
        ("LOG_FORMAT", "xml"),
        ("WEBHOOK_SECRET", "has spaces"),
        ("TELEGRAM_BOT_TOKEN", "no-colon-here"),
    ],
)
def test_malformed_value_is_one_line_naming_the_key(key: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({key: value})
    message = str(caught.value)
    assert message.startswith(f"{key}: ")
    assert "\n" not in message


def test_token_never_shown() -> None:
    token = "123456:AAH-very-secret-token"
    settings = load_settings({"TELEGRAM_BOT_TOKEN": token})
    assert token not in repr(settings)
    assert token not in str(settings.model_dump())
    with pytest.raises(SettingsError) as caught:
        load_settings({"TELEGRAM_BOT_TOKEN": "123456:AAH secret token"})
    assert "secret" not in str(caught.value)


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("ADMIN_IDS=7\nDEFAULT_LANGUAGE=en\n", encoding="utf-8")
    monkeypatch.delenv("ADMIN_IDS", raising=False)
    monkeypatch.delenv("DEFAULT_LANGUAGE", raising=False)
    settings = load_settings(env_file=env)
    assert settings.admin_ids == {7}
    assert settings.default_language == "en"


def test_question_settings(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# ours\nغبي\nbad phrase\n", encoding="utf-8")
    settings = load_settings({"QUESTION_RATE_PER_MINUTE": "5", "ABUSE_WORDS_FILE": str(words)})
    assert settings.question_rate_per_minute == 5
    assert settings.abuse_words_file == words
    assert load_settings({"ABUSE_WORDS_FILE": ""}).abuse_words_file is None
