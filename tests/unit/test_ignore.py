"""Ignore rules: gitignore patterns, negation, override, Stow regex files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dot.errors import ConfigError, InvalidPattern
from dot.ignore import DEFAULT_PATTERNS, PRECOMPUTED, RuleBuilder


def rules(*lines: str, override: tuple[str, ...] = (), stow: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    builder = RuleBuilder()
    builder.gitignore(DEFAULT_PATTERNS, "built-in defaults")
    if stow:
        builder.stow_regexes(stow, ".stow-local-ignore")
    builder.gitignore(lines, ".dotignore", numbered=True)
    builder.gitignore(override, "--override", negate=True)
    return builder.build()


@pytest.mark.parametrize(
    ("path", "is_dir"),
    [
        (".git", True),
        ("sub/.git", True),
        (".gitignore", False),
        ("notes.txt~", False),
        ("#draft#", False),
        (".#lock", False),
        (".DS_Store", False),
        ("deep/Thumbs.db", False),
        ("README.md", False),
        ("LICENSE", False),
        ("COPYING", False),
        (".dotignore", False),
        (".stow-local-ignore", False),
        ("CVS", True),
    ],
)
def test_defaults_ignore(path: str, is_dir: bool) -> None:
    assert rules().ignored(path, is_dir)


@pytest.mark.parametrize(
    "path",
    ["dot-gitignore", "sub/README.md", "vimrc", "dot-config/nvim/init.lua", "COPYING.txt"],
)
def test_defaults_keep(path: str) -> None:
    assert not rules().ignored(path, False)


def test_package_side_names_are_matched_not_translated_ones() -> None:
    # ".gitignore" must not hit "dot-gitignore", which becomes ~/.gitignore.
    assert not rules().ignored("dot-gitignore", False)


def test_dotignore_lines_add_up_and_negation_reincludes() -> None:
    r = rules("*.bak", "cache/", "!keep.bak")
    assert r.ignored("x.bak", False)
    assert not r.ignored("keep.bak", False)
    assert r.ignored("cache", True)
    assert not r.ignored("cache", False)  # "cache/" matches directories only


def test_negation_can_reinclude_a_default() -> None:
    assert not rules("!/README.md").ignored("README.md", False)


def test_override_wins_over_everything() -> None:
    r = rules("*.conf", override=("special.conf", "README*"))
    assert r.ignored("other.conf", False)
    assert not r.ignored("special.conf", False)
    assert not r.ignored("README.md", False)


def test_stow_regexes_match_basename_or_path() -> None:
    r = rules(stow=(r"\.swp", r"^/build/.*", r"tmp\d+  # trailing comment"))
    assert r.ignored("a/b/.swp", False)
    assert not r.ignored("a/x.swp", False)  # basename must match entirely
    assert r.ignored("build/out", False)
    assert not r.ignored("src/build/out", False)
    assert r.ignored("tmp12", False)


def test_why_names_the_deciding_rule() -> None:
    r = rules("*.bak")
    assert r.why("x.bak", False) == ".dotignore:1: *.bak"
    assert "README" in r.why("README.md", False)
    assert r.why("vimrc", False) == ""


def test_bad_gitignore_pattern_is_a_clear_error() -> None:
    builder = RuleBuilder()
    with pytest.raises(InvalidPattern, match="bad ignore pattern"):
        builder.gitignore(["trailing\\"], "--ignore")


def test_bad_stow_regex_is_a_config_error_with_location() -> None:
    builder = RuleBuilder()
    with pytest.raises(ConfigError, match=r"\.stow-local-ignore:2"):
        builder.stow_regexes(["ok", "bad(regex"], ".stow-local-ignore")


def test_digest_changes_with_the_rules() -> None:
    assert rules("*.a").digest != rules("*.b").digest
    assert rules("*.a").digest == rules("*.a").digest


# --- the precomputed translations of the defaults ---------------------------------------

# Paths that each default pattern should and should not hit, at the top and deeper.
_CORPUS = [
    *(p.lstrip("/").replace("\\", "").replace("*", "x") for p in DEFAULT_PATTERNS),
    *("a/" + p.lstrip("/").replace("\\", "").replace("*", "") for p in DEFAULT_PATTERNS),
    "README",
    "READMEx/y",
    "a/README.md",
    "x.git",
    ".gitx",
    "a~b",
    "#",
    "##",
    "a/#b#/c",
    ".#",
    "Thumbs.dbx",
    "COPYINGx",
    "sub/.dotignore",
    "plain",
]


def _pathspec_regex(pattern: str) -> re.Pattern[str]:
    import pathspec

    cls = type(pathspec.GitIgnoreSpec.from_lines(["x"]).patterns[0])
    regex, include = cls.pattern_to_regex(pattern)
    assert include is True
    return re.compile(regex)


def test_every_default_pattern_has_a_precomputed_translation() -> None:
    assert set(PRECOMPUTED) == set(DEFAULT_PATTERNS)
    assert all(include for _regex, include in PRECOMPUTED.values())


@pytest.mark.parametrize("pattern", DEFAULT_PATTERNS)
def test_precomputed_translation_matches_what_pathspec_matches(pattern: str) -> None:
    ours = re.compile(PRECOMPUTED[pattern][0])
    theirs = _pathspec_regex(pattern)
    hits = 0
    for path in _CORPUS:
        for subject in (path, path + "/"):
            assert bool(ours.match(subject)) == bool(theirs.match(subject)), (pattern, subject)
            hits += bool(ours.match(subject))
    assert hits > 0, f"the corpus never exercises {pattern!r}"


@settings(max_examples=300, deadline=None, database=None)
@given(path=st.text(alphabet="ab.#~/_RDMEgitCVSLOPYN", min_size=1, max_size=12))
def test_precomputed_translations_agree_with_pathspec_on_random_paths(path: str) -> None:
    for pattern in DEFAULT_PATTERNS:
        ours = re.compile(PRECOMPUTED[pattern][0])
        assert bool(ours.match(path)) == bool(_pathspec_regex(pattern).match(path)), pattern


_IMPORTS = """
import sys
from dot.cli import app
try:
    app.main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
