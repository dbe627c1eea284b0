"""Viewer onboarding through the real HTTP stack (issue 2 acceptance)."""

from __future__ import annotations

from locales import FSI, PDI, catalog, translator
from tests.e2e.conftest import Harness

AR = translator("ar")
EN = translator("en")


def has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


async def test_start_answers_in_the_language_of_telegram(harness: Harness) -> None:
    sara = harness.driver.user(501, "سارة", language_code="ar")
    john = harness.driver.user(502, "John", language_code="en-GB")
    await sara.send("/start")
    await john.send("/start")
    ar = await sara.next_message()
    en = await john.next_message()
    assert ar.parse_mode == "HTML"
    assert ar.text == AR.t("start.welcome_new", name="سارة")
    assert f"{FSI}سارة{PDI}" in ar.text
    assert has_arabic(ar.plain_text)
    assert ar.button_texts() == [EN.t("language.switch_button")]
    assert en.text == EN.t("start.welcome_new", name="John")
    assert not has_arabic(en.plain_text.replace("العربية", ""))
    assert en.button_texts() == [AR.t("language.switch_button")]
    viewer = await harness.services.users.get(501)
    assert viewer is not None
    assert (viewer.language, viewer.subscribed, viewer.reachable) == ("ar", True, True)


async def test_unknown_language_code_falls_back(harness: Harness) -> None:
    nobody = harness.driver.user(503, "X", language_code=None)
    french = harness.driver.user(504, "Jean", language_code="fr")
    await nobody.send("/start")
    await french.send("/start")
    assert has_arabic((await nobody.next_message()).plain_text)  # DEFAULT_LANGUAGE=ar
    assert (await french.next_message()).text.startswith("Welcome")


async def test_switch_button_and_language_command(harness: Harness) -> None:
    sara = harness.driver.user(505, "Sara", language_code="ar")
    await sara.send("/start")
    welcome = await sara.next_message()
    answer = await sara.press(welcome, EN.t("language.switch_button"))
    assert answer.text in (None, "")
    edited = await sara.wait_for(lambda m: m.text == EN.t("language.set"))
    assert edited.message_id == welcome.message_id
    await sara.send("/help")
    assert (await sara.next_message()).text.startswith(EN.t("help.viewer")[:20])
    await sara.send("/language")
    menu = await sara.next_message()
    assert menu.text == EN.t("language.choose")
    await sara.press(menu, "lang:ar")
    await sara.wait_for(lambda m: m.text == AR.t("language.set"))
    await sara.send("/start")
    assert (await sara.next_message()).text == AR.t("start.welcome_back", name="Sara")


async def test_returning_viewer_keeps_chosen_language(harness: Harness) -> None:
    user = harness.driver.user(506, "Ali", language_code="ar")
    await user.send("/language")
    await user.press(await user.next_message(), "lang:en")
    await user.wait_for(lambda m: m.text == EN.t("language.set"))
    await user.send("/start")
    assert (await user.next_message()).text == EN.t("start.welcome_back", name="Ali")


async def test_stop_privacy_help(harness: Harness) -> None:
    user = harness.driver.user(507, "Mona", language_code="ar")
    await user.send("/stop")
    assert (await user.next_message()).text == AR.t("stop.not_subscribed")
    await user.send("/start")
    await user.next_message()
    await user.send("/stop")
    assert (await user.next_message()).text == AR.t("stop.done")
    viewer = await harness.services.users.get(507)
    assert viewer is not None
    assert viewer.subscribed is False
    await user.send("/privacy")
    assert (await user.next_message()).text == AR.t("privacy.text")
    await user.send("/help")
    help_text = "\n\n".join([AR.t("help.viewer"), AR.t("help.questions")])
    assert (await user.next_message()).text == help_text


async def test_forget_asks_then_deletes(harness: Harness) -> None:
    user = harness.driver.user(508, "Huda", language_code="ar")
    await user.send("/start")
    await user.next_message()
    await user.send("/forget")
    confirm = await user.next_message()
    assert confirm.text == AR.t("forget.confirm")
    await user.press(confirm, AR.t("forget.no"))
    await user.wait_for(lambda m: m.text == AR.t("forget.cancelled"))
    assert await harness.services.users.get(508) is not None
    await user.send("/forget")
    confirm = await user.next_message()
    await user.press(confirm, "forget:yes")
    await user.wait_for(lambda m: m.text == AR.t("forget.done"))
    assert await harness.services.users.get(508) is None


async def test_commands_are_registered_per_language(harness: Harness) -> None:
    stored = harness.emulator.commands
    scope = '{"type":"all_private_chats"}'
    by_language = {
        lang: [c["command"] for c in cmds]
        for (s, lang), cmds in stored.items()
        if "all_private" in s
    }
    assert set(by_language) >= {"", "ar", "en"}, stored.keys()
    assert by_language["ar"] == by_language["en"]
    assert "addmod" not in by_language["ar"]
    ar_list = next(c for (s, lang), c in stored.items() if "all_private" in s and lang == "ar")
    assert ar_list[0]["description"] == catalog("ar").singular["cmd.start"]
    admin = [c for (s, _), c in stored.items() if '"chat_id":1000' in s.replace(" ", "")]
    assert admin, f"no admin list; scopes {list(stored)} (viewer scope {scope})"
    assert "addmod" in [c["command"] for c in admin[0]]
