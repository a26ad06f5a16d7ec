"""Removes what could identify a person from free text before it is stored.

Best effort, in two steps. The text is first folded (`flows.folding.for_scrubbing`: NFKC,
invisible characters dropped, every digit ASCII) so that a full-width @, digits split by
zero-width spaces or written as ① or ² read like plain ones. Then these are removed: e-mail
addresses and their spelled-out forms, @handles, messenger and profile links, phone and other
long numbers with any separators, IBANs, ID-like tokens, file and case numbers, dates of birth,
street addresses and postcode + town, and the name after a self-introduction or a form of address.
What is kept is kept exactly as the client wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from flows import scrub_words as words
from flows.folding import ARABIC_VARIANTS, for_scrubbing

REMOVED = "[…]"

Span = tuple[int, int]
Finder = Callable[[str], Iterable[Span]]


def scrub(text: str) -> tuple[str, bool]:
    """The text with identifying details replaced by `REMOVED`, and whether any were."""
    view = for_scrubbing(text)
    found = sorted(span for finder in FINDERS for span in finder(view.text) if span[0] < span[1])
    if not found:
        return text, False
    pieces, last = [], 0
    for start, end in _merged(found, view.text):
        first, after = view.span_in_source(start, end)
        pieces += [text[last:first], REMOVED]
        last = after
    pieces.append(text[last:])
    return "".join(pieces), True


def _merged(spans: list[Span], text: str) -> Iterator[Span]:
    """Overlapping spans, and spans with only spaces or punctuation between them, as one."""
    start, end = spans[0]
    for next_start, next_end in spans[1:]:
        if next_start <= end or not text[end:next_start].strip(" \t,;.-/"):
            end = max(end, next_end)
        else:
            yield start, end
            start, end = next_start, next_end
    yield start, end


def _alternatives(phrases: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first, folded like the text, spaces flexible."""
    folded = {p.translate(ARABIC_VARIANTS) for p in phrases}
    return "|".join(
        r"\s+".join(map(re.escape, p.split())) for p in sorted(folded, key=len, reverse=True)
    )


@dataclass(frozen=True)
class PatternFinder:
    """Spans of a pattern's matches (its group `x` when it has one) that `keep` accepts.

    `needs`: what every accepted match holds (a digit, an @), searched for first: one quick
    search instead of trying the pattern at every position of a text that cannot match."""

    pattern: re.Pattern[str]
    keep: Callable[[re.Match[str]], bool] | None = None
    needs: re.Pattern[str] | None = None

    def __call__(self, text: str) -> Iterator[Span]:
        if self.needs is not None and not self.needs.search(text):
            return
        group = "x" if "x" in self.pattern.groupindex else 0
        for match in self.pattern.finditer(text):
            if self.keep is None or self.keep(match):
                yield match.span(group)


def _finder(
    pattern: str, keep: Callable[[re.Match[str]], bool] | None = None, needs: str = ""
) -> PatternFinder:
    compiled = re.compile(pattern, re.IGNORECASE)
    return PatternFinder(compiled, keep, re.compile(needs, re.IGNORECASE) if needs else None)


# --- contact details ------------------------------------------------------------------------------

_AT = r"(?:\s*@\s*|\s*[(\[{<]\s*(?:at|ät|et|эт)\s*[)\]}>]\s*)"
_WORD_AT = r"\s+(?:at|ät)\s+"
_DOT = r"(?:\s*\.\s*|\s*[(\[{<]\s*\.\s*[)\]}>]\s*|\s*[(\[{<]\s*(?:dot|punkt|point|nokta|точка)\s*[)\]}>]\s*|\s+(?:dot|punkt|point|nokta|точка)\s+)"
_TLDS = (
    r"(?:com|de|org|net|info|eu|ru|ua|tr|ir|af|pk|iq|sy|fr|uk|co|io|me|at|ch|al|rs|ba|ge|az|am"
    r"|by|kz|xyz|online|email|mail)"
)
_LOCAL = r"[\w+-]+(?:(?:[._]|\s[._]\s|\s+(?:dot|punkt|point)\s+)[\w+-]+)*"
EMAIL = rf"{_LOCAL}{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[^\W\d_]{{2,24}}(?!\w)"
EMAIL_SPELLED = rf"(?:[\w+-]+\s)?{_LOCAL}{_WORD_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}{_TLDS}(?!\w)"
HANDLE = r"(?<![\w@.])@\s?[^\W\d][\w.]{2,}"
_PLATFORMS = (
    r"(?:telegram|tg|instagram|insta|ig|facebook|fb|tiktok|signal|whatsapp|whats\s?app|viber"
    r"|skype|snapchat|snap|twitter|vk|imo|botim|threads|телеграм|телеграмм|инстаграм|واتساب|تلگرام)"
)
PLATFORM_ACCOUNT = (
    rf"(?<!\w){_PLATFORMS}\s*(?:id|name|nick|username|account|konto|profil|hesabım|аккаунт|ник)?"
    r"(?:\s*[:=]\s*@?(?P<x>[\w.]{3,})|\s+@?(?P<y>(?=[\w.]*(?:[\d_]|\w\.\w))[\w.]{4,}))"
)
URL = r"(?:https?\s*:\s*/\s*/|www\s*\.\s*)\S+"
MESSENGER_LINK = r"(?<![\w.])(?:t|wa|m|telegram|telegram\s*\.\s*dog)\s*\.\s*me\s*/\s*\S+"
PROFILE_LINK = r"(?<![\w.])[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,10}\s*/\s*[^\s/]\S*"
IBAN = r"(?<!\w)[a-z]{2}\s?\d{2}(?:[ .\-_]?[a-z0-9]{4}){2,7}(?:[ .\-_]?[a-z0-9]{1,4})?(?!\w)"


