"""`comehome i18n check`: what is missing or broken in each language, for translators and CI.

Errors (exit 1): placeholders that differ from the source, unbalanced or unknown Telegram-HTML
tags, a leading/trailing newline that differs, plural forms missing or a wrong `Plural-Forms`
header, texts over Telegram's limits or a button over the budget in its translator note, a
glossary term not used (locales/glossary.csv), and
whatever `msgfmt --check` (GNU gettext) finds.
Missing and fuzzy messages are reported, not errors: the source text is shown until translated.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.glossary import Glossary
from bot.i18n import placeholders, placeholders_match, tag_problem, tags_match
from bot.i18n_status import REVIEW_SCREENS, Offer, Status, read_reviews, reviews_path, status_of
from bot.po import texts
from bot.translator_notes import over_budget

MESSAGE_LIMIT = 4096  # sendMessage
LABEL_LIMIT = 64  # button labels (msgctxt button/edit/…): keep them short enough for a phone
_PLURAL_FORMS = re.compile(r"^\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*$")
PLURAL_SAMPLES = (*range(10_001), 1_000_000)


def plural_meaning(rule: str) -> tuple[int, tuple[int, ...]] | None:
    """What a `Plural-Forms` rule says: its number of forms and the form it picks for each sample.

    Two rules mean the same when these are equal, however each is written. None: not a rule.
    """
    match = _PLURAL_FORMS.match(rule)
    if not match:
        return None
    try:
        choose = gettext.c2py(match.group(2))
    except (ValueError, SyntaxError, RecursionError):
        return None
    return int(match.group(1)), tuple(choose(n) for n in PLURAL_SAMPLES)


def plural_problem(found: str, expected: str) -> str | None:
    """None when the catalog's rule means what languages.toml says it must."""
    wanted = plural_meaning(expected)
    if wanted is None:
        return f"languages.toml's plural_forms {expected!r} is not a gettext plural rule"
    meaning = plural_meaning(found)
    if meaning is None:
        return f"Plural-Forms {found!r} is not a gettext plural rule"
    if meaning[0] != wanted[0]:
        return f"Plural-Forms has {meaning[0]} forms; languages.toml says {expected!r}"
    if meaning[1] != wanted[1]:
        n = next(n for n, a, b in zip(PLURAL_SAMPLES, meaning[1], wanted[1], strict=True) if a != b)
        return f"Plural-Forms {found!r} picks another form than {expected!r} for n = {n}"
    return None