lazy = ("pathspec", "rich", "concurrent.futures", "tomllib", "shutil", "dot.cli.completion",
        "dot.cli.profiling", "hashlib", "dataclasses")
print(code, *sorted(m for m in lazy if m in sys.modules))
"""


@pytest.mark.parametrize(
    ("dotignore", "expected"),
    [(None, "0"), ("*.bak\n", "0 dataclasses pathspec")],  # (pathspec uses dataclasses)
    ids=["defaults-only", "with-dotignore"],
)
def test_pathspec_is_imported_only_for_patterns_beyond_the_defaults(
    tmp_path: Path, dotignore: str | None, expected: str
) -> None:
    """Start-up: `dot -q manage` of a package with only the default rules imports
    neither pathspec, rich nor concurrent.futures (a small sequential plan), nor
    tomllib without a config file, nor shutil, completion or the profilers, nor all of
    hashlib (dot.sha takes SHA-256 alone)."""
    package = tmp_path / "dotfiles" / "vim"
    package.mkdir(parents=True)
    (package / "dot-vimrc").write_text("set nu\n")
    (package / "README.md").write_text("ignored\n")
    if dotignore is not None:
        (package / ".dotignore").write_text(dotignore)
    home = tmp_path / "home"
    home.mkdir()
    argv = ["-q", "-d", str(package.parent), "-t", str(home), "manage", "vim"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOT_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(tmp_path / "config"), NO_COLOR="1")
    out = subprocess.run(
        [sys.executable, "-c", _IMPORTS, *argv],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert out.strip() == expected
    assert (home / ".vimrc").is_symlink()
    assert not (home / "README.md").exists()


_USER_PATTERNS = (
    *DEFAULT_PATTERNS,
    "*.bak",
    "build/",
    "/top.txt",
    "docs/**/*.md",
    "a?c",
    "[ab]x",
    "**/cache",
    "x/y",
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    picked=st.lists(st.sampled_from(_USER_PATTERNS), min_size=2, max_size=8, unique=True),
    path=st.text(alphabet="abxy./_~#cREADMEtopbuildocsh", min_size=1, max_size=14),
)
def test_a_merged_run_matches_exactly_when_one_of_its_patterns_does(
    picked: list[str], path: str
) -> None:
    from dot.ignore import _alternation

    regexes = [_pathspec_regex(p) for p in picked]
    merged = re.compile(_alternation(tuple(r.pattern for r in regexes)))
    for subject in (path, path + "/"):
        assert bool(merged.match(subject)) == any(r.match(subject) for r in regexes), subject
