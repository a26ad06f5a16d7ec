"""How much of a generated corpus of identifiers the note scrubber removes, and what it spares.

    .venv/bin/python -m benchmarks.scrub_corpus --per-kind 2000 --seed 7

Each identifier is made at random in one of the shapes PRIVACY.md lists, disguised the way a
determined typist might (separators, digit systems, zero-width characters, spelled-out @), and
put inside an ordinary sentence in one of several languages. An identifier counts as removed when
none of its letters-and-digits core is left in the scrubbed note. Ordinary notes (counts, ages,
years, times, wished days) are generated the same way and count as spoiled when anything in them
changes. Names, words and sentences here are deliberately not the ones the tests use.
"""

from __future__ import annotations

import argparse
import random
import re
import string
from collections.abc import Callable

from flows.folding import ascii_digits
from flows.scrub import scrub

FRAMES = (
    "Guten Tag, {} und wir brauchen einen Dolmetscher.",
    "Hello! {} Thank you.",
    "شكراً لكم، {} مع السلامة",
    "با تشکر، {} خداحافظ",
    "Добрый день. {} Жду ответа.",
    "İyi günler, {} sağ olun",
    "Mirëdita, {} faleminderit",
    "Dobar dan, {} hvala",
    "Слава, {} дякую",
    "ზოგადად {} გმადლობთ",
    "Spas, {} bi xêr",
    "مننه، {} په درناوی",
    "شکریہ، {} خدا حافظ",
)
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
DIGITS = (
    "0123456789",
    "٠١٢٣٤٥٦٧٨٩",
    "۰۱۲۳۴۵۶۷۸۹",
    "０１２３４５６７８９",
    "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "⓪①②③④⑤⑥⑦⑧⑨",
    "❶❷❸❹❺❻❼❽❾",
    "߀߁߂߃߄߅߆߇߈߉",
)
FIRST = ("Mohammed", "Aisha", "Dawit", "Ilir", "Giorgi", "Svitlana", "Hamid", "Rojda", "Samira")
LAST = ("Rahimi", "Noori", "Tesfaye", "Berisha", "Beridze", "Kovalenko", "Yousufzai", "Aydin")

Made = tuple[str, str]  # (as written in the note, its core that must not survive)


def digits_in(rng: random.Random, digits: str) -> str:
    system = rng.choice(DIGITS)
    return "".join(system[int(d) % len(system)] if d.isdigit() else d for d in digits)


def grouped(rng: random.Random, digits: str) -> str:
    sep = rng.choice([" ", ".", ",", "_", "-", "/", " / ", "  ", rng.choice(ZERO_WIDTH), "·"])
    size = rng.choice([2, 3, 4])
    return sep.join(digits[i : i + size] for i in range(0, len(digits), size))


def phone(rng: random.Random) -> Made:
    digits = rng.choice(["015", "017", "016", "089", "030", "004917", "4915"]) + "".join(
        rng.choices(string.digits, k=rng.randint(7, 9))
    )
    written = digits_in(rng, grouped(rng, digits))
    return (("+" if digits.startswith("49") else "") + written, digits)


def e_mail(rng: random.Random) -> Made:
    local = f"{rng.choice(FIRST).lower()}{rng.choice(['.', '_', ''])}{rng.choice(LAST).lower()}"
    local += str(rng.randint(0, 99)) if rng.random() < 0.5 else ""
    at = rng.choice(["@", "＠", " @ ", "(at)", "[at]", " (at) ", "{at}", " at "])
    dot = rng.choice([".", " . ", "(dot)", "[dot]", " dot ", " punkt "])
    host = rng.choice(["gmail", "outlook", "yandex", "gmx", "mail", "hotmail", "icloud"])
    tld = rng.choice(["com", "de", "ru", "net", "org"])
    return f"{local}{at}{host}{dot}{tld}", local


def handle(rng: random.Random) -> Made:
    name = f"{rng.choice(FIRST).lower()}_{rng.choice(LAST).lower()}{rng.randint(1, 99)}"
    form = rng.choice(
        [
            "@{}",
            "Telegram @{}",
            "Instagram: {}",
            "insta {}",
            "t.me/{}",
            "wa.me/{}",
            "https://instagram.com/{}",
            "facebook.com/{}",
            "vk.com/{}",
            "tiktok.com/@{}",
        ]
    )
    return form.format(name), name


def iban(rng: random.Random) -> Made:
    number = "DE" + "".join(rng.choices(string.digits, k=20))
    written = " ".join(number[i : i + 4] for i in range(0, 22, 4)) if rng.random() < 0.6 else number
    return written, number


def passport(rng: random.Random) -> Made:
    token = "".join(rng.choices("CFGHJKLMNPRTVWXYZ0123456789", k=9))
    word = rng.choice(["Pass", "Reisepass", "Ausweis", "passport", "Personalausweis-Nr.", "ID", ""])
    return f"{word} {token}".strip(), token


def id_token(rng: random.Random) -> Made:
    length = rng.randint(6, 12)
    token = list(rng.choices(string.ascii_uppercase + string.digits, k=length))
    digit_at, letter_at = rng.sample(range(length), 2)
    token[digit_at], token[letter_at] = (
        rng.choice(string.digits),
        rng.choice(string.ascii_uppercase),
    )
    return "".join(token), "".join(token)


