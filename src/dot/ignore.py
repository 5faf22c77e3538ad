"""Ignore rules: gitignore patterns (pathspec) plus GNU Stow's regex ignore files.

Rules match the package-side relative path ("dot-gitignore" is not hit by
".gitignore"); directories are matched with a trailing "/". The compiled rule set
folds runs of same-polarity patterns into one regular expression, so a path is
tested against a handful of regexes however many patterns there are; the last
matching pattern decides, as in gitignore.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from dot.errors import ConfigError, InvalidPattern
from dot.sha import sha256
from dot.values import value

DOT_IGNORE_FILE = ".dotignore"
STOW_IGNORE_FILE = ".stow-local-ignore"

DEFAULT_PATTERNS: tuple[str, ...] = (
    # version control
    ".git",
    ".gitignore",
    ".gitmodules",
    ".svn",
    ".hg",
    "_darcs",
    "CVS",
    "RCS",
    ".cvsignore",
    # editor droppings
    "*~",
    "\\#*#",  # a leading "#" would start a comment
    ".#*",
    # operating-system junk
    ".DS_Store",
    "Thumbs.db",
    "desktop.ini",
    # top-level documents of a package
    "/README*",
    "/LICENSE*",
    "/COPYING",
    # the ignore files themselves
    f"/{DOT_IGNORE_FILE}",
    f"/{STOW_IGNORE_FILE}",
)

# pathspec's translation of each default pattern (GitIgnoreSpec's pattern class,
# `pattern_to_regex`): packages with only the default rules then never import
# pathspec, a fifth of dot's start-up. tests/unit/test_ignore.py checks that each
# entry matches exactly what the installed pathspec's translation matches.
_TAIL = r"(?:(?P<ps_d>/)|$)"
PRECOMPUTED: dict[str, tuple[str, bool]] = {
    ".git": (rf"^(?:.+/)?\.git{_TAIL}", True),
    ".gitignore": (rf"^(?:.+/)?\.gitignore{_TAIL}", True),
    ".gitmodules": (rf"^(?:.+/)?\.gitmodules{_TAIL}", True),
    ".svn": (rf"^(?:.+/)?\.svn{_TAIL}", True),
    ".hg": (rf"^(?:.+/)?\.hg{_TAIL}", True),
    "_darcs": (rf"^(?:.+/)?_darcs{_TAIL}", True),
    "CVS": (rf"^(?:.+/)?CVS{_TAIL}", True),
    "RCS": (rf"^(?:.+/)?RCS{_TAIL}", True),
    ".cvsignore": (rf"^(?:.+/)?\.cvsignore{_TAIL}", True),
    "*~": (rf"^(?:.+/)?[^/]*\~{_TAIL}", True),
    "\\#*#": (rf"^(?:.+/)?\#[^/]*\#{_TAIL}", True),
    ".#*": (rf"^(?:.+/)?\.\#[^/]*{_TAIL}", True),
    ".DS_Store": (rf"^(?:.+/)?\.DS_Store{_TAIL}", True),
    "Thumbs.db": (rf"^(?:.+/)?Thumbs\.db{_TAIL}", True),
    "desktop.ini": (rf"^(?:.+/)?desktop\.ini{_TAIL}", True),
    "/README*": (rf"^README[^/]*{_TAIL}", True),
    "/LICENSE*": (rf"^LICENSE[^/]*{_TAIL}", True),
    "/COPYING": (rf"^COPYING{_TAIL}", True),
    f"/{DOT_IGNORE_FILE}": (rf"^\.dotignore{_TAIL}", True),
    f"/{STOW_IGNORE_FILE}": (rf"^\.stow\-local\-ignore{_TAIL}", True),
}


_GIT = 0  # gitignore regex, matched against "rel" or "rel/"
_STOW_PATH = 1  # Stow regex with a "/", matched against "/rel" or "/rel/"
_STOW_BASE = 2  # Stow regex without "/", matched against the last component
_STOW_SUFFIX = 3  # Stow --ignore regex, matched against the end of "rel"


@value
class _Rule:
    pattern: str  # a regular expression, compiled when first matched against
    include: bool  # True: a match ignores the path; False: a match re-includes it
    how: int
    source: str


class IgnoreRules:
    """A compiled, ordered set of rules; `ignored(rel, is_dir)` is the main query."""

    __slots__ = ("_groups", "_regexes", "_single", "digest", "patterns")

    def __init__(self, groups: Sequence[_Rule], patterns: tuple[str, ...]) -> None:
        self._groups = tuple(groups)
        self._regexes: tuple[re.Pattern[str], ...] | None = None  # compiled on first use
        self.patterns = patterns
        self.digest = sha256("\n".join(patterns).encode()).hexdigest()[:16]
        only = self._groups[0] if len(self._groups) == 1 else None
        self._single = (
            _compiled(only.pattern)
            if only is not None and only.how == _GIT and only.include
            else None
        )

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """True when the package-relative path `rel` is excluded."""
        single = self._single
        if single is not None:  # the common case: one merged gitignore regex
            return single.match(rel + "/" if is_dir else rel) is not None
        rule = self._decider(rel, is_dir)
        return rule is not None and rule.include

    def why(self, rel: str, is_dir: bool) -> str:
        """The rule that decides `rel` ("" when none matches), for verbose output."""
        rule = self._decider(rel, is_dir)
        return rule.source if rule is not None else ""

    def _decider(self, rel: str, is_dir: bool) -> _Rule | None:
        candidate = rel + "/" if is_dir else rel
        regexes = self._regexes
        if regexes is None:
            regexes = self._regexes = tuple(_compiled(rule.pattern) for rule in self._groups)
        for rule, regex in zip(reversed(self._groups), reversed(regexes), strict=True):
            if rule.how == _GIT:
                subject = candidate
            elif rule.how == _STOW_PATH:
                subject = "/" + candidate
            elif rule.how == _STOW_SUFFIX:
                subject = rel
            else:
                subject = rel.rpartition("/")[2]
            if regex.match(subject) is not None:
                return rule
        return None


class RuleBuilder:
    """Collects rules from every source, in precedence order, then compiles them."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._texts: list[str] = []

    def gitignore(
        self, lines: Iterable[str], source: str, *, negate: bool = False, numbered: bool = False
    ) -> None:
        """Add gitignore-style lines; with `negate` every pattern re-includes.

        `numbered` sources are files, whose line numbers appear in messages.
        """
        rules, texts = _compile_gitignore(tuple(lines), source, negate, numbered)
        self._rules.extend(rules)
        self._texts.extend(texts)

    def stow_regexes(self, lines: Iterable[str], source: str) -> None:
        """Add GNU Stow ignore-file regexes (basename, or full path when with a '/')."""
        for number, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            line = re.sub(r"\s+#.+", "", line).replace("\\#", "#")
            try:
                if "/" in line:
                    regex = _compiled(rf"(?:^|.*/)(?:{line})(?:/|\Z)")
                    how = _STOW_PATH
                else:
                    regex = _compiled(rf"(?:{line})\Z")
                    how = _STOW_BASE
            except re.error as exc:
                raise ConfigError(
                    f"bad regular expression {line!r} in {source}:{number}: {exc}"
                ) from None
            self._rules.append(_Rule(regex.pattern, True, how, f"{source}:{number}: {line}"))
            self._texts.append(f"stow:{line}")

    def stow_suffixes(self, regexes: Iterable[str], source: str) -> None:
        """Add GNU Stow `--ignore=REGEX` rules: a path whose end matches is ignored."""
        for text in regexes:
            try:
                # Stow tests `rel =~ /REGEX\z/`; a lazy prefix makes `match` a search.
                regex = _compiled(rf"(?s:.*?)(?:{text})\Z")
            except re.error as exc:
                raise ConfigError(f"bad regular expression {text!r} in {source}: {exc}") from None
            self._rules.append(_Rule(regex.pattern, True, _STOW_SUFFIX, f"{source}: {text}"))
            self._texts.append(f"stow-suffix:{text}")

    def build(self) -> IgnoreRules:
        """Merge runs of gitignore rules with the same polarity into one regex each."""
        merged: list[_Rule] = []
        run: list[_Rule] = []

        def flush() -> None:
            if len(run) == 1:
                merged.append(run[0])
            elif run:
                pattern = _alternation(tuple(r.pattern for r in run))
                merged.append(_Rule(pattern, run[0].include, _GIT, ""))
            run.clear()

        for rule in self._rules:
            if rule.how != _GIT:
                flush()
                merged.append(rule)
            elif run and run[-1].include != rule.include:
                flush()
                run.append(rule)
            else:
                run.append(rule)
        flush()
        if any(not rule.source for rule in merged):
            # Keep per-pattern sources available for `why` by falling back to the
            # unmerged list when asked; the merged list answers `ignored` quickly.
            return _ExplainedRules(merged, self._rules, tuple(self._texts))
        return IgnoreRules(merged, tuple(self._texts))


