"""Configuration: config.toml, DOT_* environment variables and GNU Stow's .stowrc.

Sources, lowest precedence first: built-in defaults, .stowrc files, the config
file, the environment, flags. For scalars the highest source that sets a key wins;
`ignore` and `override` add up across sources (ignore rules add up by design);
`no_fold` replaces. Every bad value is a ConfigError (a UsageError for flags) that
names the file or variable, the key and what was expected. Nothing here prints:
.stowrc options that dot does not honour come back as warnings.

The three file and environment readers live in one module because they share
the key table, the checks and the path expansion rules.
"""

from __future__ import annotations

import json
import os
import posixpath
import pwd
import re
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from dot.choices import COLORS, DEFAULT_NO_FOLD, FORMATS, POLICIES
from dot.errors import ConfigError, DotError, UsageError
from dot.model import Policy
from dot.values import field, value

CONFIG_VARIABLE = "DOT_CONFIG"
LIST_SEPARATOR = ":"
STOWRC = ".stowrc"


class Type(Enum):
    """The kinds of value a key takes (the value is how messages describe it)."""

    BOOL = "a boolean"
    INT = "an integer"
    CHOICE = "a choice"
    PATH = "a non-empty string (a path)"
    LIST = "a list of strings"


@value
class Key:
    """One configuration key: its snake_case name, its type and its constraints."""

    name: str
    type: Type
    choices: tuple[str, ...] = ()
    minimum: int = 0

    @property
    def variable(self) -> str:
        """The environment variable that sets this key."""
        return "DOT_" + self.name.upper()

    @property
    def expected(self) -> str:
        if self.type is Type.CHOICE:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.type is Type.INT:
            return f"an integer >= {self.minimum}"
        return str(self.type.value)


KEYS: dict[str, Key] = {
    key.name: key
    for key in (
        Key("dir", Type.PATH),
        Key("target", Type.PATH),
        Key("dry_run", Type.BOOL),
        Key("verbose", Type.INT),
        Key("quiet", Type.BOOL),
        Key("color", Type.CHOICE, COLORS),
        Key("format", Type.CHOICE, FORMATS),
        Key("absolute", Type.BOOL),
        Key("folding", Type.BOOL),
        Key("dotfiles", Type.BOOL),
        Key("package_name_mapping", Type.BOOL),
        Key("ignore", Type.LIST),
        Key("override", Type.LIST),
        Key("on_conflict", Type.CHOICE, POLICIES),
        Key("backup_dir", Type.PATH),
        Key("manifest", Type.PATH),
        Key("jobs", Type.INT, minimum=1),
        Key("wait", Type.BOOL),
        Key("debug", Type.BOOL),
        Key("no_fold", Type.LIST),
        Key("global_ignore", Type.PATH),
        Key("cpuprofile", Type.PATH),
        Key("memprofile", Type.PATH),
        Key("threadprofile", Type.PATH),
        Key("profile_html", Type.PATH),
    )
}
ADDITIVE = ("ignore", "override", "stow_ignore")
_BOOLEANS = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("0", "false", "no", "off"), False),
}


@value
class Settings:
    """Every global setting after merging all sources; paths are absolute."""

    dir: str
    target: str
    global_ignore: str
    dry_run: bool = False
    verbose: int = 0
    quiet: bool = False
    color: str = "auto"
    format: str = "text"
    absolute: bool = False
    folding: bool = True
    dotfiles: bool = True
    package_name_mapping: bool = False
    ignore: tuple[str, ...] = ()
    override: tuple[str, ...] = ()
    on_conflict: Policy = Policy.FAIL
    backup_dir: str | None = None
    manifest: str | None = None
    jobs: int | None = None
    wait: bool = False
    debug: bool = False
    no_fold: frozenset[str] = DEFAULT_NO_FOLD
    cpuprofile: str | None = None  # profile outputs (dot.cli.profiling)
    memprofile: str | None = None
    threadprofile: str | None = None
    profile_html: str | None = None
    stow_ignore: tuple[str, ...] = ()  # Perl regexes from .stowrc `--ignore`
    files: tuple[str, ...] = ()  # the configuration files that were read
    warnings: tuple[str, ...] = ()  # .stowrc contents that were ignored
    dir_given: bool = True  # False: `dir` is the current directory by default


@value
class Layer:
    """The keys one source sets, already checked and converted."""

    source: str
    values: Mapping[str, Any] = field(default_factory=dict)
    file: bool = False  # the source is a file (reported in Settings.files)


