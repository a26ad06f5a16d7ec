"""One set of folding rules for typed labels, names, places, numbers and the scrubber's view."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.folding import ascii_digits, fold, for_scrubbing


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("turkiye", "Türkiye"),
        ("  MÜNCHEN. ", "München"),
        ("cote divoire", "Côte d’Ivoire"),
        ("garmisch partenkirchen", "Garmisch-Partenkirchen"),
        ("سوريه", "السورية"),
        ("افغانستان", "أفغانستان"),
        ("ich habe das gelesen", "✅ Ich habe das gelesen!"),
    ],
)
def test_spellings_a_client_types_fold_to_the_written_name(typed: str, written: str) -> None:
    """Check that case, accents, apostrophes, punctuation, Arabic variants and the article
    do not stop a typed word from matching a name or label."""
    assert fold(typed) == fold(written)


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("٨١٥٤١", "81541"),
        ("۸۱۵۴۱", "81541"),
        ("８１５４１", "81541"),
        ("⁸¹⁵⁴¹", "81541"),
        ("⑧①⑤④①", "81541"),
        ("❽❶❺❹❶", "81541"),
        ("৮১৫৪১", "81541"),
    ],
)
def test_every_digit_system_reads_as_ascii_digits(typed: str, digits: str) -> None:
    """Check that a postcode or count typed in any digit system or shape reads as 0-9."""
    assert ascii_digits(typed) == digits


def test_the_scrubbing_view_drops_invisible_characters_and_keeps_positions() -> None:
    """Check that zero-width characters vanish from the view and spans map back to the original."""
    text = "Tel 0151\u200b2345\u2060 ok"
    view = for_scrubbing(text)
    assert view.text == "Tel 01512345 ok"
    start = view.text.index("0")
    first, end = view.span_in_source(start, start + 8)
    assert text[first:end] == "0151\u200b2345\u2060"


@given(st.text(max_size=200))
def test_every_character_of_the_view_comes_from_the_original(text: str) -> None:
    """Check that the view's positions point into the original, in order."""
    view = for_scrubbing(text)
    assert len(view.origin) == len(view.text)
    assert list(view.origin) == sorted(view.origin)
    assert all(0 <= index < len(text) for index in view.origin)