class _ExplainedRules(IgnoreRules):
    """Merged rules for speed, with the original list kept to explain a decision."""

    __slots__ = ("_detail",)

    def __init__(self, merged: Sequence[_Rule], detail: Sequence[_Rule], texts: tuple[str, ...]):
        super().__init__(merged, texts)
        self._detail = IgnoreRules(detail, texts)

    def why(self, rel: str, is_dir: bool) -> str:
        return self._detail.why(rel, is_dir)


@functools.lru_cache(maxsize=256)
def _compile_gitignore(
    lines: tuple[str, ...], source: str, negate: bool, numbered: bool
) -> tuple[tuple[_Rule, ...], tuple[str, ...]]:
    """Compile gitignore lines once per process (every package shares the defaults)."""
    rules: list[_Rule] = []
    texts: list[str] = []
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\n\r")
        if not line.strip() or line.startswith("#"):
            continue
        text = "!" + line if negate and not line.startswith("!") else line
        where = f"{source}:{number}" if numbered else source
        translated = PRECOMPUTED.get(text) or _translate(text, line, where)
        if translated is None:
            continue
        regex, include = translated
        # Compiled (and then cached) only when matched against: the defaults are
        # matched as one merged expression, so theirs are compiled only to explain.
        rules.append(_Rule(regex, include, _GIT, f"{where}: {line}"))
        texts.append(text)
    return tuple(rules), tuple(texts)


