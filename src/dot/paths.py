"""Pure path arithmetic: name translation, link text, and link ownership.

All functions here are string operations; none touches the filesystem.
"""

from __future__ import annotations

import functools
import posixpath

from dot.values import field, value

DOT_PREFIX = "dot-"


def join(parent: str, name: str) -> str:
    """Join target-relative paths, where "" is the root."""
    return f"{parent}/{name}" if parent else name


def parent(path: str) -> str:
    """The parent of a target-relative path ("" for a top-level name)."""
    return path.rpartition("/")[0]


def is_within(path: str, ancestor: str) -> bool:
    """True when `path` is `ancestor` or lies below it (relative paths, "" is the root)."""
    return not ancestor or path == ancestor or path.startswith(ancestor + "/")


def translate_name(name: str, dotfiles: bool) -> str:
    """Map one package-side component to its target name (`dot-x` -> `.x`)."""
    if dotfiles and name.startswith(DOT_PREFIX) and len(name) > len(DOT_PREFIX):
        return "." + name[len(DOT_PREFIX) :]
    return name


def translate(rel: str, dotfiles: bool) -> str:
    """Map a package-relative path to its target-relative path, component by component."""
    if not dotfiles or DOT_PREFIX not in rel:
        return rel
    return "/".join(translate_name(part, True) for part in rel.split("/"))


def target_path(package: str, source: str, dotfiles: bool, name_mapping: bool) -> str:
    """The target path of `source` in `package` (with package-name mapping, if on)."""
    mapped = translate(source, dotfiles)
    if not name_mapping:
        return mapped
    root = translate_name(package, dotfiles)
    return f"{root}/{mapped}" if mapped else root


def validate_package_name(name: str) -> str | None:
    """Why `name` is not a plain package name, or None when it is one."""
    if not name:
        return "a package name cannot be empty"
    if name in (".", ".."):
        return f"'{name}' is not a package name"
    if "/" in name or "\\" in name:
        return f"package name '{name}' must not contain a path separator"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return f"package name {name!r} contains a control character"
    return None


@functools.cache
def _lead(prefix: str, depth: int) -> str:
    """The start of the text of a link `depth` levels down: "../" per level, the prefix."""
    return f"{'../' * depth}{prefix}/"


@value
class Owner:
    """Where a link points, when it points into the package directory."""

    package: str  # "" when the link points at the package directory itself
    source: str  # path inside the package ("" for the package root)


@value
class Layout:
    """The package directory and the target, as real absolute paths.

    `alias` is the package directory as the user spelled it (made absolute but not
    resolved), so that absolute links written through a symlinked path still count
    as owned.
    """

    dir: str
    target: str
    alias: str = ""
    prefix: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # The package directory relative to the target, as GNU Stow computes it; a
        # link's text is this prefix behind one "../" per directory level.
        object.__setattr__(self, "prefix", posixpath.relpath(self.dir, self.target))

    def abs(self, path: str) -> str:
        """The absolute path of a target-relative (or already absolute) path."""
        if path.startswith("/"):
            return path
        return f"{self.target}/{path}" if path else self.target

    def source_abs(self, package: str, source: str) -> str:
        """The absolute path of `source` inside `package`."""
        base = f"{self.dir}/{package}"
        return f"{base}/{source}" if source else base

    def link_text(self, path: str, package: str, source: str, absolute: bool) -> str:
        """The text of the link at `path` to `source` in `package`.

        Relative text is what GNU Stow writes: one `..` per directory level of the
        link below the target, then the package directory relative to the target.
        """
        if absolute:
            return self.source_abs(package, source)
        tail = f"{package}/{source}" if source else package
        prefix = self.prefix
        text = tail if prefix == "." else f"{prefix}/{tail}"
        depth = path.count("/")
        return "../" * depth + text if depth else text

    def resolve(self, path: str, text: str) -> str:
        """The absolute, lexically normalised destination of the link at `path`."""
        if text.startswith("/"):
            return posixpath.normpath(text)
        return posixpath.normpath(posixpath.join(self.abs(parent(path)), text))

    def owner(self, path: str, text: str) -> Owner | None:
        """Which package (and source) the link at `path` with `text` points into."""
        prefix = self.prefix
        if prefix != "." and not text.startswith("/"):
            # Fast path for the text dot and Stow write: "../" per level, the prefix.
            lead = _lead(prefix, path.count("/"))
            if text.startswith(lead):
                rest = text[len(lead) :]
                if rest and "//" not in rest and "/." not in f"/{rest}" and rest[-1] != "/":
                    package, _, source = rest.partition("/")
                    return Owner(package, source)
        dest = self.resolve(path, text)
        for base in (self.dir, self.alias):
            if not base:
                continue
            if dest == base:
                return Owner("", "")
            if dest.startswith(base + "/"):
                package, _, source = dest[len(base) + 1 :].partition("/")
                return Owner(package, source)
        return None

    def inside_dir(self, path: str) -> bool:
        """True when the target path is the package directory or lies inside it."""
        full = self.abs(path)
        return full == self.dir or full.startswith(self.dir + "/")

    def contains_dir(self, path: str) -> bool:
        """True when the target path is an ancestor of the package directory."""
        full = self.abs(path)
        return self.dir.startswith(full + "/")
