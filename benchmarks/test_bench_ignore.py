"""Ignore rules: matching many paths against compiled rules, and compiling them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bench_support import Worlds
from dot import ignore
from dot.ignore import DEFAULT_PATTERNS, IgnoreRules, RuleBuilder

# What a user with a global ignore file, a .dotignore and a flag or two might have.
GLOBAL = ["*.swp", "*.swo", "*.bak", "*.orig", "__pycache__/", "*.pyc", "node_modules/",
          ".venv/", "*.log", ".direnv/"]  # fmt: skip
DOTIGNORE = ["/docs/", "/screenshots/", "*.png", "!icons/*.png", "lazy-lock.json",
             "plugin/packer_compiled.lua", "**/spell/*.spl", "session-*.vim", "tmp/",
             "/install.sh", "/Makefile", "*.tmp", "!keep.tmp", "cache/**", "*.md"]  # fmt: skip
STOW = [r"\.swp", r"^/install\.sh", r"\.orig", r"^/docs/.*", r"(?:\.png|\.jpg)"]
RULE_SETS = ["defaults", "gitignore-30", "stow-regexes"]


def compile_rules(which: str) -> IgnoreRules:
    """Build one of the rule sets, the way the scanner does per package."""
    builder = RuleBuilder()
    builder.gitignore(DEFAULT_PATTERNS, "built-in defaults")
    if which == "gitignore-30":
        builder.gitignore(GLOBAL, "~/.config/dot/ignore", numbered=True)
        builder.gitignore(DOTIGNORE, ".dotignore", numbered=True)
        builder.gitignore(["*.local", "secrets/"], "--ignore")
        builder.gitignore(["important.local"], "--override", negate=True)
    elif which == "stow-regexes":
        builder.stow_regexes(STOW, ".stow-local-ignore")
    return builder.build()


@pytest.fixture(scope="module")
def paths(worlds: Worlds) -> list[tuple[str, bool]]:
    """Every package-relative path of the large fixture, directories included."""
    spec = worlds.spec("large")
    return [entry for name in spec.names for entry in spec.paths(name)]


@pytest.mark.benchmark(group="ignore-match")
@pytest.mark.parametrize("which", RULE_SETS)
def test_match_many_paths(benchmark: Any, paths: list[tuple[str, bool]], which: str) -> None:
    rules = compile_rules(which)

    def run() -> int:
        ignored = rules.ignored
        return sum(ignored(rel, is_dir) for rel, is_dir in paths)

    hits = benchmark(run)
    assert 0 < hits < len(paths)


def _forget_compiled() -> None:
    """Empty every compile cache: dot.ignore's own (whatever they are called) and re's."""
    for value in vars(ignore).values():
        clear = getattr(value, "cache_clear", None)
        if callable(clear):
            clear()
    re.purge()


@pytest.mark.benchmark(group="ignore-compile")
@pytest.mark.parametrize("which", RULE_SETS)
def test_compile_cold(benchmark: Any, which: str) -> None:
    """The first package of a run: nothing compiled yet in this process."""
    rules = benchmark.pedantic(compile_rules, (which,), setup=_forget_compiled, rounds=100)
    assert rules.ignored("README.md", False)


@pytest.mark.benchmark(group="ignore-compile")
@pytest.mark.parametrize("which", RULE_SETS)
def test_compile_warm(benchmark: Any, which: str) -> None:
    """Every later package: whatever the process already compiled is reused."""
    compile_rules(which)
    rules = benchmark(compile_rules, which)
    assert rules.ignored("README.md", False)