def _platform_span(text: str) -> Iterator[Span]:
    for match in re.finditer(PLATFORM_ACCOUNT, text, re.IGNORECASE):
        yield match.span("x") if match.group("x") else match.span("y")


# --- numbers ---------------------------------------------------------------------------------------

DIGIT_RUN = r"\+?\(?\d(?:(?:[^\w\n]|_){0,4}\d)*"  # any punctuation or spacing between
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4}|\d{2})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})")
_TIMES = re.compile(r"([01]?\d|2[0-4])[.:h]([0-5]\d)(?:\s*[-–/]\s*([01]?\d|2[0-4])[.:h]([0-5]\d))?")


def _identifying_number(match: re.Match[str]) -> bool:
    """Long runs, long numbers with separators, and shorter ones with a long group; not a time,
    and not a date that lies ahead (a wished appointment day)."""
    groups = re.findall(r"\d+", match.group())
    total, longest = sum(map(len, groups)), max(map(len, groups))
    if re.search(r"[,;.]\s", match.group()):  # a list or two sentences: "seit 2016, 2 Kinder"
        return total >= 8
    only_spaces = not re.search(r"[^\d\s]", match.group())  # "seit 2016 2 Kinder"
    if not (longest >= 5 or total >= 7 or (total >= 5 and longest >= 3 and not only_spaces)):
        return False
    value = match.group().strip()
    return not (_TIMES.fullmatch(value) or _date_ahead(value))


def _date_parts(value: str) -> tuple[int, int, str] | None:
    """Day, month and year (as written) of a valid numeric date, or None."""
    if found := _DAY_MONTH_YEAR.fullmatch(value):
        day, month, year = found.groups()
    elif found := _YEAR_MONTH_DAY.fullmatch(value):
        year, month, day = found.groups()
    else:
        return None
    return (int(day), int(month), year) if 1 <= int(day) <= 31 and 1 <= int(month) <= 12 else None


def _year_ahead(year: str) -> bool:
    """2020 or later, or a two-digit year from 20 to 40: a wished appointment, not a birth."""
    return 2020 <= int(year) <= 2099 if len(year) == 4 else 20 <= int(year) <= 40


def _date_ahead(value: str) -> bool:
    parts = _date_parts(value)
    return parts is not None and _year_ahead(parts[2])


def _past_date(match: re.Match[str]) -> bool:
    """A valid full date that does not lie ahead: most likely a date of birth."""
    parts = _date_parts(match.group().strip())
    return parts is not None and not _year_ahead(parts[2])


_MONTHS = (
    r"(?:jan(?:uar|uary|vier)?|feb(?:ruar|ruary)?|fév(?:rier)?|mär(?:z)?|mar(?:ch|s)?|apr(?:il)?"
    r"|avr(?:il)?|ma[iy]|mai|jun[ie]?|juin|jul[iy]?|juil(?:let)?|aug(?:ust)?|août|sep(?:t|tember"
    r"|tembre)?|o[ck]t(?:ober|obre)?|nov(?:ember|embre)?|de[cz](?:ember|embre)?|déc(?:embre)?"
    r"|ocak|şubat|mart|nisan|mayıs|haziran|temmuz|ağustos|eylül|ekim|kasım|aralık|января"
    r"|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|січня|лютого"
    r"|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня)"
)
DATE_WITH_MONTH_NAME = (
    rf"(?<!\d)\d{{1,2}}\.?\s*{_MONTHS}\.?,?\s*(?P<year>\d{{4}}|\d{{2}})(?!\d)"
    rf"|(?<!\w){_MONTHS}\s+\d{{1,2}},?\s+(?P<year2>\d{{4}})(?!\d)"
)


def _past_named_date(match: re.Match[str]) -> bool:
    return not _year_ahead(match.group("year") or match.group("year2"))


