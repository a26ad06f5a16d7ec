"""A web client for the fast tests: reads the page like a browser would and submits its forms."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from starlette.testclient import TestClient

_FORM = re.compile(r'<form method="post" action="([^"]*)"[^>]*>(.*?)</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
_BUTTON = re.compile(r'<button type="submit"(?: name="(\w)" value="([^"]*)")?>(.*?)</button>', re.S)


@dataclass
class Button:
    action: str
    fields: dict[str, str]
    label: str


class WebClient:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.page = ""
        self.status = 0

    def open(self, path: str = "/") -> str:
        response = self.client.get(path)
        self.status, self.page = response.status_code, response.text
        return self.page

    def buttons(self) -> list[Button]:
        found = []
        for action, body in _FORM.findall(self.page):
            hidden = dict(_HIDDEN.findall(body))
            for name, value, label in _BUTTON.findall(body):
                fields = dict(hidden)
                if name:
                    fields[name] = html.unescape(value)
                found.append(Button(action, fields, text_of(label)))
        return found

    def button(self, label: str) -> Button:
        for button in self.buttons():
            if button.label == label or label in button.label:
                return button
        raise AssertionError(
            f"no button {label!r} on the page: {[b.label for b in self.buttons()]}"
        )

    def press(self, label: str) -> str:
        button = self.button(label)
        return self.post(button.action, button.fields)

    def write(self, text: str) -> str:
        fields = dict(self.hidden("text"))
        fields["text"] = text
        return self.post("/", fields)

    def hidden(self, field: str) -> dict[str, str]:
        """The hidden fields of the form that holds `field` (the text box)."""
        for _, body in _FORM.findall(self.page):
            if f'name="{field}"' in body:
                return dict(_HIDDEN.findall(body))
        raise AssertionError(f"no form with {field!r}")

    def post(self, action: str, fields: dict[str, str]) -> str:
        response = self.client.post(action, data=fields)
        self.status, self.page = response.status_code, response.text
        return self.page

    @property
    def text(self) -> str:
        """The page as a reader sees it: the main part without markup."""
        main = self.page.split("<main", 1)[-1].split("</main>", 1)[0]
        return text_of(main)


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()
