"""The Telegram door keeps its own privacy notice: what Telegram sees, not the website's facts."""

from __future__ import annotations

from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory


async def test_telegram_clients_read_about_telegram_not_about_the_website(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that on Telegram the privacy details and the goodbye after /delete speak of
    Telegram (its servers, "Delete chat"), and never of a cookie or a website."""
    for update in (
        user.message("/start"),
        user.press("lang:en"),
        user.press("privacy:more"),
        user.press("privacy:accept"),
        user.message("/help"),
        user.message("/delete"),
        user.press("del:yes"),
    ):
        await telegram.send(update)
    texts = "\n".join(telegram.api.sent_texts())
    assert "About Telegram" in texts and "stored on Telegram's servers" in texts
    assert "what is stored, and what Telegram sees" in texts
    assert "“Delete chat” in Telegram" in texts
    assert "cookie" not in texts.lower() and "website" not in texts.lower()
