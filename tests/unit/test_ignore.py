"""Ignore rules: gitignore patterns, negation, override, Stow regex files."""

from __future__ import annotations

import pytest

from dot.errors import ConfigError, InvalidPattern
from dot.ignore import DEFAULT_PATTERNS, RuleBuilder


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
