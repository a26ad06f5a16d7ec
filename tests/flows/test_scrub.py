"""Free text is scrubbed of what identifies a person before it is stored, also when disguised."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from flows.folding import ascii_digits, for_scrubbing
from flows.scrub import FINDERS, REMOVED, PatternFinder, scrub

# Ordinary sentences around an identifier, in several scripts; {} is where it goes.
SENTENCES = (
    "Hallo, {} bitte vormittags.",
    "Wir sind 2 Erwachsene und 4 Kinder. {}",
    "{} – ich warte auf Antwort",
    "Please call before 11, {} thanks",
    "مرحبا {} شكرا",
    "سلام، {} ممنون",
    "Здравствуйте, {} спасибо",
    "Merhaba {} teşekkürler",
    "გამარჯობა {} მადლობა",
    "Bonjour, {} merci.",
)
SPACE_LIKE = ["\u200b", "\u200c", "\u2060", "\ufeff", "\u00ad"]  # zero-width and soft hyphen
DIGIT_SYSTEMS = [
    "0123456789",
    "٠١٢٣٤٥٦٧٨٩",  # Arabic-Indic
    "۰۱۲۳۴۵۶۷۸۹",  # Persian, Urdu
    "０１２３４５６７８９",  # full width
    "⁰¹²³⁴⁵⁶⁷⁸⁹",  # superscript
    "⓪①②③④⑤⑥⑦⑧⑨",  # circled
    "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",  # mathematical bold
    "০১২৩৪৫৬৭৮৯",  # Bengali
]


def written_in(digits: str, system: str) -> str:
    return "".join(system[int(d)] if d.isdigit() else d for d in digits)


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    """German mobile and landline numbers, grouped and separated in any of the usual ways."""
    number = draw(st.sampled_from(["0151", "0176", "+49 170", "089", "0049 30", "+963 11"]))
    number += draw(st.text("0123456789", min_size=6, max_size=8))
    digits = [c for c in number]
    separator = draw(st.sampled_from([" ", ".", ",", "_", "-", "/", " - ", ", ", *SPACE_LIKE]))
    out, every = [], draw(st.integers(2, 4))
    for index, ch in enumerate(digits):
        if index and index % every == 0 and ch != " ":
            out.append(draw(st.sampled_from([separator, separator, " ", "."])))
        out.append(ch)
    return written_in("".join(out), draw(st.sampled_from(DIGIT_SYSTEMS)))


NAMES = st.sampled_from(["Ahmad", "Fatima", "Karimi", "Gulalai", "Zarina", "Oleksandr", "Nino"])
LOCAL_PARTS = st.from_regex(r"[a-z]{3,8}[._]?[a-z]{2,8}[0-9]{0,3}", fullmatch=True)


@st.composite
def e_mail_addresses(draw: st.DrawFn) -> tuple[str, str]:
    """An address in one of the ways people disguise them, and its local part."""
    local = draw(LOCAL_PARTS)
    at = draw(st.sampled_from(["@", " @ ", "(at)", "[at]", " (at) ", "＠", "﹫", " [at] "]))
    dot = draw(st.sampled_from([".", " . ", "(dot)", " dot ", "[dot]"]))
    domain = draw(st.sampled_from(["gmail", "web", "gmx", "yahoo", "mail"]))
    tld = draw(st.sampled_from(["com", "de", "ru", "net"]))
    return f"{local}{at}{domain}{dot}{tld}", local.replace(".", "").replace("_", "")


@st.composite
def document_numbers(draw: st.DrawFn) -> str:
    """Nine characters from the alphabet of German passports and identity cards."""
    return draw(st.text("CFGHJKLMNPRTVWXYZ0123456789", min_size=9, max_size=9))


@st.composite
def id_tokens(draw: st.DrawFn) -> str:
    """6 to 12 letters and digits, at least one of each."""
    token = draw(st.from_regex(r"[A-Za-z0-9]{6,12}", fullmatch=True))
    if not any(c.isdigit() for c in token) or not any(c.isalpha() for c in token):
        token = token[:-2] + "7K"
    return token


def survivors(clean: str, secret: str) -> bool:
    """Whether the secret (letters and digits only, digits folded, case ignored) survived."""
    flat = re.sub(r"\W", "", ascii_digits(clean)).casefold()
    return re.sub(r"\W", "", ascii_digits(secret)).casefold() in flat


@settings(max_examples=300)
@given(phone_numbers(), st.sampled_from(SENTENCES))
def test_phone_numbers_with_any_separator_and_digit_system_are_removed(
    phone: str, sentence: str
) -> None:
    """Check that a phone number goes whatever its grouping, separators or digit system."""
    clean, removed = scrub(sentence.format(phone))
    digits_left = sum(1 for c in ascii_digits(clean) if c.isdigit())
    assert removed and digits_left <= sum(1 for c in sentence if c.isdigit()), clean


@settings(max_examples=300)
@given(e_mail_addresses(), st.sampled_from(SENTENCES))
def test_e_mail_addresses_and_their_disguises_are_removed(
    address: tuple[str, str], sentence: str
) -> None:
    """Check that an e-mail address goes also when written with (at), [dot], spaces or ＠."""
    written, local = address
    clean, removed = scrub(sentence.format(written))
    assert removed and not survivors(clean, local), clean


@settings(max_examples=300)
@given(st.one_of(document_numbers(), id_tokens()), st.sampled_from(SENTENCES))
def test_passport_and_id_like_numbers_are_removed(token: str, sentence: str) -> None:
    """Check that passport, identity card and other ID-like numbers go, also without digits."""
    clean, _ = scrub(sentence.format(f"Pass {token}"))
    assert not survivors(clean, token), clean


@settings(max_examples=200)
@given(
    st.sampled_from(
        [
            "Mein Name ist {}",
            "ich heiße {}",
            "my name is {}",
            "My name is {}",
            "I am {}",
            "اسمي {}",
            "اسم من {}",
            "نام من {} است",
            "زما نوم {} دی",
            "میرا نام {} ہے",
            "Navê min {} e",
            "ناوم {}",
            "მე მქვია {}",
            "Меня зовут {}",
            "Мене звати {}",
            "Je m'appelle {}",
            "Emri im është {}",
            "Zovem se {}",
            "Mənim adım {}",
            "Benim adım {}",
            "Herr {}",
            "Familie {}",
        ]
    ),
    NAMES,
    NAMES,
    st.sampled_from(SENTENCES),
)
def test_the_name_after_a_self_introduction_is_removed(
    intro: str, first: str, last: str, sentence: str
) -> None:
    """Check that the name after "my name is" and its equivalents in every language goes."""
    clean, removed = scrub(sentence.format(intro.format(f"{first} {last}")))
    assert removed and first not in clean and last not in clean, clean


@st.composite
def addresses_file_numbers_and_birth_dates(draw: st.DrawFn) -> tuple[str, str]:
    """A street with house number, a postcode with town, a court file number or a date of birth
    as people write them, and the part of it that must not survive."""
    street = draw(st.sampled_from(["Schiller", "Garten", "Bahnhof", "Kirch", "Mozart", "Leopold"]))
    number = str(draw(st.integers(1, 240))) + draw(st.sampled_from(["", "a", "b"]))
    postcode = str(draw(st.integers(80000, 97999)))
    year = str(draw(st.integers(1940, 2019)))
    day, month = draw(st.integers(1, 28)), draw(st.integers(1, 12))
    return draw(
        st.sampled_from(
            [
                (f"{street}straße {number}", street),
                (f"{street}str. {number}, {postcode} Augsburg", street),
                (f"wohne {street}weg {number}", street),
                (f"{postcode} Regensburg", postcode),
                (f"Az. {day} K {number}/{year[2:]}", f"{number}/{year[2:]}"),
                (f"Aktenzeichen M {day} S {postcode}", postcode),
                (f"geboren am {day}.{month}.{year}", year),
                (f"geb. {day:02d}/{month:02d}/{year}", year),
                (f"born {year}-{month:02d}-{day:02d}", year),
            ]
        )
    )


@settings(max_examples=300)
@given(addresses_file_numbers_and_birth_dates(), st.sampled_from(SENTENCES))
def test_addresses_file_numbers_and_birth_dates_are_removed(
    shape: tuple[str, str], sentence: str
) -> None:
    """Check that a street address, postcode and town, file number or date of birth goes,
    whatever the sentence around it."""
    written, secret = shape
    clean, removed = scrub(sentence.format(written))
    assert removed and not survivors(clean, secret), clean


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Reisepass C4J7RZ6KN", "C4J7RZ6KN"),
        ("ahmad.karimi(at)gmail.com", "karimi"),
        ("ahmad.karimi @ gmail . com", "karimi"),
        ("ahmad.karimi＠gmail.com", "karimi"),
        ("ahmad karimi at gmail dot com", "karimi"),
        ("Telegram @ahmad_karimi89", "karimi"),
        ("Telegram: ahmadk", "ahmadk"),
        ("schreib mir auf t.me/ahmad_k", "ahmad_k"),
        ("wa.me/4915123456789", "4915123456789"),
        ("https://facebook.com/ahmad.karimi.1", "karimi"),
        ("instagram.com/ahmadkarimi", "ahmadkarimi"),
        ("AZ 123/45", "123/45"),
        ("Az. 12 K 345/23", "345/23"),
        ("Aktenzeichen: M 12 K 17.1234", "1234"),
        ("0151_2345_6789", "015123456789"),
        ("0151,2345,6789", "015123456789"),
        ("0151\u200b2345\u200b6789", "015123456789"),
        ("⁰¹⁵¹ ²³⁴⁵ ⁶⁷⁸⁹", "015123456789"),
        ("⓪①⑤① ②③④⑤ ⑥⑦⑧⑨", "015123456789"),
        ("Mein Name ist Ahmad Karimi", "Karimi"),
        ("Schillerstraße 12a", "Schiller"),
        ("Hauptstr. 5, 80331 München", "München"),
        ("wir wohnen Karl-Marx-Str. 5 in Dachau", "Marx"),
        ("12 Baker Street, London", "Baker"),
        ("ул. Ленина 5", "Ленина"),
        ("geboren am 12.03.1985", "1985"),
        ("geb. 3. März 1990", "1990"),
        ("born 1985-03-12", "1985"),
        ("IBAN DE89 3704 0044 0532 0130 00", "3704"),
    ],
)
def test_what_the_issue_found_surviving_is_removed(text: str, secret: str) -> None:
    """Check that each identifier that once passed the scrubber verbatim is now removed."""
    clean, removed = scrub(text)
    assert removed and not survivors(clean, secret), clean


@pytest.mark.parametrize(
    "text",
    [
        "Bitte vormittags",
        "2 Erwachsene und 4 Kinder",
        "5 Jahre in Deutschland",
        "before 11",
        "Wir sind 2 Erwachsene und 3 Kinder",
        "Termin am 12.3. wäre gut",
        "Mein Sohn ist 14",
        "أنا مريض بالسكري منذ ٥ سنوات",
        "Am liebsten am 12.03.2027 zwischen 10.30-12.00",
        "Ich bin Student aus Syrien, seit 2015 hier",
        "meine Frau ist krank",
        "Duldung seit 2019, Kinder 3, 5 und 8 Jahre",
        "Please call me back on Tuesday",
        "Bitte nicht montags, ich arbeite von 8-16 Uhr",
        "Брат живёт в Мюнхене 3 года",
        "ما ۳ نفر هستیم",
    ],
)
def test_ordinary_notes_keep_their_meaning(text: str) -> None:
    """Check that counts, ages, years, times and wished days are not mistaken for identifiers."""
    assert scrub(text) == (text, False)


ORDINARY = st.lists(
    st.sampled_from(
        [
            "Bitte vormittags",
            "2 Erwachsene",
            "und 4 Kinder",
            "5 Jahre in Deutschland",
            "before 11",
            "after 14:30",
            "we need an interpreter",
            "mein Sohn ist krank",
            "seit 2016",
            "nur dienstags",
            "شكرا",
            "لطفا صبح",
            "спасибо",
            "3 года",
            "თუ შეიძლება",
            "teşekkürler",
        ]
    ),
    min_size=1,
    max_size=6,
)


@given(ORDINARY, st.sampled_from([", ", ". ", " ", "; "]))
def test_ordinary_notes_built_at_random_are_kept_as_written(parts: list[str], joint: str) -> None:
    """Check that any mix of ordinary note phrases comes out exactly as written."""
    text = joint.join(parts)
    assert scrub(text) == (text, False)


@given(st.text(max_size=300))
def test_scrubbed_text_has_no_long_digit_runs_in_any_script(text: str) -> None:
    """Check that after scrubbing no run of five or more digits (of any script or shape) is left."""
    clean, _ = scrub(text)
    assert not re.search(r"\d{5}", for_scrubbing(clean).text), clean


@given(st.text(max_size=300))
def test_what_is_kept_is_kept_as_written(text: str) -> None:
    """Check that every piece of the scrubbed text outside the markers is the client's own text."""
    clean, removed = scrub(text)
    pieces = clean.split(REMOVED)
    position = 0
    for piece in pieces:
        found = text.find(piece, position)
        assert found >= 0, (text, clean)
        position = found + len(piece)
    assert removed or clean == text


