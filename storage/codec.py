"""Replies to JSON and back, for the outbox: every value keeps its type so it renders the same later."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from flows.model import (
    Button,
    CalendarEvent,
    Code,
    Country,
    Label,
    Language,
    Money,
    Param,
    Reply,
    Template,
    Text,
    UserText,
    When,
)


def encode_param(value: Param) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str | int):
        return value
    if isinstance(value, Decimal):
        return {"$": "dec", "v": str(value)}
    if isinstance(value, datetime):
        return {"$": "dt", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, Money):
        return {"$": "money", "v": str(value.amount), "c": value.currency}
    if isinstance(value, Country):
        return {"$": "country", "v": value.code}
    if isinstance(value, Language):
        return {"$": "lang", "v": value.code, "own": value.own}
    if isinstance(value, UserText):
        return {"$": "user", "v": value.text}
    if isinstance(value, When):
        return {"$": "when", "v": value.moment.isoformat(), "short": value.short}
    if isinstance(value, Code):
        return {"$": "code", "v": value.text}
    if isinstance(value, Text):
        return encode_text(value)
    if isinstance(value, tuple):
        return {"$": "list", "v": [encode_param(item) for item in value]}
    raise TypeError(f"cannot store parameter of type {type(value).__name__}")


def decode_param(raw: Any) -> Param:
    if not isinstance(raw, dict):
        return cast(Param, raw)  # a plain JSON value is stored as itself
    kind = raw["$"]
    if kind == "text":
        return decode_text(raw)
    value: Any = raw["v"]
    if kind == "dec":
        return Decimal(value)
    if kind == "dt":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "money":
        return Money(Decimal(value), raw["c"])
    if kind == "country":
        return Country(value)
    if kind == "lang":
        return Language(value, raw.get("own", False))
    if kind == "user":
        return UserText(value)
    if kind == "when":
        return When(datetime.fromisoformat(value), bool(raw.get("short")))
    if kind == "code":
        return Code(value)
    if kind == "list":
        return tuple(decode_param(item) for item in value)
    raise ValueError(f"unknown stored parameter kind {kind!r}")


def encode_text(text: Text) -> dict[str, Any]:
    return {
        "$": "text",
        "id": text.msgid,
        "p": {name: encode_param(v) for name, v in text.params.items()},
        "ctx": text.context,
        "pl": text.plural,
        "n": text.count,
        **({"dom": text.domain} if text.domain != "messages" else {}),
    }


def decode_text(raw: dict[str, Any]) -> Text:
    params = {name: decode_param(v) for name, v in raw["p"].items()}
    return Text(
        raw["id"], params, raw.get("ctx"), raw.get("pl"), raw.get("n"), raw.get("dom", "messages")
    )


def _encode_label(label: Label) -> Any:
    return label if isinstance(label, str) else encode_param(label)


def _decode_label(raw: Any) -> Label:
    decoded = decode_param(raw)
    assert isinstance(decoded, Text | Country | Language | When | str)
    return decoded


def encode_reply(reply: Reply) -> dict[str, Any]:
    body = reply.body
    encoded_body = (
        encode_text(body)
        if isinstance(body, Text)
        else {
            "$": "tpl",
            "name": body.name,
            "p": {k: encode_param(v) for k, v in body.params.items()},
        }
    )
    return {
        "body": encoded_body,
        "buttons": [[[b.value, _encode_label(b.label)] for b in row] for row in reply.buttons],
        "replace": reply.replaces_pressed,
        "calendar": _encode_calendar(reply.calendar),
    }


def _encode_calendar(event: CalendarEvent | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "uid": event.uid,
        "seq": event.sequence,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "cancelled": event.cancelled,
    }


def _decode_calendar(raw: dict[str, Any] | None) -> CalendarEvent | None:
    if raw is None:
        return None
    return CalendarEvent(
        raw["uid"],
        raw["seq"],
        datetime.fromisoformat(raw["start"]),
        datetime.fromisoformat(raw["end"]),
        raw["cancelled"],
    )


def decode_reply(raw: dict[str, Any]) -> Reply:
    body_raw = raw["body"]
    body: Text | Template
    if body_raw["$"] == "tpl":
        body = Template(body_raw["name"], {k: decode_param(v) for k, v in body_raw["p"].items()})
    else:
        body = decode_text(body_raw)
    buttons = tuple(
        tuple(Button(value, _decode_label(label)) for value, label in row) for row in raw["buttons"]
    )
    return Reply(body, buttons, bool(raw.get("replace")), _decode_calendar(raw.get("calendar")))
