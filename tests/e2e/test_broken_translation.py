"""A translator's slip in a tag never stops a screen: Telegram gets the source text instead."""

from __future__ import annotations

import pytest

from bot.config import Settings
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The German promise with its <b> never closed, as a translator's slip would leave it."""
    po = settings.locales_dir / "de" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    assert "wird <b>nicht</b> informiert" in text
    po.write_text(text.replace("wird <b>nicht</b> informiert", "wird <b>nicht informiert"))
    return settings


async def test_the_privacy_notice_is_sent_despite_an_unclosed_bold_tag(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that the German privacy notice reaches the chat (Telegram would refuse an unclosed
    <b>), with the promise in English, and that the client can go on to the menu."""
    await telegram.send(user.message("/start"), user.press("lang:de"))
    await telegram.send(user.press("privacy:accept"))
    assert telegram.api.refused == []
    texts = telegram.api.sent_texts()
    notice = next(text for text in texts if "Ausländerbehörde" in text)
    assert "The immigration authority (Ausländerbehörde) is <b>not</b> informed." in notice
    assert "Die Beratung ist kostenlos" in notice  # the rest stays German
    assert any("Was möchten Sie tun?" in text for text in texts)