IDENTIFIERS_OR_ANY_TEXT = st.one_of(
    st.text(max_size=200),
    phone_numbers(),
    e_mail_addresses().map(lambda made: made[0]),
    document_numbers(),
    id_tokens(),
    addresses_file_numbers_and_birth_dates().map(lambda made: made[0]),
)


@settings(max_examples=400)
@given(IDENTIFIERS_OR_ANY_TEXT, st.sampled_from(SENTENCES))
@example("Reisepass CFGHJKLMN", "Hallo, {} bitte vormittags.")
@example("ahmad.karimi ät gmail punkt de", "Hallo, {} bitte vormittags.")
@example("ahmad (at) gmail (dot) com", "Bonjour, {} merci.")
@example("Schillerstraße 12a, 80331 München", "مرحبا {} شكرا")
def test_a_pattern_skips_only_texts_it_could_not_have_matched(written: str, sentence: str) -> None:
    """Check that each pattern that first looks for what it needs (a digit, an @) finds the same
    spans as when it is tried on the whole text anyway."""
    view = for_scrubbing(sentence.format(written)).text
    checked = [f for f in FINDERS if isinstance(f, PatternFinder) and f.needs is not None]
    assert len(checked) >= 10
    for finder in checked:
        assert list(finder(view)) == list(replace(finder, needs=None)(view)), finder.pattern
