"""Several offices in one installation: the client finds theirs by button, postcode or place."""

from __future__ import annotations

import dataclasses

import pytest

from flows import journey
from flows.model import Command, Pressed, Template, Typed
from flows.offices import route
from tests.flows.helpers import TWO_OFFICES, Client, msgids, values
from tests.flows.test_booking import FakeBook


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("80331", ["muenchen"]),
        ("81929", ["muenchen"]),
        ("81930", []),
        ("86150", ["augsburg"]),
        ("PLZ 86199 Augsburg", ["augsburg"]),
        ("٨٦١٥٠", ["augsburg"]),  # Arabic-Indic digits
        ("۸۰۳۳۱", ["muenchen"]),  # Persian digits
        ("8615", []),  # four digits are no postcode
        ("861500", []),
        ("dachau", ["muenchen"]),
        ("Ich wohne in Dachau.", ["muenchen"]),
        ("fuerstenfeldbruck", []),
        ("Furstenfeldbruck", ["muenchen", "augsburg"]),  # accents do not matter; on a border
        ("Landkreis München", ["muenchen"]),
        ("aichach friedberg", ["augsburg"]),
        ("Augsburger Straße", []),  # whole words only
        ("Berlin", []),
        ("", []),
    ],
)
def test_a_postcode_or_place_finds_the_office(typed: str, found: list[str]) -> None:
    """Check that typed postcodes (any digits) and whole place names find the offices serving them."""
    assert [office.id for office in route(typed, TWO_OFFICES)] == found


def two_offices(book: FakeBook | None = None) -> Client:
    client = Client()
    client.ctx = dataclasses.replace(client.ctx, offices=TWO_OFFICES, bookings=book)
    client.send(Command("start"))
    client.send(Pressed("lang:de"))
    return client


def test_with_several_offices_the_office_is_asked_before_the_privacy_notice() -> None:
    """Check that the client chooses an office right after the language, and the notice follows."""
    client = two_offices()
    assert client.state == journey.OFFICE
    [shown] = client.last.replies  # type: ignore[union-attr]
    assert isinstance(shown.body, Template) and shown.body.name == "office_choice"
    assert values(client.last) == ["office:muenchen", "office:augsburg"]  # type: ignore[arg-type]
    client.send(Pressed("office:augsburg"))
    assert client.state == journey.PRIVACY and client.conv.office == "augsburg"  # type: ignore[union-attr]


def test_a_typed_postcode_chooses_the_office_and_is_not_kept() -> None:
    """Check that a postcode picks the office and nothing of what was typed is stored."""
    client = two_offices()
    client.send(Typed("Meine PLZ ist 86161"))
    assert client.state == journey.PRIVACY and client.conv.office == "augsburg"  # type: ignore[union-attr]
    assert "86161" not in repr(client.conv)


def test_an_unknown_place_is_answered_and_the_choice_asked_again() -> None:
    """Check that a postcode no office serves gets a clear answer and the list again."""
    client = two_offices()
    client.send(Typed("10115"))
    assert client.state == journey.OFFICE
    assert msgids(client.last)[0].startswith("I could not find an office")  # type: ignore[arg-type]
    assert "office:augsburg" in values(client.last)  # type: ignore[arg-type]


def test_a_place_on_the_border_offers_only_the_offices_serving_it() -> None:
    """Check that a place two offices serve leaves the choice between those two to the client."""
    client = Client()
    client.ctx = dataclasses.replace(
        client.ctx,
        offices=(*TWO_OFFICES, dataclasses.replace(TWO_OFFICES[1], id="nbg", districts=("X",))),
    )
    client.send(Command("start"))
    client.send(Pressed("lang:de"))
    client.send(Typed("Fürstenfeldbruck"))
    assert client.state == journey.OFFICE
    assert values(client.last) == ["office:muenchen", "office:augsburg"]  # type: ignore[arg-type]


def test_with_one_office_nothing_is_asked() -> None:
    """Check that an installation with one office goes from the language to the notice."""
    client = Client()
    client.send(Command("start"))
    client.send(Pressed("lang:de"))
    assert client.state == journey.PRIVACY and client.conv.office == ""  # type: ignore[union-attr]
    client.send(Pressed("privacy:accept"))
    assert "m:office" not in values(client.last)  # type: ignore[arg-type]


def test_the_office_can_be_changed_from_the_menu_and_the_waiting_list_is_left() -> None:
    """Check that the menu offers another office, and the old office's waiting list is left."""
    book = FakeBook()
    book.waiting.append("ar")
    client = two_offices(book)
    client.send(Pressed("office:muenchen"))
    client.send(Pressed("privacy:accept"))
    assert "m:office" in values(client.last)  # type: ignore[arg-type]
    client.send(Pressed("m:office"))
    assert client.state == journey.OFFICE and "menu" in values(client.last)  # type: ignore[arg-type]
    client.send(Typed("Augsburg"))
    assert client.conv.office == "augsburg" and client.state == journey.MENU  # type: ignore[union-attr]
    assert msgids(client.last)[0] == "Your office is now {office}."  # type: ignore[arg-type]
    assert book.waiting == []


def test_an_appointment_keeps_the_client_at_its_office() -> None:
    """Check that a client holding an appointment is asked to cancel it before changing office."""
    book = FakeBook()
    client = two_offices(book)
    client.send(Pressed("office:muenchen"))
    client.send(Pressed("privacy:accept"))
    book.book(book.slots[0].key, "de")
    client.send(Pressed("m:office"))
    assert client.state == journey.MENU and client.conv.office == "muenchen"  # type: ignore[union-attr]
    assert msgids(client.last)[0].startswith("You have an appointment with your current office")  # type: ignore[arg-type]
    client.send(Pressed("office:augsburg"))  # the button of an older message
    assert client.conv.office == "muenchen"  # type: ignore[union-attr]
