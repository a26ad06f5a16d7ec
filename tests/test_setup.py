"""The first hour of a newcomer: installs that do not drift, and documentation that works as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ROOT
from bot.i18n import Catalogs

UV = ROOT / ".tools" / "bin" / "uv"
DOCS = sorted(ROOT.glob("*.md")) + sorted((ROOT / "docs").glob("*.md"))


def uv_lock_check(folder: Path, *, offline: bool = True) -> subprocess.CompletedProcess[str]:
    uv = str(UV) if UV.exists() else shutil.which("uv")
    assert uv, "uv is missing: `make test` installs it under .tools/"
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    return subprocess.run(
        [uv, "lock", "--check", *(["--offline"] if offline else []), "--python", sys.executable],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_lock_file_is_in_step_with_pyproject() -> None:
    """Check that uv.lock pins exactly what pyproject.toml asks for (run `make lock` if not)."""
    result = uv_lock_check(ROOT)
    assert result.returncode == 0, result.stderr


def test_a_dependency_added_without_locking_is_caught(tmp_path: Path) -> None:
    """Check that a dependency added to pyproject.toml but not to uv.lock fails the check."""
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    pyproject = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    added = pyproject.replace("dependencies = [\n", 'dependencies = [\n    "six>=1.16",\n', 1)
    assert added != pyproject
    (tmp_path / "pyproject.toml").write_text(added, encoding="utf-8")
    # Online: resolving a new requirement needs the index's pages, which a fresh machine has not
    # cached (offline, uv fails earlier with "No solution found", for a reason this test is not about).
    result = uv_lock_check(tmp_path, offline=False)
    assert result.returncode != 0 and "needs to be updated" in result.stderr


def test_every_locked_package_carries_a_hash() -> None:
    """Check that every package in uv.lock is pinned by version and hash, not by name alone."""
    lock = (ROOT / "uv.lock").read_text(encoding="utf-8")
    packages = lock.split("\n[[package]]\n")[1:]
    assert len(packages) > 20
    for package in packages:
        name = re.search(r'^name = "([^"]+)"', package, re.M)
        assert name and re.search(r'^version = "', package, re.M), package[:80]
        if name.group(1) != "comehome":
            assert 'hash = "sha256:' in package, name.group(1)


def test_the_production_secrets_recipe_works_as_written(tmp_path: Path) -> None:
    """Check that OPERATIONS.md's lines for fresh secrets leave them exported and kept in a file."""
    operations = (ROOT / "OPERATIONS.md").read_text(encoding="utf-8")
    shell = "\n".join(re.findall(r"```sh\n(.*?)```", operations, re.S))
    recipe = [line.split("#")[0] for line in shell.splitlines() if "secrets.env" in line]
    assert len(recipe) == 2 and "keys new" in recipe[0]
    show = "import os; print(sorted(k for k in os.environ if k.startswith('COMEHOME_')))"
    script = "\n".join([*recipe, f'{sys.executable} -c "{show}"'])
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMEHOME_")}
    result = subprocess.run(
        ["bash", "-ec", script], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "'COMEHOME_CHAT_KEYS', 'COMEHOME_PEPPER', 'COMEHOME_WEBHOOK_SECRET'" in result.stdout
    assert (tmp_path / "secrets.env").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_a_doc_that_shows_commands_says_how_to_run_them(doc: Path) -> None:
    """Check that a page showing bare `comehome …` commands says once how to make them work."""
    text = doc.read_text(encoding="utf-8")
    bare = re.search(
        r"(?:^|[`\s])comehome (?:run|chat|i18n|keys|office|slots|staff|support|stats|migrate|privacy|readme|web|appointments)\b",
        text,
        re.M,
    )
    if bare:
        assert "source .venv/bin/activate" in text, f"{doc.name} shows {bare.group(0)!r}"


NUMBER_WORDS = {16: "Sixteen", 17: "Seventeen", 18: "Eighteen", 19: "Nineteen", 20: "Twenty"}


def test_the_languages_are_counted_the_same_way_everywhere() -> None:
    """Check that README and STAFF.md give the number of languages a client can choose from."""
    offered = len(Catalogs(ROOT / "locales").codes)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    staff = (ROOT / "STAFF.md").read_text(encoding="utf-8")
    assert f"## Languages\n\n{NUMBER_WORDS[offered]} " in readme
    assert f"in {offered} languages" in staff
    for text in (readme, staff):
        for word in re.findall(r"\b(\w+) languages\b", text, re.I):
            named = word.capitalize() in NUMBER_WORDS.values() or word.isdecimal()
            assert not named or word.capitalize() in (NUMBER_WORDS[offered], str(offered)), word


def test_every_type_ignore_says_why() -> None:
    """Check that each `# type: ignore[...]` in bot/, flows/ and storage/ is followed by a
    comment saying why the checker cannot see what is true there (mypy --strict holds the rest)."""
    ignore = re.compile(r"#\s*type:\s*ignore(\[[^\]]*\])?(?P<why>\s*#\s*\S.*)?$")
    unexplained = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("bot", "flows", "storage")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if (found := ignore.search(line)) and not found.group("why")
    ]
    assert unexplained == []