@value
class World:
    """What configuration reads from outside itself: the environment and the cwd."""

    environ: Mapping[str, str]
    cwd: str

    @property
    def home(self) -> str:
        return self.environ.get("HOME") or pwd.getpwuid(os.getuid()).pw_dir

    def config_home(self) -> str:
        """$XDG_CONFIG_HOME, ignored unless absolute (as the XDG spec says), else ~/.config."""
        xdg = self.environ.get("XDG_CONFIG_HOME", "")
        return xdg if os.path.isabs(xdg) else os.path.join(self.home, ".config")


# --- the whole thing -------------------------------------------------------------


def load(flags: Mapping[str, Any], environ: Mapping[str, str], cwd: str) -> Settings:
    """Merge .stowrc files, the config file, DOT_* variables and `flags` (given options)."""
    world = World(environ, cwd)
    layers, warnings = read_stowrcs(world)
    path, explicit = config_path(world)
    config = read_config(path, world, required=explicit)
    if config is not None:
        layers.append(config)
    layers.append(from_environ(world))
    layers.append(from_flags(flags, world))
    return merge(layers, world, warnings)


def merge(layers: Sequence[Layer], world: World, warnings: Iterable[str] = ()) -> Settings:
    """Settings from `layers` (lowest precedence first) over the built-in defaults."""
    values: dict[str, Any] = {}
    for name in (*KEYS, "stow_ignore"):
        if name in ADDITIVE:
            values[name] = tuple(item for layer in layers for item in layer.values.get(name, ()))
            continue
        for layer in reversed(layers):
            if name in layer.values:
                values[name] = layer.values[name]
                break
    dir_given = "dir" in values
    values.setdefault("dir", world.cwd)
    values.setdefault("target", _absolute(world.home, world.cwd))
    values.setdefault("global_ignore", os.path.join(world.config_home(), "dot", "ignore"))
    values["on_conflict"] = Policy(values.get("on_conflict", Policy.FAIL))
    files = tuple(layer.source for layer in layers if layer.file)
    return Settings(**values, files=files, warnings=tuple(warnings), dir_given=dir_given)


# --- path expansion --------------------------------------------------------------

_REFERENCE = r"\\\$|\$\{(?P<braced>[^}]*)\}|\$(?P<bare>[A-Za-z_]\w*)|\$\{"
_NAME = r"[A-Za-z_]\w*"


def expand(
    value: str,
    base: str,
    subject: str,
    world: World,
    error: type[DotError] = ConfigError,
) -> str:
    """`value` with `$VAR`, `${VAR}` and a leading `~` expanded, absolute against `base`.

    An undefined variable is an error (`error`, naming `subject`) rather than a
    path with `$VAR` left in it. `\\$` stands for a literal `$`, as in Stow.
    """

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "\\$":
            return "$"
        name = match.group("braced")
        if name is None:
            name = match.group("bare")
        if name is None or not re.fullmatch(_NAME, name):
            raise error(f"{subject}: bad variable reference in {value!r}")
        if name not in world.environ:
            raise error(f"{subject} uses the undefined environment variable ${name}")
        return world.environ[name]

    # Compiled only when there is something to expand (most paths have no `$`).
    expanded = re.sub(_REFERENCE, substitute, value) if "$" in value else value
    if expanded.startswith("~"):
        user, sep, rest = expanded[1:].partition("/")
        if user:
            try:
                home = pwd.getpwnam(user).pw_dir
            except KeyError:
                raise error(f"{subject}: unknown user in {value!r}") from None
        else:
            home = world.home
        expanded = home + sep + rest
    elif expanded.startswith("\\~"):
        expanded = expanded[1:]
    return _absolute(expanded, base)


def _absolute(path: str, base: str) -> str:
    return os.path.normpath(os.path.join(base, path))


# --- the config file -------------------------------------------------------------


def config_path(world: World) -> tuple[str, bool]:
    """The config file to read, and whether the user named it ($DOT_CONFIG)."""
    named = world.environ.get(CONFIG_VARIABLE, "")
    if named:
        return expand(named, world.cwd, CONFIG_VARIABLE, world), True
    return os.path.join(world.config_home(), "dot", "config.toml"), False


