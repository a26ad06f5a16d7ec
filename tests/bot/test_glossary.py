"""The glossary: the promise and the status words, fixed per language and held by the check."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.config import ROOT
from bot.glossary import Glossary
from bot.i18n import Catalogs
from bot.i18n_check import run_check

LOCALES = ROOT / "locales"
GLOSSARY = Glossary.load(LOCALES / "glossary.csv")
SHIPPED = [code for code, info in Catalogs(LOCALES).languages.items() if not info.source]
CONCEPTS = (
    "ausländerbehörde",
    "bamf",
    "duldung",
    "aufenthaltsgestattung",
    "return_counselling",
    "interpreter",
    "appointment",
    "case_code",
    "reag_garp",
    "starthilfeplus",
    "continue_code",
)


@pytest.mark.parametrize("code", SHIPPED)
def test_every_language_has_an_approved_term_for_every_concept(code: str) -> None:
    """Check that the glossary gives each shipped language a term for each of the eleven concepts."""
    assert set(GLOSSARY.concepts) == set(CONCEPTS)
    missing = [concept for concept in CONCEPTS if GLOSSARY.term(concept, code) is None]
    assert missing == [], (code, missing)


@pytest.mark.parametrize("code", [code for code in SHIPPED if code != "de"])
def test_the_foreigners_authority_is_never_named_with_the_bamf_word(code: str) -> None:
    """Check that the Ausländerbehörde's approved term carries the German word in brackets, does
    not pass for the BAMF term, and that Duldung is glossed with the German word in brackets."""
    authority = GLOSSARY.term("ausländerbehörde", code)
    bamf = GLOSSARY.term("bamf", code)
    duldung = GLOSSARY.term("duldung", code)
    assert authority is not None and bamf is not None and duldung is not None
    assert authority.term.endswith("(Ausländerbehörde)")
    assert not authority.pattern.search(bamf.term) and not bamf.pattern.search(authority.term)
    assert duldung.term.endswith("(Duldung)") and duldung.pattern.search(duldung.term)


@pytest.mark.parametrize("code", SHIPPED)
def test_every_approved_term_satisfies_its_own_rule(code: str) -> None:
    """Check that a translator who writes the approved term passes the check (no rule too strict)."""
    for concept in CONCEPTS:
        entry = GLOSSARY.term(concept, code)
        assert entry is not None and entry.pattern.search(entry.term), (code, concept)


@pytest.mark.parametrize("code", SHIPPED)
def test_the_code_to_continue_never_uses_the_word_for_the_return_home(code: str) -> None:
    """Check that the approved term for the web door's code to continue does not pass for the
    language's word for the return home (a client would think the code is about the journey)."""
    code_term = GLOSSARY.term("continue_code", code)
    returning = GLOSSARY.term("return_counselling", code)
    assert code_term is not None and returning is not None
    assert not returning.pattern.search(code_term.term)
    assert not code_term.pattern.search(returning.term)


HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
)
PROMISE = "The immigration authority (Ausländerbehörde) is <b>not</b> informed."


@pytest.mark.parametrize(
    "msgid,msgstr,passes",
    [
        (PROMISE, "Göç İdaresine (Ausländerbehörde) bilgi <b>verilmez</b>.", False),
        (PROMISE, "Yabancılar Dairesine bilgi <b>verilmez</b>.", False),
        (PROMISE, "Yabancılar Dairesine (Ausländerbehörde) bilgi <b>verilmez</b>.", True),
        ("I have a code to continue", "Dönüş kodum var", False),
        ("I have a code to continue", "Devam kodum var", True),
        ("Suspension of deportation (Duldung)", "Geçici hoşgörü (Duldung)", False),
        ("Suspension of deportation (Duldung)", "Sınır dışı edilmenin ertelenmesi (Duldung)", True),
    ],
)
def test_the_check_fails_when_a_message_leaves_out_the_approved_term(
    tmp_path: Path, msgid: str, msgstr: str, passes: bool
) -> None:
    """Check that `i18n check` reports a Turkish promise naming the migration office, Duldung
    as "tolerance", or the code to continue as a "return code", and accepts the approved terms."""
    shutil.copy(LOCALES / "languages.toml", tmp_path / "languages.toml")
    shutil.copy(LOCALES / "glossary.csv", tmp_path / "glossary.csv")
    folder = tmp_path / "tr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        HEADER + f'msgid "{msgid}"\nmsgstr "{msgstr}"\n', encoding="utf-8"
    )
    pot = tmp_path / "messages.pot"
    pot.write_text(HEADER + f'msgid "{msgid}"\nmsgstr ""\n', encoding="utf-8")
    out = io.StringIO()
    run_check(tmp_path, pot, out, languages=["tr"])
    assert ("glossary" not in out.getvalue()) is passes, out.getvalue()


def test_the_shipped_catalogs_use_the_glossary() -> None:
    """Check that no shipped translation of a glossary-tagged message misses its approved term."""
    with (LOCALES / "messages.pot").open("rb") as handle:
        template = [m for m in read_po(handle) if m.id]
    problems = []
    for code in SHIPPED:
        with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=code)
        for message in template:
            translated = catalog.get(message.id, message.context)
            if translated is not None and translated.string:
                problems += [f"{code}: {p}" for p in GLOSSARY.violations(code, translated)]
    assert problems == []