DATE = r"(?<!\d)(?:\d{1,2}\s*[./-]\s*\d{1,2}\s*[./-]\s*(?:\d{4}|\d{2})|\d{4}\s*-\s*\d{1,2}\s*-\s*\d{1,2})(?!\d)"
BIRTH = (
    rf"(?<!\w)(?:{_alternatives(words.BIRTH_WORDS)})\s*[:.,]?\s*(?:am|on|le|the|den)?\s*"
    rf"(?P<x>\d{{1,2}}\s*[./-]\s*\d{{1,2}}\s*[./-]?\s*(?:\d{{4}}|\d{{2}})?"
    rf"|\d{{1,2}}\.?\s*[^\W\d]+\.?,?\s*\d{{2,4}}|\d{{4}})"
)
_TAIL = r"(?:(?-i:[A-Z]{1,4})\s*)?\d[\w./-]*(?:\s*(?:(?-i:[A-Z]{1,4})\s+)?\d[\w./-]*)*"
_PHONE_WORDS = (
    "tel",
    "tel.",
    "telefon",
    "telefonnummer",
    "handy",
    "handynummer",
    "mobil",
    "phone",
    "phone number",
    "mobile",
    "телефон",
    "номер телефона",
    "تلفن",
    "هاتف",
    "موبایل",
    "telefonum",
    "numaram",
    "numëri",
    "broj",
    "ტელეფონი",
    "شمارہ",
    "موبائل",
)
ANNOUNCED_NUMBER = (
    rf"(?<!\w)(?:{_alternatives((*words.NUMBER_WORDS, *_PHONE_WORDS))})(?!\w)\s*[.:#]?\s*"
    rf"(?P<x>{_TAIL})"
)
FILE_NUMBER = r"(?<![\w/])(?:\d{1,4}\s*)?(?-i:[A-Z]{1,3})\s*\d{1,6}\s*[/.]\s*\d{2,4}(?![\w/])"
ID_TOKEN = r"(?<![A-Za-z0-9])[A-Za-z0-9]{6,}(?![A-Za-z0-9])"
# German identity card and passport numbers: nine characters without vowels and B, D, Q, S.
GERMAN_DOCUMENT = r"(?<![A-Za-z0-9])[CFGHJKLMNPRTVWXYZ0-9]{9}(?![A-Za-z0-9])"
SPLIT_ID = r"(?<![A-Za-z0-9])[A-Za-z0-9]{1,5}(?:[ .\-_][A-Za-z0-9]{1,5}){1,3}(?![A-Za-z0-9])"


def _mixed(match: re.Match[str]) -> bool:
    token = match.group()
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def _split_id(match: re.Match[str]) -> bool:
    groups = re.split(r"[ .\-_]", match.group())
    letters_and_digits = "".join(groups)
    return (
        all(any(c.isdigit() for c in g) for g in groups)
        and any(c.isalpha() for c in letters_and_digits)
        and 6 <= len(letters_and_digits) <= 12
    )


# --- addresses -------------------------------------------------------------------------------------

_HOUSE_NUMBER = r"\d{1,4}\s*(?:(?-i:[a-z])(?![\w]))?(?:\s*[-/]\s*\d{1,4})?"
_ENDINGS = "|".join(re.escape(e) for e in words.STREET_ENDINGS)
GERMAN_STREET = (
    rf"(?:(?-i:[A-ZÄÖÜ])[\w.-]*\s+){{0,3}}[\w-]*?(?:{_ENDINGS})\.?\s*{_HOUSE_NUMBER}(?!\d)"
)
POSTCODE_TOWN = (
    r"(?<!\d)(?:d\s*-\s*)?\d{5}(?!\d)\s+(?-i:[A-ZÄÖÜ][\w.-]*)"
    r"(?:\s+(?:(?-i:[A-ZÄÖÜ(][\w.)-]*)|an\s+der|am|im|in\s+der|ob\s+der|bei|a\.\s?d\.))*"
)
_STREET = _alternatives(words.STREET_WORDS)
_NAME_WORD = r"[^\W\d][\w'’.-]*"
_NO = r"(?:no\.?|nr\.?|n°|№|д\.|дом|буд\.|رقم|پلاک|پ\.|:)?"
STREET_BEFORE_NUMBER = (
    rf"(?<!\w)(?:{_NAME_WORD}\s+){{0,3}}(?:{_STREET})(?!\w)\s*(?:{_NAME_WORD}\s*){{0,3}},?\s*{_NO}\s*"
    rf"\d{{1,5}}(?:\s*(?-i:[a-z])(?!\w))?"
)
NUMBER_BEFORE_STREET = (
    rf"(?<![\w,])\d{{1,5}}\s*(?:bis|ter)?,?\s+(?:{_NAME_WORD}\s+){{0,3}}(?:{_STREET})(?!\w)"
    rf"(?:\s+(?:{_NAME_WORD})){{0,4}}"
)
STREET_WITHOUT_NUMBER = r"(?<!\w)(?:شارع|خیابان|کوچه|زقاق|شەقام|کۆلان|کوڅه)\s+\S+(?:\s+\S+)?"