def read_config(path: str, world: World, *, required: bool = False) -> Layer | None:
    """The config file at `path` as a layer; None when it does not exist (and may not)."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except (FileNotFoundError, NotADirectoryError):
        if required:
            raise ConfigError(f"{CONFIG_VARIABLE} names {path}, which does not exist") from None
        return None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"cannot read the config file {path}: {reason}") from None
    import tomllib  # only when there is a config file: a twentieth of dot's start-up

    try:
        data = tomllib.loads(raw.decode())
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    return from_toml(data, path, world)


def from_toml(data: Mapping[str, Any], path: str, world: World) -> Layer:
    """Check and convert a parsed config file; relative paths are against its directory."""
    base = os.path.dirname(path)
    values: dict[str, Any] = {}
    for name, raw in data.items():
        key = KEYS.get(name)
        if key is None:
            from difflib import get_close_matches  # only for a mistake

            hint = get_close_matches(name.replace("-", "_"), KEYS, n=1)
            suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ConfigError(f"config file {path}: unknown key '{name}'{suffix}")
        subject = f"config file {path}: '{name}'"
        if not _fits(key, raw):
            raise ConfigError(f"{subject} must be {key.expected} (got {_toml(raw)})")
        if key.type is Type.PATH:
            raw = expand(raw, base, subject, world)
        elif key.type is Type.LIST:
            raw = tuple(raw)
        values[name] = _no_fold(raw, subject) if name == "no_fold" else raw
    return Layer(path, values, file=True)


def _fits(key: Key, raw: object) -> bool:
    match key.type:
        case Type.BOOL:
            return isinstance(raw, bool)
        case Type.INT:
            return isinstance(raw, int) and not isinstance(raw, bool) and raw >= key.minimum
        case Type.CHOICE:
            return raw in key.choices
        case Type.PATH:
            return isinstance(raw, str) and raw != ""
        case Type.LIST:
            return isinstance(raw, list) and all(isinstance(item, str) for item in raw)


def _toml(raw: object) -> str:
    return json.dumps(raw, default=str)


def _no_fold(paths: Iterable[str], subject: str) -> frozenset[str]:
    """Target-relative directories, normalised the way the planner names them."""
    out = set()
    for path in paths:
        clean = posixpath.normpath(path.strip()) if path.strip() else ""
        if clean in ("", ".", "..") or clean.startswith(("/", "../")):
            raise ConfigError(
                f"{subject}: {path!r} is not a path relative to the target (like '.config')"
            )
        out.add(clean)
    return frozenset(out)


# --- environment and flags -------------------------------------------------------


def from_environ(world: World) -> Layer:
    """The DOT_* variables as a layer; an empty variable counts as unset."""
    values: dict[str, Any] = {}
    for name, key in KEYS.items():
        text = world.environ.get(key.variable, "")
        if text:
            values[name] = _from_text(key, text, world)
    return Layer("environment", values)


def _from_text(key: Key, text: str, world: World) -> Any:
    variable = key.variable
    word = text.strip()
    match key.type:
        case Type.PATH:
            return expand(text, world.cwd, variable, world)
        case Type.LIST:
            items = tuple(item for item in text.split(LIST_SEPARATOR) if item)
            return _no_fold(items, variable) if key.name == "no_fold" else items
        case Type.BOOL if word.lower() in _BOOLEANS:
            return _BOOLEANS[word.lower()]
        case Type.INT if word.isascii() and word.isdigit() and int(word) >= key.minimum:
            return int(word)
        case Type.CHOICE if word in key.choices:
            return word
    expected = key.expected
    if key.type is Type.BOOL:
        expected = "a boolean (1/0, true/false, yes/no, on/off)"
    raise ConfigError(f"{variable} must be {expected} (got {text!r})")


def from_flags(flags: Mapping[str, Any], world: World) -> Layer:
    """The options given on the command line (already typed by the CLI)."""
    values: dict[str, Any] = {}
    for name, item in flags.items():
        key = KEYS.get(name)
        if key is None or item is None:
            continue
        if key.type is Type.PATH:
            option = "--" + name.replace("_", "-")
            item = expand(item, world.cwd, option, world, UsageError)
        elif key.type is Type.LIST:
            item = tuple(item)
        values[name] = item
    return Layer("command line", values)


# --- GNU Stow's .stowrc ----------------------------------------------------------

# Stow's options (Getopt::Long): "value" takes an argument, "optional" may have one.
_STOW_OPTIONS = {
    "verbose": "optional",
    "help": "flag",
    "simulate": "flag",
    "no": "flag",
    "version": "flag",
    "compat": "flag",
    "dir": "value",
    "target": "value",
    "adopt": "flag",
    "no-folding": "flag",
    "dotfiles": "flag",
    "ignore": "value",
    "override": "value",
    "defer": "value",
    "delete": "flag",
    "stow": "flag",
    "restow": "flag",
}
_STOW_SHORT = {
    "d": "dir",
    "t": "target",
    "v": "verbose",
    "h": "help",
    "n": "simulate",
    "V": "version",
    "p": "compat",
    "D": "delete",
    "S": "stow",
    "R": "restow",
}


def read_stowrcs(world: World) -> tuple[list[Layer], list[str]]:
    """~/.stowrc then ./.stowrc, as Stow 2.3 reads them (the later file wins)."""
    layers: list[Layer] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for directory in (world.home, world.cwd):
        path = os.path.join(directory, STOWRC)
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        try:
            with open(path, "rb") as stream:
                text = stream.read().decode("utf-8", "surrogateescape")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue
        except OSError as exc:  # Stow skips a file it cannot read; say so
            warnings.append(f"cannot read {path}: {exc.strerror}; ignored")
            continue
        layer, ignored = parse_stowrc(text, path, world)
        layers.append(layer)
        warnings.extend(ignored)
    return layers, warnings


def parse_stowrc(text: str, path: str, world: World) -> tuple[Layer, list[str]]:
    """The options of one .stowrc that dot honours, and a warning for each other word.

    Like Stow: whitespace-separated words (no quoting), `--opt=value` or
    `--opt value`, unique abbreviations of long options, bundled short options
    (`-t DIR`, `-tDIR`), `~` and `$VAR` expanded in --dir and --target, relative
    paths against the current directory. Package names are ignored.
    """
    parser = _StowrcParser(path, world)
    words = text.split()
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            parser.packages.extend(words[index:])
            break
        if word.startswith("--"):
            index = parser.long(word, words, index)
        elif word.startswith("-") and word != "-":
            index = parser.short(word, words, index)
        else:
            parser.packages.append(word)
    if parser.packages:
        parser.warnings.append(
            f"{path}: ignoring package names (dot reads only options there): "
            + " ".join(parser.packages)
        )
    return Layer(path, parser.values, file=True), parser.warnings


class _StowrcParser:
    """The state of reading one .stowrc."""

    def __init__(self, path: str, world: World) -> None:
        self.path = path
        self.world = world
        self.values: dict[str, Any] = {}
        self.warnings: list[str] = []
        self.packages: list[str] = []

    def long(self, word: str, words: Sequence[str], index: int) -> int:
        name, eq, value = word[2:].partition("=")
        candidates = [o for o in _STOW_OPTIONS if o == name] or [
            o for o in _STOW_OPTIONS if name and o.startswith(name)
        ]
        if len(candidates) != 1:
            what = "ambiguous" if candidates else "unknown"
            self.warnings.append(f"{self.path}: ignoring {what} option '--{name}'")
            return index
        option = candidates[0]
        kind = _STOW_OPTIONS[option]
        if kind == "value" and not eq:
            value, index = self._next(words, index, f"--{name}")
        elif kind == "flag" and eq:
            self.warnings.append(f"{self.path}: ignoring '{word}': the option takes no value")
            return index
        self._apply(option, value, f"--{name}")
        return index

    def short(self, word: str, words: Sequence[str], index: int) -> int:
        position = 1
        while position < len(word):
            letter = word[position]
            position += 1
            option = _STOW_SHORT.get(letter)
            if option is None:
                self.warnings.append(f"{self.path}: ignoring unknown option '-{letter}'")
                continue
            kind = _STOW_OPTIONS[option]
            value = ""
            if kind == "value":
                value = word[position:]
                position = len(word)
                if not value:
                    value, index = self._next(words, index, f"-{letter}")
            elif kind == "optional":
                while position < len(word) and word[position].isdigit():
                    position += 1
            self._apply(option, value, f"-{letter}")
        return index

    def _next(self, words: Sequence[str], index: int, written: str) -> tuple[str, int]:
        if index >= len(words):
            raise ConfigError(f"{self.path}: option '{written}' needs a value")
        return words[index], index + 1

    def _apply(self, option: str, value: str, written: str) -> None:
        subject = f"{self.path}: '{written}'"
        if option in ("dir", "target"):
            self.values[option] = expand(value, self.world.cwd, subject, self.world)
        elif option == "ignore":
            try:
                re.compile(value)
            except re.error as exc:
                raise ConfigError(f"{subject}: bad regular expression {value!r}: {exc}") from None
            self.values["stow_ignore"] = (*self.values.get("stow_ignore", ()), value)
        elif option == "no-folding":
            self.values["folding"] = False
        elif option == "dotfiles":
            self.values["dotfiles"] = True
        else:
            self.warnings.append(f"{self.path}: ignoring Stow option '{written}' (not used by dot)")