def _translate(text: str, line: str, where: str) -> tuple[str, bool] | None:
    """pathspec's regex for one gitignore pattern (None for one that matches nothing)."""
    pattern_class = _pattern_class()
    try:
        regex, include = pattern_class.pattern_to_regex(text)
        if regex is not None:
            re.compile(regex)
    except Exception as exc:  # pathspec raises several types for bad patterns
        raise InvalidPattern(f"bad ignore pattern {line!r} in {where}: {exc}") from None
    if regex is None or include is None:
        return None
    return str(regex), bool(include)


@functools.cache
def _pattern_class() -> Any:
    """The pattern class behind pathspec's GitIgnoreSpec (imported on first need)."""
    import pathspec

    return type(pathspec.GitIgnoreSpec.from_lines(["x"]).patterns[0])


def compile_stats() -> tuple[int, int]:
    """(hits, misses) of the compiled-pattern caches since the process started."""
    infos = [f.cache_info() for f in (_compile_gitignore, _alternation, _compiled)]
    return sum(i.hits for i in infos), sum(i.misses for i in infos)


@functools.lru_cache(maxsize=256)
def _alternation(patterns: tuple[str, ...]) -> str:
    """One expression that matches when any of `patterns` does.

    pathspec writes most patterns as `^(?:.+/)?BODY(?:/|$)` (or `^BODY(?:/|$)` when
    anchored): those are factored into one `^(?:.+/)?(?:BODY|BODY...)(?:/|$)` each,
    which compiles and matches several times faster than a plain alternation.
    """
    shared: dict[str, list[str]] = {}
    rest: list[str] = []
    for pattern in patterns:
        plain = _unnamed(pattern)
        parts = _compiled(_SHAPE).fullmatch(plain)
        if parts is None:
            rest.append(f"(?:{plain})")
        else:
            shared.setdefault(parts.group("head") or "", []).append(parts.group("body"))
    for head, bodies in shared.items():
        either = "|".join(f"(?:{body})" for body in bodies)
        rest.append(f"(?:^{head}(?:{either})(?:(?:/)|$))")
    return "|".join(rest)


# pathspec's shape of a gitignore pattern (named groups already dropped).
_SHAPE = r"(?s)\^(?P<head>\(\?:\.\+/\)\?)?(?P<body>.*)\(\?:\(\?:/\)\|\$\)"


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    """`re.compile`, remembered for the whole process (every package shares the defaults)."""
    return re.compile(pattern)


def _unnamed(pattern: str) -> str:
    """Drop named groups so several pathspec regexes can share one alternation."""
    return re.sub(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>", "(?:", pattern)