# --- names -----------------------------------------------------------------------------------------

_INTRO = re.compile(rf"(?<!\w)(?:{_alternatives(words.NAME_PHRASES)})(?!\w)\s*[:,\-–]?\s*", re.I)
_LABEL = re.compile(rf"(?<!\w)(?:{_alternatives(words.NAME_LABELS)})\s*:\s*", re.I)
_WEAK = re.compile(rf"(?<!\w)(?:{_alternatives(words.WEAK_NAME_PHRASES)})(?!\w)\s*,?\s*", re.I)
_WEAK_TWO = re.compile(rf"(?<!\w)(?:{_alternatives(words.WEAK_TWO_WORD_PHRASES)})(?!\w)\s*", re.I)
_TITLE = re.compile(rf"(?<!\w)(?:{_alternatives(words.TITLES)})(?!\w)\.?\s*", re.I)
_NEXT_WORD = re.compile(r"[ \t]*([^\W\d_][\w'’-]*)(\.(?=\s))?")


def _kind(word: str) -> str:
    first = word[0]
    return "capital" if first.isupper() else "lower" if first.islower() else "uncased"


def _name_after(text: str, pos: int, lowercase: bool, capitals: int = 1) -> Span | None:
    """The span of the name that starts at `pos`: capitalised words and particles, or up to two
    lower-case words after a clear introduction, or up to three words of a script without case."""
    taken: list[Span] = []
    kinds: list[str] = []
    while len(taken) < 4:
        match = _NEXT_WORD.match(text, pos)
        if not match:
            break
        word = match.group(1)
        kind, folded = _kind(word), word.casefold()
        following = _NEXT_WORD.match(text, match.end())
        same_as_before = not kinds or kinds[-1] == kind
        if kind == "capital":
            pass
        elif (
            folded in words.NAME_PARTICLES
            and taken
            and following
            and following.group(1)[0].isupper()
        ):
            kind = "particle"
        elif (
            folded in words.NAME_STOPS
            or not same_as_before
            or (kind == "lower" and not (lowercase and len(taken) < 2))
            or len(taken) >= 3
        ):
            break
        kinds.append(kind)
        end = match.end() if match.group(2) and len(word) <= 3 else match.end(1)
        taken.append((match.start(1), end))
        pos = end
        if text[pos : pos + 1] not in (" ", "\t"):
            break
    if not taken or sum(k in ("capital", "uncased") for k in kinds) < capitals:
        return None
    if kinds[0] == "lower" and not lowercase:
        return None
    return taken[0][0], taken[-1][1]


def _names(text: str) -> Iterator[Span]:
    for pattern, lowercase, capitals in (
        (_INTRO, True, 0),
        (_LABEL, True, 0),
        (_WEAK, False, 1),
        (_WEAK_TWO, False, 2),
        (_TITLE, False, 1),
    ):
        for match in pattern.finditer(text):
            span = _name_after(text, match.end(), lowercase, capitals)
            if span:
                yield span


_DIGIT = r"\d"  # after folding, every digit a client wrote, in any script or shape
_AT_SIGN = r"[@(\[{<]"  # what every match of `_AT` starts with: an @, or a bracket before "at"

FINDERS: tuple[Finder, ...] = (
    _finder(EMAIL, needs=_AT_SIGN),
    _finder(EMAIL_SPELLED, needs=_WORD_AT),
    _finder(HANDLE),
    _platform_span,
    _finder(URL),
    _finder(MESSENGER_LINK),
    _finder(PROFILE_LINK),
    _finder(IBAN, _mixed, needs=_DIGIT),
    _finder(DIGIT_RUN, _identifying_number, needs=_DIGIT),
    _finder(DATE, _past_date, needs=_DIGIT),
    _finder(DATE_WITH_MONTH_NAME, _past_named_date, needs=_DIGIT),
    _finder(BIRTH, needs=_DIGIT),
    _finder(ANNOUNCED_NUMBER, needs=_DIGIT),
    _finder(FILE_NUMBER, needs=_DIGIT),
    _finder(ID_TOKEN, _mixed, needs=_DIGIT),
    _finder(GERMAN_DOCUMENT),
    _finder(SPLIT_ID, _split_id, needs=_DIGIT),
    _finder(GERMAN_STREET, needs=_DIGIT),
    _finder(POSTCODE_TOWN, needs=_DIGIT),
    _finder(STREET_BEFORE_NUMBER, needs=_DIGIT),
    _finder(NUMBER_BEFORE_STREET, needs=_DIGIT),
    _finder(STREET_WITHOUT_NUMBER),
    _names,
)