@dataclass
class Report:
    code: str
    total: int = 0
    translated: int = 0
    fuzzy: int = 0
    missing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    progress: Status | None = None  # key screens translated and reviewed

    @property
    def coverage(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def check_message(message: Message, catalog: Catalog) -> list[str]:
    ids, strings = texts(message.id), texts(message.string)
    where = f"msgid {ids[0][:50]!r}"
    problems = []
    if isinstance(message.id, tuple):
        expected = catalog.num_plurals
        if len(strings) != expected or (any(strings) and not all(strings)):
            problems.append(
                f"{where}: needs {expected} plural forms, has {sum(map(bool, strings))}"
            )
    for translated in filter(None, strings):
        source = ids[0] if len(ids) == 1 else ids[-1]
        plural = len(ids) > 1
        if not placeholders_match(source, translated, plural) and not placeholders_match(
            ids[0], translated, plural
        ):
            problems.append(
                f"{where}: placeholders {sorted(placeholders(translated))} "
                f"differ from the source {sorted(placeholders(source))}"
            )
        if (problem := tag_problem(translated)) and not tag_problem(ids[0]):
            problems.append(f"{where}: {problem}")
        elif not tags_match(ids[0], translated):
            problems.append(f"{where}: tags differ from the source (clients would see English)")
        if translated.startswith("\n") != ids[0].startswith("\n") or translated.endswith(
            "\n"
        ) != ids[0].endswith("\n"):
            problems.append(f"{where}: leading or trailing newline differs from the source")
        limit = LABEL_LIMIT if message.context else MESSAGE_LIMIT
        if len(translated) > limit:
            problems.append(f"{where}: {len(translated)} characters, over the limit of {limit}")
    return problems


def check_catalog(
    code: str,
    po: Path,
    template: Catalog,
    plural_forms: str | None,
    glossary: Glossary | None = None,
) -> Report:
    """`plural_forms`: the language's rule as languages.toml states it (None: it states none);
    `glossary`: the approved terms that tagged messages must use."""
    report = Report(code)
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    if plural_forms is None:
        report.errors.append(f"locales/languages.toml states no plural_forms for {code}")
    elif problem := plural_problem(catalog.plural_forms, plural_forms):
        report.errors.append(problem)
    for message in template:
        if not message.id:
            continue
        report.total += 1
        translated = catalog.get(message.id, message.context)
        strings = translated.string if translated is not None else ""
        partial = isinstance(strings, tuple) and any(strings) and not all(strings)
        if partial and translated is not None and not translated.fuzzy:
            report.errors.append(
                f"msgid {message.id[0][:50]!r}: needs {catalog.num_plurals} "
                f"plural forms, has {sum(map(bool, texts(strings)))}"
            )
        if translated is None or not (all(strings) if isinstance(strings, tuple) else strings):
            report.missing.append(texts(message.id)[0])
            continue
        if translated.fuzzy:
            report.fuzzy += 1
            continue
        report.translated += 1
        report.errors.extend(check_message(translated, catalog))
        report.errors.extend(over_budget(message, translated))
        if glossary is not None:
            report.errors.extend(glossary.violations(code, translated))
    report.errors.extend(pofilter(po))
    if shutil.which("msgfmt"):
        result = subprocess.run(
            ["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True
        )
        if result.returncode:
            report.errors.extend(line for line in result.stderr.splitlines() if line.strip())
    return report


POFILTER_TESTS = ("xmltags", "nplurals", "newlines", "escapes", "untranslated", "isfuzzy")


def pofilter(po: Path) -> list[str]:
    """translate-toolkit's pofilter findings (it always exits 0: the findings are counted here).

    Untranslated and fuzzy messages are reported as coverage above, not twice as errors.
    """
    command = shutil.which("pofilter") or str(Path(sys.executable).with_name("pofilter"))
    if not Path(command).exists():
        return []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "findings.po"
        tests = [arg for test in POFILTER_TESTS for arg in ("-t", test)]
        subprocess.run(
            [command, "--progress=none", *tests, str(po), str(out)],
            capture_output=True,
            check=False,
        )
        if not out.exists():
            return []
        findings = re.findall(r"# \(pofilter\) (\w+): (.*)", out.read_text(encoding="utf-8"))
    return [
        f"pofilter {test}: {what}"
        for test, what in findings
        if test not in ("untranslated", "isfuzzy")
    ]


def run_check(
    locales: Path,
    pot: Path,
    out: TextIO,
    languages: list[str] | None = None,
    status: bool = False,
) -> int:
    """`status`: also print, per language, translated and reviewed messages and the key screens
    a native speaker has not reviewed yet."""
    started = time.perf_counter()
    with pot.open("rb") as handle:
        template = read_po(handle)
    listed = tomllib.loads((locales / "languages.toml").read_text(encoding="utf-8"))["language"]
    rules = {entry["code"]: entry.get("plural_forms") for entry in listed}
    glossary_file = locales / "glossary.csv"
    glossary = Glossary.load(glossary_file) if glossary_file.exists() else None
    reports = []
    for entry in listed:
        code = entry["code"]
        po = locales / code / "LC_MESSAGES" / "messages.po"
        if entry.get("source") or not po.exists() or (languages and code not in languages):
            continue
        report = check_catalog(code, po, template, rules[code], glossary)
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        report.progress = status_of(code, catalog, read_reviews(reviews_path(locales, code)))
        reports.append(report)
    staff_pot = pot.parent / "staff.pot"
    if staff_pot.exists() and not languages:
        with staff_pot.open("rb") as handle:
            staff_template = read_po(handle)
        for po in sorted(locales.glob("*/LC_MESSAGES/staff.po")):
            code = po.parent.parent.name
            report = check_catalog(code, po, staff_template, rules.get(code))
            report.code = f"{code}/staff"
            reports.append(report)
    out.write(f"{'language':<12}{'coverage':>10}{'fuzzy':>7}{'missing':>9}{'errors':>8}\n")
    for report in reports:
        out.write(
            f"{report.code:<12}{report.coverage:>9.1f}%{report.fuzzy:>7}"
            f"{len(report.missing):>9}{len(report.errors):>8}\n"
        )
    offer = Offer.load(locales / "languages.toml")
    for report in reports:
        if report.progress is not None and not report.progress.offered(offer):
            write_not_offered(report.progress, offer, out)
    if status:
        write_status(reports, offer, out)
    for report in reports:
        for error in report.errors:
            out.write(f"{report.code}: error: {error}\n")
    errors = sum(len(report.errors) for report in reports)
    out.write(
        f"checked {len(reports)} languages in {time.perf_counter() - started:.2f} s: "
        f"{errors} errors\n"
    )
    return 1 if errors else 0


def write_not_offered(progress: Status, offer: Offer, out: TextIO) -> None:
    """Why clients do not see a language yet: its untranslated messages of the offer screens."""
    out.write(
        f"{progress.code}: not offered to clients: {progress.coverage(offer.screens):.1f}% of "
        f"{', '.join(offer.screens)} translated, {offer.coverage:.0f}% needed\n"
    )
    for screen in offer.screens:
        for msgid in progress.untranslated.get(screen, []):
            out.write(f"{progress.code}:   {screen}: {msgid[:60]!r}\n")


def write_status(reports: list[Report], offer: Offer, out: TextIO) -> None:
    """Per language: translated, reviewed by a native speaker, offered, and what is unreviewed."""
    out.write(
        f"\n{'language':<12}{'translated':>12}{'reviewed':>10}{'offered':>9}  "
        f"{'notice':<8}unreviewed key screens\n"
    )
    for report in reports:
        progress = report.progress
        if progress is None:
            continue
        open_screens = [
            screen
            for screen in REVIEW_SCREENS
            if progress.unreviewed.get(screen) or progress.untranslated.get(screen)
        ]
        out.write(
            f"{progress.code:<12}{f'{progress.translated}/{progress.total}':>12}"
            f"{progress.reviewed:>10}{'yes' if progress.offered(offer) else 'no':>9}  "
            f"{'draft' if open_screens else 'none':<8}{', '.join(open_screens) or '-'}\n"
        )
    out.write("\n")