def file_number(rng: random.Random) -> Made:
    number = (
        f"{rng.randint(1, 30)} {rng.choice('KEAS')} {rng.randint(10, 9999)}/{rng.randint(10, 26)}"
    )
    form = rng.choice(["Az. {}", "AZ {}", "Aktenzeichen: {}", "Gz. {}", "{}", "Az.: M {}"])
    return form.format(number), number.split(" ", 2)[2]


def birth_date(rng: random.Random) -> Made:
    year = rng.randint(1950, 2019)
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    date = rng.choice(
        [
            f"{day}.{month}.{year}",
            f"{day:02d}/{month:02d}/{year}",
            f"{year}-{month:02d}-{day:02d}",
            f"{day}. März {year}",
        ]
    )
    form = rng.choice(
        [
            "geboren am {}",
            "geb. {}",
            "born on {}",
            "DOB {}",
            "{}",
            "né le {}",
            "doğum tarihi {}",
            "родился {}",
        ]
    )
    return form.format(date), str(year)


def street(rng: random.Random) -> Made:
    name = rng.choice(["Linden", "Goethe", "Rosenheimer", "Bahnhof", "Tal", "Leopold", "Sonnen"])
    kind = rng.choice(["straße", "str.", "weg", "platz", "allee", "gasse", "strasse"])
    number = f"{rng.randint(1, 199)}{rng.choice(['', 'a', 'b', ' c'])}"
    form = rng.choice(
        ["{0}{1} {2}", "in der {0}{1} {2}", "{0}{1} {2}, {3} München", "{3} Dachau, {0}{1} {2}"]
    )
    return form.format(name, kind, number, rng.randint(80000, 89999)), name


def introduction(rng: random.Random) -> Made:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    form = rng.choice(
        [
            "ich heisse {}, ",
            "Mein Vorname ist {}",
            "hi, my full name is {}",
            "They call me {}",
            "انا اسمي {} من سوريا",
            "سلام اسمم {} است",
            "نامم {} است",
            "زما نوم {} دی او",
            "میرا نام {} ہے اور",
            "Navê min {} e û",
            "من ناوم {}ە",
            "ჩემი სახელია {}",
            "Здравствуйте, меня зовут {}",
            "Мене звуть {}",
            "je m’appelle {}",
            "Unë quhem {}",
            "Moje ime je {}",
            "Adım {}",
            "Menim adim {}",
            "Nachname: {}",
            "Frau {}",
            "I'm {}",
        ]
    )
    return form.format(f"{first} {last}"), last


KINDS: dict[str, Callable[[random.Random], Made]] = {
    "phone": phone,
    "e-mail": e_mail,
    "handle/link": handle,
    "IBAN": iban,
    "passport/ID card": passport,
    "ID-like token": id_token,
    "file number": file_number,
    "date of birth": birth_date,
    "street address": street,
    "self-introduced name": introduction,
}

ORDINARY = (
    "Wir sind {a} Erwachsene und {k} Kinder.",
    "Bitte vormittags, vor {h} Uhr.",
    "Seit {y} in Deutschland.",
    "Mein Sohn ist {k} Jahre alt.",
    "before {h}, please",
    "We are {a} adults and {k} children.",
    "Am liebsten am {d}.{m}.2027.",
    "Bitte nach {h}:30.",
    "ما {a} نفر هستیم",
    "نحن {k} أطفال",
    "Нас {a} взрослых и {k} детей.",
    "{k} çocuğumuz var.",
    "Kinder {k}, {k} und {a} Jahre alt.",
    "Zwischen {h}.00 und {h}.30",
    "Schon {k} Jahre hier.",
)


def core_left(note: str, core: str) -> bool:
    flat = re.sub(r"\W", "", ascii_digits(note)).casefold()
    return re.sub(r"\W", "", core).casefold() in flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    total_removed = total = 0
    print(f"{'kind':<22}{'removed':>9}{'of':>7}{'share':>9}   one that survived")
    for kind, make in KINDS.items():
        removed, example = 0, ""
        for _ in range(args.per_kind):
            written, core = make(rng)
            note = rng.choice(FRAMES).format(written)
            clean, _ = scrub(note)
            if core_left(clean, core):
                example = example or written
            else:
                removed += 1
        total_removed += removed
        total += args.per_kind
        print(
            f"{kind:<22}{removed:>9}{args.per_kind:>7}{removed / args.per_kind:>9.1%}   {example!r}"
        )
    print(f"{'all identifiers':<22}{total_removed:>9}{total:>7}{total_removed / total:>9.1%}")
    spoiled, example = 0, ""
    for _ in range(args.per_kind):
        values = {
            "a": rng.randint(1, 4),
            "k": rng.randint(1, 17),
            "h": rng.randint(8, 16),
            "y": rng.randint(2010, 2025),
            "d": rng.randint(1, 28),
            "m": rng.randint(1, 12),
        }
        note = rng.choice(FRAMES).format(rng.choice(ORDINARY).format(**values))
        if scrub(note)[1]:
            spoiled += 1
            example = example or note
    print(
        f"{'ordinary notes changed':<22}{spoiled:>9}{args.per_kind:>7}"
        f"{spoiled / args.per_kind:>9.1%}   {example!r}"
    )


if __name__ == "__main__":
    main()
