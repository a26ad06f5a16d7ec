"""A client on a phone books with the web door in a real browser: English, Arabic and Russian,
with and without JavaScript; axe-core on every screen; the same journey by keyboard alone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.browser.conftest import AXE, SCREENS

PHONE = {"width": 360, "height": 740}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CASE_CODE = re.compile(r"\b[0-9A-Z]{8}\b")
TIME = re.compile(r"\b\d{1,2}:\d{2}\b")

# Where each character of the first occurrence of `needle` in <main> or <nav> is drawn.
POSITIONS = """needle => {
  for (const root of document.querySelectorAll('main, nav')) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, at = node.data.indexOf(needle);
      if (at < 0) continue;
      const xs = [];
      for (let k = 0; k < needle.length; k++) {
        const range = document.createRange();
        range.setStart(node, at + k);
        range.setEnd(node, at + k + 1);
        const box = range.getBoundingClientRect();
        xs.push([box.left, box.top]);
      }
      return xs;
    }
  }
  return null;
}"""


@dataclass
class Walk:
    """One client's walk: takes a screenshot of each screen and checks it with axe-core."""

    page: Any
    run: str
    axe: bool
    shots: list[str] = field(default_factory=list)

    def screen(self, name: str) -> None:
        path = SCREENS / f"{self.run}-{len(self.shots) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path.name)
        if self.axe:
            assert_accessible(self.page, f"{self.run}/{name}")

    def press(self, value: str, name: str) -> None:
        """Click the button that sends `value`, as a tap would, and record the next screen."""
        button = self.page.locator(f'main button[name="b"][value="{value}"]').first
        with self.page.expect_navigation():
            button.click()
        self.screen(name)

    def first(self, prefix: str) -> str:
        """The value of the first button whose value starts with `prefix` (a time slot)."""
        value = self.page.locator(f'main button[name="b"][value^="{prefix}"]').first
        return str(value.get_attribute("value"))

    @property
    def text(self) -> str:
        return str(self.page.locator("main").inner_text())


