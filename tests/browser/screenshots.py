"""`make screenshots`: the guides' pictures, taken from a fresh sandbox in headless Chromium.

    python -m tests.browser.screenshots docs/img

The moderator (منى) runs a whole session in Arabic, then switches to English and runs
another; the staff member reads /help in both languages. Every picture is of the real bot.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.async_api import Locator, Page, async_playwright

from bot.sandbox_mode import PEOPLE
from domain.validation import START_FORMAT
from locales import plain, translator
from tests.browser.sandbox_process import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MISSING_CHROMIUM,
    chromium_ready,
    start_sandbox,
)

ARABIC_VIEWER, ENGLISH_VIEWER, MODERATOR, STAFF = PEOPLE
SESSION = {
    "ar": ("جلسة حوارية: مسودة قانون حماية البيانات", "Dialogue: the draft data protection law"),
    "en": ("جلسة حوارية: خطة النقل العام", "Dialogue: the public transport plan"),
}
STREAM = "https://www.youtube.com/@shurakum"
QUESTION = {
    "ar": "هل سيشمل القانون الشركات الصغيرة أيضًا؟",
    "en": "Will the new law apply to small businesses too?",
}
ANNOUNCEMENT = {
    "ar": "يبدأ البث بعد عشر دقائق. جهّزوا أسئلتكم!",
    "en": "We start in ten minutes. Get your questions ready!",
}


async def settle(page: Page, quiet: float = 1.5, within: float = 30.0) -> None:
    """Wait until the page has shown no change for ``quiet`` seconds (the bot is done)."""
    deadline = time.monotonic() + within
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        current = await page.evaluate("document.body.dataset.version || ''")
        if current != last:
            last, since = current, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        await asyncio.sleep(0.2)


class Person:
    def __init__(self, page: Page, user_id: int) -> None:
        self.page = page
        self.column: Locator = page.locator(f'[data-person="{user_id}"]')

    async def say(self, text: str) -> None:
        await self.column.locator("textarea").fill(text)
        await self.column.locator("button.send").click()
        await settle(self.page)

    async def press(self, label: str) -> None:
        await self.column.locator(".keyboard .button", has_text=label).last.click()
        await settle(self.page)

    async def last_text(self) -> str:
        return await self.column.locator(".message.in .text").last.inner_text()

    async def shot(self, folder: Path, name: str) -> None:
        await self.column.screenshot(path=folder / name)
        print(f"wrote {folder / name}")


async def run_session(moderator: Person, folder: Path, language: str) -> None:
    tr = translator(language)
    start = datetime.now(ZoneInfo("Asia/Muscat")) + timedelta(days=1)
    title_ar, title_en = SESSION[language]
    await moderator.say("/newsession")
    await moderator.say(title_ar)
    await moderator.say(title_en)
    await moderator.say(start.replace(hour=19, minute=0).strftime(START_FORMAT))
    await moderator.say(STREAM)
    await moderator.press(tr.t("wizard.done"))
    await moderator.shot(folder, f"moderator-wizard-{language}.png")
    await moderator.press(tr.t("wizard.publish"))
    await moderator.shot(folder, f"moderator-card-{language}.png")
    await moderator.press(tr.t("session.golive"))
    await moderator.press(tr.t("session.golive_now"))
    await settle(moderator.page, quiet=4.0)  # the broadcast's progress message settles
    await moderator.shot(folder, f"moderator-golive-{language}.png")
    await moderator.say("/announce")
    await moderator.say(ANNOUNCEMENT["ar"])
    await moderator.say(ANNOUNCEMENT["en"])
    await moderator.shot(folder, f"moderator-announce-{language}.png")
    await moderator.press(tr.t("announce.send"))
    await settle(moderator.page, quiet=4.0)


async def questions(people: dict[int, Person], folder: Path, language: str) -> None:
    """A viewer asks, the moderator approves, another viewer votes (if the bot has /ask)."""
    asker, voter = (
        (people[ARABIC_VIEWER.user_id], people[ENGLISH_VIEWER.user_id])
        if language == "ar"
        else (people[ENGLISH_VIEWER.user_id], people[ARABIC_VIEWER.user_id])
    )
    await asker.say(f"/ask {QUESTION[language]}")
    hints = {plain(translator(lang).t("hint.unknown_command")) for lang in ("ar", "en")}
    if (await asker.last_text()).strip() in hints:
        print("skipped the question pictures: this bot has no /ask")
        return
    moderator = people[MODERATOR.user_id]
    await moderator.press(translator(language).t("moderation.button.approve"))
    await moderator.shot(folder, f"moderator-question-{language}.png")
    await voter.say("/questions")
    await voter.column.locator(".keyboard .button", has_text="👍").last.click()
    await settle(voter.page)
    await voter.shot(folder, f"viewer-questions-{'en' if language == 'ar' else 'ar'}.png")


async def take(folder: Path) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        sandbox = start_sandbox(Path(workdir))
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                page = await browser.new_page(viewport={"width": 1600, "height": 1000})
                await page.goto(sandbox.url)
                people = {p.user_id: Person(page, p.user_id) for p in PEOPLE}
                for person in people.values():
                    await person.say("/start")
                await page.screenshot(path=folder / "sandbox.png")
                print(f"wrote {folder / 'sandbox.png'}")
                moderator, staff = people[MODERATOR.user_id], people[STAFF.user_id]
                await run_session(moderator, folder, "ar")
                await questions(people, folder, "ar")
                await people[ARABIC_VIEWER.user_id].shot(folder, "viewer-ar.png")
                await staff.say("/help")
                await staff.shot(folder, "staff-help-en.png")
                await moderator.say("/language")
                await moderator.press("English")
                await run_session(moderator, folder, "en")
                await questions(people, folder, "en")
                await people[ENGLISH_VIEWER.user_id].shot(folder, "viewer-en.png")
                await staff.say("/language")
                await staff.press("العربية")
                await staff.say("/help")
                await staff.shot(folder, "staff-help-ar.png")
                await browser.close()
        finally:
            sandbox.stop()


def main() -> int:
    if not chromium_ready():
        print(MISSING_CHROMIUM, file=sys.stderr)
        return 1
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img")
    folder.mkdir(parents=True, exist_ok=True)
    asyncio.run(take(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