def assert_accessible(page: Any, where: str) -> None:
    """No serious or critical WCAG 2.2 A/AA violation on this screen (contrast included)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
        "resultTypes: ['violations']})",
        AXE_TAGS,
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['html'][:120]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{where}: {bad}"


def assert_reads_left_to_right(page: Any, needle: str) -> None:
    """The characters of `needle` are drawn left to right on one line, as written."""
    boxes = page.evaluate(POSITIONS, needle)
    assert boxes, f"{needle!r} is not on the page"
    xs = [x for x, _ in boxes]
    assert len({round(top) for _, top in boxes}) == 1, f"{needle!r} is broken across lines"
    assert xs == sorted(xs) and len(set(xs)) == len(xs), f"{needle!r} drawn out of order: {xs}"


def book_move_download_delete(walk: Walk, code: str, door_url: str) -> None:
    """The journey of the issue: book (with an interpreter where the language needs one), move,
    download the calendar file, delete everything."""
    page = walk.page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(door_url + "/")
    walk.screen("language")
    walk.press(f"lang:{code}", "privacy")
    walk.press("privacy:accept", "menu")
    walk.press("m:book", "interpreter")
    walk.press(walk.first("b:int:"), "times")  # ar, ru: in the chat's language; en: none needed
    walk.press(walk.first("b:slot:"), "confirm")
    walk.press("b:ok", "booked")
    case_code = CASE_CODE.search(str(page.locator("main code").first.inner_text()))
    assert case_code is not None
    with page.expect_download() as download:
        page.locator("main a.download").first.click()
    content = download.value.path().read_bytes()
    assert b"BEGIN:VCALENDAR" in content and b"BEGIN:VEVENT" in content
    walk.press("m:appt", "appointment")
    assert case_code.group(0) in walk.text
    walk.press("b:move", "new-times")
    walk.press(walk.first("b:slot:"), "move-confirm")
    walk.press("b:ok", "moved")
    walk.press("m:delete", "delete")
    walk.press("del:yes", "deleted")
    assert not [c for c in page.context.cookies() if c["name"] == "comehome"]
    page.goto(door_url + "/")  # everything is gone: the languages again
    walk.screen("fresh")
    outside = [url for url in requests if not url.startswith(door_url)]
    assert not outside, f"requests outside the door: {outside}"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("code", ["en", "ar", "ru"])
def test_a_client_on_a_phone_books_moves_downloads_and_deletes(
    browser: Any, door_url: str, code: str, javascript: bool
) -> None:
    """Check the whole journey at 360×740 in a real browser, axe-clean on every screen."""
    context = browser.new_context(
        viewport=PHONE,
        locale=code,
        java_script_enabled=javascript,
        bypass_csp=javascript,  # only to inject axe-core; without JavaScript the CSP applies
        accept_downloads=True,
    )
    page = context.new_page()
    walk = Walk(page, f"{code}-{'js' if javascript else 'nojs'}", axe=javascript)
    try:
        book_move_download_delete(walk, code, door_url)
    finally:
        context.close()
    assert len(walk.shots) == 14


def test_arabic_is_right_to_left_and_codes_and_times_keep_their_order(
    browser: Any, door_url: str
) -> None:
    """Check dir="rtl" on every Arabic screen, and that the case code, the time and the commands
    are drawn in their own left-to-right order inside the right-to-left text."""
    context = browser.new_context(viewport=PHONE, locale="ar")
    page = context.new_page()
    walk = Walk(page, "ar-order", axe=False)
    try:
        page.goto(door_url + "/")
        walk.press("lang:ar", "privacy")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("html").get_attribute("lang") == "ar"
        walk.press("privacy:accept", "menu")
        walk.press("m:book", "interpreter")
        walk.press("b:int:ar", "times")
        walk.press(walk.first("b:slot:"), "confirm")
        walk.press("b:ok", "booked")
        assert page.locator("html").get_attribute("dir") == "rtl"
        case_code = CASE_CODE.search(walk.text)
        time = TIME.search(walk.text)
        assert case_code is not None and time is not None
        assert_reads_left_to_right(page, case_code.group(0))
        assert_reads_left_to_right(page, time.group(0))
        assert_reads_left_to_right(page, "/delete")
    finally:
        context.close()


def test_the_journey_works_with_the_keyboard_alone(browser: Any, door_url: str) -> None:
    """Check that Tab and Enter alone book, download the calendar file, move and delete, with
    the focus visible on every control they reach."""
    context = browser.new_context(viewport=PHONE, locale="en", accept_downloads=True)
    page = context.new_page()

    def reach(selector: str) -> None:
        for _ in range(120):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                break
        else:
            page.screenshot(path=str(SCREENS / "en-keyboard-stuck.png"), full_page=True)
            pytest.fail(f"Tab never reached {selector}")
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", f"no visible focus on {selector}"

    def enter(selector: str) -> None:
        reach(selector)
        with page.expect_navigation():
            page.keyboard.press("Enter")

    try:
        page.goto(door_url + "/")
        for selector in (
            'button[value="lang:en"]',
            'button[value="privacy:accept"]',
            'button[value="m:book"]',
            'main button[value^="b:int:"]',
            'main button[value^="b:slot:"]',
            'button[value="b:ok"]',
        ):
            enter(selector)
        assert CASE_CODE.search(str(page.locator("main code").first.inner_text()))
        page.screenshot(path=str(SCREENS / "en-keyboard-booked.png"), full_page=True)
        reach("main a.download")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        assert b"BEGIN:VCALENDAR" in download.value.path().read_bytes()
        for selector in (
            'button[value="m:appt"]',
            'button[value="b:move"]',
            'main button[value^="b:slot:"]',
            'button[value="b:ok"]',
            'button[value="m:delete"]',
            'button[value="del:yes"]',
        ):
            enter(selector)
        assert not [c for c in context.cookies() if c["name"] == "comehome"]
    finally:
        context.close()


@pytest.mark.parametrize("code", ["en", "ar"])
def test_the_screens_off_the_journey_are_accessible_too(
    browser: Any, door_url: str, code: str
) -> None:
    """Check axe-core on the screens the booking journey does not pass: the privacy details,
    help, the return code shown once, the return-code form with its error, and the error pages
    (an expired form, a missing page); every one keeps lang and dir."""
    context = browser.new_context(viewport=PHONE, locale=code, bypass_csp=True)
    page = context.new_page()
    walk = Walk(page, f"{code}-more", axe=True)
    direction = "rtl" if code == "ar" else "ltr"
    try:
        page.goto(door_url + "/")
        walk.press(f"lang:{code}", "privacy")
        walk.press("privacy:more", "privacy-details")
        walk.press("privacy:accept", "menu")
        with page.expect_navigation():
            page.locator('nav button[name="c"][value="help"]').click()
        walk.screen("help")
        with page.expect_navigation():
            page.locator('nav form[action$="/code"] button').click()
        walk.screen("return-code")
        code_shown = page.locator("p.code code").inner_text()
        assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", code_shown)
        with page.expect_navigation():
            page.locator('nav a[href$="/resume"]').click()
        walk.screen("resume")
        page.locator("#code").fill("ZZZZZ-ZZZZZ")
        with page.expect_navigation():
            page.locator("form.resume button").click()
        walk.screen("resume-unknown")
        assert page.locator('[role="alert"]').count() == 1
        page.goto(door_url + "/calendar.ics")  # no booking yet: nothing here
        walk.screen("not-found")
        page.evaluate(
            "() => { for (const f of document.querySelectorAll('input[name=csrf]')) f.value = 'x'; }"
        )
        page.goto(door_url + "/")
        page.evaluate(
            "() => { for (const f of document.querySelectorAll('input[name=csrf]')) f.value = 'x'; }"
        )
        with page.expect_navigation():
            page.locator('nav button[name="c"][value="menu"]').click()
        walk.screen("expired")
        assert "403" not in walk.text  # said in words, not in codes
        for shot in walk.shots:
            assert shot.startswith(f"{code}-more-")
        assert page.locator("html").get_attribute("dir") == direction
    finally:
        context.close()
